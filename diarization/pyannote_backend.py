"""pyannote.audio backend: a pipeline loaded from a local directory (never the hub).

pyannote.audio is optional (`pip install hotline[pyannote]`, GPU boxes): it needs a torchaudio
that matches torch exactly. Its import happens only in `load_pyannote_pipeline`, after the
telemetry switch is set, so importing this module is free and has no side effects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from hotline.audio import as_mono
from hotline.diarization.types import Diarization, SpeakerSegment
from hotline.document import Word
from hotline.errors import ConfigError

SAMPLE_RATE = 16_000


def _config_path(path: str | os.PathLike) -> Path:
    """A pipeline directory (holding config.yaml) or the config.yaml itself."""
    p = Path(path).expanduser()
    if p.is_dir():
        p = p / "config.yaml"
    if not p.is_file():
        raise ConfigError(f"pyannote pipeline config not found: {p} (HOTLINE_PYANNOTE_PATH must "
                          "be a local directory with config.yaml, or the config.yaml itself)")
    return p


def load_pyannote_pipeline(path: str | os.PathLike, device: str = "cpu") -> Any:
    """`Pipeline.from_pretrained(<local config.yaml>)` with telemetry off and no hub access."""
    config = _config_path(path)
    os.environ["PYANNOTE_METRICS_ENABLED"] = "0"   # telemetry off, before pyannote is imported
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from pyannote.audio import Pipeline
    except ImportError as exc:
        raise ConfigError("diarization_backend=pyannote needs pyannote.audio "
                          "(pip install 'hotline[pyannote]', with a torchaudio matching torch)"
                          ) from exc
    pipeline = Pipeline.from_pretrained(str(config))
    if pipeline is None:
        raise ConfigError(f"pyannote could not build a pipeline from {config}")
    if device != "cpu":
        import torch

        pipeline.to(torch.device(device))
    return pipeline


def annotation_to_diarization(annotation: Any, backend: str = "pyannote") -> Diarization:
    """pyannote.core.Annotation -> Diarization; labels renamed S0, S1, ... by first speech."""
    tracks = sorted(((seg.start, seg.end, label) for seg, _, label in
                     annotation.itertracks(yield_label=True)), key=lambda t: (t[0], t[1]))
    mapping: dict[Any, str] = {}
    segments = []
    for start, end, label in tracks:
        if end - start <= 0:
            continue
        if label not in mapping:
            mapping[label] = f"S{len(mapping)}"
        segments.append(SpeakerSegment(start=round(float(start), 3), end=round(float(end), 3),
                                       speaker=mapping[label]))
    return Diarization(segments=segments, speakers=list(mapping.values()), backend=backend)


class PyannoteDiarizer:
    """Runs a loaded pyannote pipeline on in-memory audio."""

    backend = "pyannote"

    def __init__(self, pipeline: Any, num_speakers: int = 2):
        self.pipeline = pipeline
        self.num_speakers = num_speakers

    def diarize(self, samples: np.ndarray, words: list[Word] | None = None,
                num_speakers: int | None = None) -> Diarization:
        import torch

        x = as_mono(samples)
        k = self.num_speakers if num_speakers is None else num_speakers
        kwargs = {"num_speakers": k} if k > 0 else {}
        output = self.pipeline({"waveform": torch.from_numpy(x)[None, :],
                                "sample_rate": SAMPLE_RATE}, **kwargs)
        # pyannote.audio 4 returns a DiarizeOutput; 3.x returns the Annotation itself.
        annotation = getattr(output, "exclusive_speaker_diarization", None) or getattr(
            output, "speaker_diarization", output)
        return annotation_to_diarization(annotation)
