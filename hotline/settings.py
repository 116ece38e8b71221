"""The one settings object: flags, then HOTLINE_* environment variables, then `hotline.defaults`.

Validated once, up front (like openai/whisper's frozen options), so a wrong setting fails at
start-up with a message naming the variable, instead of in the middle of a batch. Every process
(CLI, worker, server) builds one `Settings` and passes it down; nothing else reads HOTLINE_*.
docs/configuration.md is generated from the field descriptions (scripts/gen_config_doc.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    SettingsConfigDict,
    SettingsError,
)
from pydantic_settings.sources.utils import parse_env_vars

from hotline import defaults
from hotline.errors import ConfigError

_ENV: ContextVar[Mapping[str, str] | None] = ContextVar("hotline_env", default=None)


class _EnvSource(EnvSettingsSource):
    """Reads `load_settings(env=...)`'s mapping when one is given, os.environ otherwise."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        env = _ENV.get()
        return parse_env_vars(os.environ if env is None else env, self.case_sensitive,
                              self.env_ignore_empty, self.env_parse_none_str)


class _HotlineSettings(BaseSettings):
    def __init__(self, **values: Any) -> None:
        """Construct and validate; a bad value is a ConfigError naming its variable."""
        try:
            super().__init__(**values)
        except (ValidationError, SettingsError) as exc:
            raise ConfigError(_describe(exc, self.model_config.get("env_prefix", ""))) from None

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        """Flags (init kwargs) win over the environment; no .env files, no secrets dir."""
        return (init_settings, _EnvSource(settings_cls))


