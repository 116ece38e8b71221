"""Diarization data types and the tunables of this package.

The constants below are documented defaults; they belong in `hotline/defaults.py` and are kept
here until the lead moves them (the diarization engineer may not edit that file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from hotline import defaults
from hotline.document import Word

TURN_SPLIT_GAP_S = defaults.TURN_SPLIT_GAP_S
DUAL_MONO_CORRELATION = defaults.DUAL_MONO_CORRELATION
OVERLAP_JOIN_S = defaults.DIAR_OVERLAP_JOIN_S
TURN_PAUSE_S = defaults.DIAR_TURN_PAUSE_S


@dataclass
class SpeakerSegment:
    start: float
    end: float
    speaker: str  # "S0", "S1", ...

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass
class Diarization:
    segments: list[SpeakerSegment] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    backend: str = "embedded"
    # A second speaker on overlapped speech (segments stays exclusive: one speaker per frame,
    # what words are assigned by); empty where no overlap was detected or the backend has none.
    overlaps: list[SpeakerSegment] = field(default_factory=list)

    def speaker_durations(self) -> dict[str, float]:
        """Seconds of speech per speaker (for talk ratios and sanity checks)."""
        out = {s: 0.0 for s in self.speakers}
        for seg in self.segments + self.overlaps:
            out[seg.speaker] = out.get(seg.speaker, 0.0) + seg.duration
        return out


class Diarizer(Protocol):
    def diarize(self, samples: np.ndarray, words: list[Word] | None = None) -> Diarization:
        """Who spoke when in `samples` ((n,) float32 at 16 kHz)."""
        ...
