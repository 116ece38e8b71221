"""Is a live channel in a language the ASR model can transcribe?

An English-only Whisper turns Mandarin into fluent-looking English. The batch pipeline judges a
whole channel with the decode's own signals (asr/language.py); one live utterance is too short
for that (clear English utterances score as low as Mandarin ones). So a live channel collects
its first `LIVE_LANGUAGE_JUDGE_S` of speech, that audio is decoded once more with the batch
options and judged by the batch check, and from a "not supported" verdict on the channel's
turns carry no text and feed no suggestions, rules or emotion.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hotline import defaults
from hotline.asr.language import LANGUAGE_UNSUPPORTED

SAMPLE_RATE = defaults.SAMPLE_RATE
UNSUPPORTED_MESSAGE = ("this speech is not in a language the ASR model can transcribe "
                       "(English-only model): no transcript, suggestions or rules from it; "
                       "configure a multilingual model (HOTLINE_ASR_MODEL)")


def check_options(live_options: Any) -> Any:
    """The batch pipeline's decode for the check: VAD, word probabilities, the full temperature
    fallback, no hotword prompt, the language judged (what asr/language.py was measured on)."""
    from hotline.asr.options import TEMPERATURES

    return dataclasses.replace(live_options, vad_filter=True, word_timestamps=True,
                               temperature=TEMPERATURES, hotwords=None, initial_prompt=None,
                               judge_language=True)


@dataclass
class ChannelLanguage:
    """A live channel's first speech, kept until its language has been judged once."""

    heard: list[np.ndarray] = field(default_factory=list)
    heard_s: float = 0.0
    verdict: str | None = None          # None: not judged yet; "ok" or LANGUAGE_UNSUPPORTED
    language: str | None = None         # what the check's decode detected

    @property
    def unsupported(self) -> bool:
        return self.verdict == LANGUAGE_UNSUPPORTED

    def add(self, audio: np.ndarray) -> bool:
        """Keep an utterance's audio; True once there is enough speech to judge."""
        if self.verdict is not None:
            return False
        if self.heard_s < defaults.LIVE_LANGUAGE_MAX_S:
            self.heard.append(audio)
            self.heard_s += len(audio) / SAMPLE_RATE
        return self.heard_s >= defaults.LIVE_LANGUAGE_JUDGE_S

    def audio(self) -> np.ndarray:
        """What the check decodes: the speech so far, capped, with short pauses between."""
        gap = np.zeros(int(0.3 * SAMPLE_RATE), np.float32)
        parts = [p for a in self.heard for p in (a, gap)]
        out = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        return out[: int(defaults.LIVE_LANGUAGE_MAX_S * SAMPLE_RATE)]

    def settle(self, flags: list[str], language: str | None = None) -> bool:
        """The check's flags and detected language in; True when the channel turned out not
        transcribable."""
        self.verdict = LANGUAGE_UNSUPPORTED if LANGUAGE_UNSUPPORTED in flags else "ok"
        self.language = language
        self.heard = []
        return self.unsupported