class BatchSettings(_HotlineSettings):
    """Heartbeats, leases and retries. They must agree between workers and the `hotline batch`
    follower (both judge a worker dead from the same lease), so they come from the environment
    every process shares (HOTLINE_BATCH_*), never from flags."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_BATCH_", frozen=True, extra="ignore")

    heartbeat_s: float = Field(defaults.BATCH_HEARTBEAT_S, gt=0,
                               description="a busy worker touches its row this often (s)")
    lease_s: float = Field(defaults.BATCH_LEASE_S, gt=0,
                           description="a processing row untouched this long belongs to a dead worker (s)")
    reconcile_s: float = Field(defaults.BATCH_RECONCILE_S, gt=0,
                               description="how often store and queue are reconciled (s)")
    scheduler_s: float = Field(defaults.BATCH_SCHEDULER_S, gt=0,
                               description="how often due retries move back to the queue (s)")
    poll_s: float = Field(defaults.BATCH_POLL_S, gt=0, description="progress refresh of `hotline batch` (s)")
    stuck_after_s: float = Field(float(defaults.STUCK_AFTER_S), gt=0,
                                 description="rows pending/processing longer than this are re-enqueued (s)")
    max_attempts: int = Field(defaults.MAX_ATTEMPTS, ge=1, description="tries per recording")
    backoff_s: Annotated[tuple[int, ...], NoDecode] = Field(tuple(defaults.RETRY_BACKOFF_S),
                                       description="seconds before retry 1, 2, 3… (comma-separated)")
    timeout_base_s: float = Field(float(defaults.JOB_TIMEOUT_BASE_S), gt=0,
                                  description="job timeout = base + per_audio x audio seconds")
    timeout_per_audio_s: float = Field(defaults.JOB_TIMEOUT_PER_AUDIO_S, ge=0,
                                       description="job timeout seconds per audio second")
    embed_calls: bool = Field(True, description="index call vectors for 'similar calls' (0 = lexical only)")

    @field_validator("backoff_s", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return tuple(int(x) for x in value.split(",") if x.strip())
            except ValueError:
                raise ValueError("expected comma-separated whole seconds, e.g. 5,30,120") from None
        return value

    @model_validator(mode="after")
    def _lease_exceeds_heartbeats(self) -> BatchSettings:
        if self.lease_s <= 2 * self.heartbeat_s:
            raise ValueError(f"HOTLINE_BATCH_LEASE_S ({self.lease_s}) must exceed twice the "
                             f"heartbeat ({self.heartbeat_s}), or live workers would look dead")
        return self

    def job_timeout(self, duration_s: float | None) -> int:
        """RQ job timeout scaled to the audio length (a 4 h call may take a while on CPU)."""
        return int(self.timeout_base_s + self.timeout_per_audio_s * (duration_s or 0.0))

    def backoff(self, attempt: int) -> int:
        """Seconds to wait before retry number `attempt` (1-based)."""
        if not self.backoff_s:
            return 0
        return int(self.backoff_s[min(max(attempt, 1), len(self.backoff_s)) - 1])


class Settings(_HotlineSettings):
    """Everything a hotline process is configured with (HOTLINE_<FIELD> in the environment)."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", frozen=True, extra="ignore")

    db_url: str = Field("", description="results store: sqlite:///PATH (default: DATA_DIR/hotline.db) or postgresql://…")
    redis_url: str = Field("", description="default for --redis (RQ queue); empty = in-process batch")
    data_dir: str = Field(defaults.DATA_DIR, description="where the embedded store, caches and muted audio copies live")
    max_duration: float = Field(defaults.MAX_DURATION_S, gt=0, description="longer recordings are rejected (s)")
    asr_backend: Literal["faster-whisper", "openai-whisper"] = Field(defaults.ASR_BACKEND, description="ASR engine")
    asr_model: str = Field(defaults.ASR_MODEL, description="'bundled' (tiny.en, offline), a size name, or a local model path")
    asr_device: Literal["cpu", "cuda", "auto"] = Field(defaults.ASR_DEVICE, description="where ASR runs")
    asr_compute_type: str = Field(defaults.ASR_COMPUTE_TYPE, description="CTranslate2 compute type (int8, float16, …)")
    asr_cpu_threads: int = Field(0, ge=0, description="CTranslate2 threads per worker (0 = all cores)")
    asr_beam_size: int = Field(defaults.ASR_BEAM_SIZE, ge=1, le=10, description="beam size (1 = greedy)")
    asr_batch_size: int = Field(defaults.ASR_BATCH_SIZE, ge=0, description="batched VAD chunks (0 = sequential)")
    asr_initial_prompt: str = Field("", description="prompt text for the first window (opt-in)")
    asr_hotwords: str = Field("", description="'' = none, 'telecom' = the built-in telecom terms, or a list")
    language: Literal["auto", "en", "zh"] = Field("auto", description="spoken language of the calls")
    diarization_backend: Literal["embedded", "pyannote"] = Field(defaults.DIARIZATION_BACKEND, description="speaker diarization engine")
    pyannote_path: str = Field("", description="local pyannote pipeline directory (backend pyannote)")
    num_speakers: int = Field(defaults.NUM_SPEAKERS, ge=0, description="speakers per mono call (0 = estimate)")
    stereo_agent: Literal["left", "right"] = Field(defaults.STEREO_AGENT_CHANNEL, description="channel the agent is usually on (a prior)")
    emotion_model_path: str = Field("", description="optional local transformers emotion model directory")
    embed_model: str = Field("", description="sentence-embedding model directory (default: bundled all-MiniLM-L6-v2)")
    rulebook: str = Field("", description="YAML rulebook path (default: the built-in rules)")
    knowledge_dir: str = Field("", description="knowledge-graph YAML directory (default: built-in)")
    queue: str = Field(defaults.QUEUE_NAME, description="RQ queue name")
    metrics_token: str = Field("", description="web: bearer token Prometheus scrapes /metrics with (admin tokens work too; empty = admin tokens only)")
    redacted_audio: bool = Field(True, description="write a copy with PII spans muted (DATA_DIR/redacted_audio)")
    pii_salt: str = Field("", description="salt of caller hashes (set one per deployment)")
    retention_days: int = Field(defaults.RETENTION_DAYS, ge=0, description="`hotline purge` removes calls older than this many days (0 = keep forever)")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field("WARNING", description="log level of every process")
    pipeline_factory: str = Field("", description="module:callable building the worker's pipeline (drills)")
    audio_dirs: str = Field("", description="web: the only dirs audio is served from besides DATA_DIR "
                            "(os.pathsep-separated; shared storage of the workers' redacted copies)")
    allowed_origins: str = Field("", description="web: browser origins allowed besides the server's own "
                                 "(comma-separated, e.g. https://crm.example.com)")
    token_ttl_days: float = Field(defaults.TOKEN_TTL_DAYS, gt=0,
                                  description="default lifetime of `hotline token create` tokens (days)")
    batch: BatchSettings = Field(default_factory=BatchSettings, description="HOTLINE_BATCH_* (see below)")

    @model_validator(mode="after")
    def _derived(self) -> Settings:
        if not self.db_url:
            object.__setattr__(self, "db_url", f"sqlite:///{os.path.join(self.data_dir, 'hotline.db')}")
        if self.diarization_backend == "pyannote" and not self.pyannote_path:
            raise ValueError("diarization_backend=pyannote needs HOTLINE_PYANNOTE_PATH (a local dir)")
        return self

    @property
    def hotwords(self) -> str | None:
        """The hotword prompt for ASR, or None (the default; see asr/options.py)."""
        if self.asr_hotwords == "telecom":
            return defaults.TELECOM_HOTWORDS
        return self.asr_hotwords or None

    @property
    def audio_roots(self) -> list[str]:
        """Directories the web server may serve audio from: data_dir, then audio_dirs."""
        return [self.data_dir, *(d for d in self.audio_dirs.split(os.pathsep) if d.strip())]

    @property
    def origins(self) -> list[str]:
        """Configured extra browser origins (scheme://host[:port]), no trailing slash."""
        return [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]

    def replace(self, **changes: Any) -> Settings:
        """A validated copy with the given non-None overrides (CLI flags)."""
        return Settings(**{**self._explicit(), **_given(changes)})

    def _explicit(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set}


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from HOTLINE_* (os.environ, or `env`), then keyword overrides (flags)."""
    with _environment(env):
        return Settings(**_given(overrides))


@contextmanager
def _environment(env: Mapping[str, str] | None) -> Iterator[None]:
    token = _ENV.set(env)
    try:
        yield
    finally:
        _ENV.reset(token)


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _describe(exc: ValidationError | SettingsError, prefix: str) -> str:
    """One line per bad value: `HOTLINE_NUM_SPEAKERS='two': Input should be a valid integer`."""
    if isinstance(exc, SettingsError):
        return f"{prefix.rstrip('_')}: {exc}"
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        msg = err["msg"].removeprefix("Value error, ")
        if not loc:                     # a check across fields: its message names them
            parts.append(msg)
            continue
        value = "" if isinstance(err["input"], dict) else f"={err['input']!r}"
        parts.append(f"{prefix}{'_'.join(loc).upper()}{value}: {msg}")
    return "; ".join(parts)
