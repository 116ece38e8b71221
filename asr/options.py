"""ASR decoding options, validated once (like openai/whisper's frozen DecodingOptions).

A wrong option fails at start-up with a ConfigError, never in the middle of a batch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hotline import defaults
from hotline.errors import ConfigError
from hotline.settings import Settings

LANGUAGES = ("auto", "en", "zh")
ZH_HOTWORDS = defaults.ZH_HOTWORDS
# Whisper's own fallback schedule: re-decode hotter when a window looks like a loop or is unsure.
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
# See defaults.ASR_BATCH_SIZE. Batching needs VAD chunks, so vad_filter=False always decodes
# sequentially.
BATCH_SIZE = defaults.ASR_BATCH_SIZE


@dataclass(frozen=True)
class ASROptions:
    """How to decode one recording; the same options drive both backends."""

    language: str = "auto"
    beam_size: int = defaults.ASR_BEAM_SIZE
    vad_filter: bool = True
    word_timestamps: bool = True
    # Off by default: measured on 8 kHz calls, any prompt/hotwords makes tiny.en drop the first
    # 20 s and run 3x slower; opt in with HOTLINE_ASR_HOTWORDS ("telecom" = the default list).
    hotwords: str | None = None
    initial_prompt: str | None = None
    no_speech_threshold: float = defaults.ASR_NO_SPEECH_THRESHOLD
    condition_on_previous_text: bool = False
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    temperature: tuple[float, ...] = TEMPERATURES
    batch_size: int = BATCH_SIZE
    max_new_tokens: int | None = None   # cap per 30 s window (None = model limit, 224)
    tighten_word_times: bool = True     # shrink word times out of pauses (asr/align.py)
    # False: the caller judges the language over more speech than this one piece (live assist
    # judges a channel, not each short utterance), so the text is kept; the flags still say
    # what this piece alone suggested. One short English utterance must never lose its words.
    judge_language: bool = True

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ConfigError(f"language must be one of {', '.join(LANGUAGES)}; got {self.language!r}")
        if isinstance(self.beam_size, bool) or not isinstance(self.beam_size, int):
            raise ConfigError(f"beam_size must be an integer, got {self.beam_size!r}")
        if not 1 <= self.beam_size <= 16:
            raise ConfigError(f"beam_size must be between 1 and 16, got {self.beam_size}")
        if not 0.0 <= self.no_speech_threshold <= 1.0:
            raise ConfigError(f"no_speech_threshold must be in [0, 1], got {self.no_speech_threshold}")
        if self.compression_ratio_threshold <= 0:
            raise ConfigError("compression_ratio_threshold must be > 0")
        temps = tuple(float(t) for t in self.temperature)
        if not temps or any(not 0.0 <= t <= 1.0 for t in temps):
            raise ConfigError(f"temperature must be one or more values in [0, 1], got {self.temperature!r}")
        object.__setattr__(self, "temperature", temps)
        if self.batch_size < 0:
            raise ConfigError(f"batch_size must be >= 0 (0 = sequential), got {self.batch_size}")
        if self.max_new_tokens is not None and not 1 <= self.max_new_tokens <= 440:
            raise ConfigError(f"max_new_tokens must be in 1..440 or None, got {self.max_new_tokens}")
        for name in ("hotwords", "initial_prompt"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"{name} must be text or None, got {type(value).__name__}")
            object.__setattr__(self, name, (value or "").strip() or None)
        if self.language == "zh" and self.hotwords == defaults.TELECOM_HOTWORDS:
            object.__setattr__(self, "hotwords", ZH_HOTWORDS)  # default terms follow the language

    def replace(self, **changes: Any) -> ASROptions:
        """A validated copy with the given non-None changes (per-call language, hotwords)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ASROptions:
        """Options from `Settings` (language, hotwords, optional asr_* fields), then overrides."""
        values: dict[str, Any] = {
            "language": settings.language,
            "hotwords": settings.hotwords,          # resolves HOTLINE_ASR_HOTWORDS=telecom
            "beam_size": settings.asr_beam_size,
            "initial_prompt": settings.asr_initial_prompt or None,
            "batch_size": settings.asr_batch_size,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def for_language(self, language: str) -> ASROptions:
        """Switch language; telecom hotwords follow it when they are still the defaults."""
        hotwords = self.hotwords_for(language)
        return dataclasses.replace(self, language=language, hotwords=hotwords)

    def hotwords_for(self, language: str) -> str | None:
        """The hotwords for speech in `language` (any Whisper code, e.g. one a multilingual model
        detected): the default telecom terms in Mandarin for zh, in English otherwise."""
        if language.startswith("zh") and self.hotwords == defaults.TELECOM_HOTWORDS:
            return ZH_HOTWORDS
        if not language.startswith("zh") and self.hotwords == ZH_HOTWORDS:
            return defaults.TELECOM_HOTWORDS
        return self.hotwords
