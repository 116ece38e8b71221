"""Settings: flags, then HOTLINE_* environment variables, then `hotline.defaults`.

Validated once, up front (like openai/whisper's frozen options), so a wrong setting fails at
start-up with a clear message instead of in the middle of a batch.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from typing import Any

from hotline import defaults
from hotline.errors import ConfigError


@dataclass(frozen=True)
class Settings:
    db_url: str = ""
    redis_url: str = ""
    data_dir: str = defaults.DATA_DIR
    max_duration: float = defaults.MAX_DURATION_S
    asr_backend: str = defaults.ASR_BACKEND
    asr_model: str = defaults.ASR_MODEL
    asr_device: str = defaults.ASR_DEVICE
    asr_compute_type: str = defaults.ASR_COMPUTE_TYPE
    asr_hotwords: str = ""          # "" = none, "telecom" = defaults.TELECOM_HOTWORDS, or a list
    language: str = "auto"
    diarization_backend: str = defaults.DIARIZATION_BACKEND
    pyannote_path: str = ""
    num_speakers: int = defaults.NUM_SPEAKERS
    stereo_agent: str = defaults.STEREO_AGENT_CHANNEL
    emotion_model_path: str = ""
    rulebook: str = ""
    knowledge_dir: str = ""
    queue: str = defaults.QUEUE_NAME
    redacted_audio: bool = True     # write a copy with PII spans muted (data_dir/redacted_audio)

    def __post_init__(self) -> None:
        if not self.db_url:
            object.__setattr__(self, "db_url", f"sqlite:///{os.path.join(self.data_dir, 'hotline.db')}")
        _check_choice("asr_backend", self.asr_backend, ("faster-whisper", "openai-whisper"))
        _check_choice("asr_device", self.asr_device, ("cpu", "cuda", "auto"))
        _check_choice("language", self.language, ("auto", "en", "zh"))
        _check_choice("diarization_backend", self.diarization_backend, ("embedded", "pyannote"))
        _check_choice("stereo_agent", self.stereo_agent, ("left", "right"))
        if self.max_duration <= 0:
            raise ConfigError(f"max_duration must be > 0 seconds, got {self.max_duration}")
        if self.num_speakers < 0:
            raise ConfigError(f"num_speakers must be >= 0 (0 = estimate), got {self.num_speakers}")
        if self.diarization_backend == "pyannote" and not self.pyannote_path:
            raise ConfigError("diarization_backend=pyannote needs HOTLINE_PYANNOTE_PATH (a local dir)")

    @property
    def hotwords(self) -> str | None:
        """The hotword prompt for ASR, or None (the default; see asr/options.py)."""
        if self.asr_hotwords == "telecom":
            return defaults.TELECOM_HOTWORDS
        return self.asr_hotwords or None

    def replace(self, **changes: Any) -> Settings:
        """A copy with the given non-None overrides (CLI flags)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from HOTLINE_<FIELD> environment variables, then keyword overrides (flags)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(f"HOTLINE_{f.name.upper()}")
        if raw is not None and raw != "":
            values[f.name] = _coerce(f.name, raw, type(getattr(Settings, f.name, "")))
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def _coerce(name: str, raw: str, kind: type) -> Any:
    if kind is bool:
        if raw.strip().lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            raise ConfigError(f"HOTLINE_{name.upper()}={raw!r} is not a valid boolean (1/0)")
        return raw.strip().lower() in ("1", "true", "yes", "on")
    try:
        return kind(raw)
    except ValueError as exc:
        raise ConfigError(f"HOTLINE_{name.upper()}={raw!r} is not a valid {kind.__name__}") from exc


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
