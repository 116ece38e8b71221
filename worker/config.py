"""Batch tunables (heartbeats, leases, retries), from HOTLINE_BATCH_* env over `hotline.defaults`.

They must agree between workers and the `hotline batch` follower (both judge a worker dead from
the same lease), so they come from the environment every process shares, not from flags.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from hotline import defaults
from hotline.errors import ConfigError

HEARTBEAT_S = defaults.BATCH_HEARTBEAT_S
LEASE_S = defaults.BATCH_LEASE_S
RECONCILE_S = defaults.BATCH_RECONCILE_S
SCHEDULER_S = defaults.BATCH_SCHEDULER_S
POLL_S = defaults.BATCH_POLL_S


@dataclass(frozen=True)
class BatchConfig:
    heartbeat_s: float = HEARTBEAT_S
    lease_s: float = LEASE_S
    reconcile_s: float = RECONCILE_S
    scheduler_s: float = SCHEDULER_S
    poll_s: float = POLL_S
    stuck_after_s: float = float(defaults.STUCK_AFTER_S)
    max_attempts: int = defaults.MAX_ATTEMPTS
    backoff_s: tuple[int, ...] = tuple(defaults.RETRY_BACKOFF_S)
    timeout_base_s: float = float(defaults.JOB_TIMEOUT_BASE_S)
    timeout_per_audio_s: float = defaults.JOB_TIMEOUT_PER_AUDIO_S
    embed_calls: bool = True     # index call vectors ("similar calls"); 0 = lexical index only

    def __post_init__(self) -> None:
        if self.lease_s <= 2 * self.heartbeat_s:
            raise ConfigError(
                f"HOTLINE_BATCH_LEASE_S ({self.lease_s}) must exceed twice the heartbeat "
                f"({self.heartbeat_s}), or live workers would look dead"
            )
        if self.max_attempts < 1:
            raise ConfigError(f"max_attempts must be >= 1, got {self.max_attempts}")

    def job_timeout(self, duration_s: float | None) -> int:
        """RQ job timeout scaled to the audio length (a 4 h call may take a while on CPU)."""
        return int(self.timeout_base_s + self.timeout_per_audio_s * (duration_s or 0.0))

    def backoff(self, attempt: int) -> int:
        """Seconds to wait before retry number `attempt` (1-based)."""
        return int(self.backoff_s[min(max(attempt, 1), len(self.backoff_s)) - 1]) if self.backoff_s else 0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> BatchConfig:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"HOTLINE_BATCH_{f.name.upper()}")
            if not raw:
                continue
            try:
                if f.name == "embed_calls":
                    values[f.name] = raw.strip().lower() not in ("0", "false", "no", "off")
                elif f.name == "backoff_s":
                    values[f.name] = tuple(int(x) for x in raw.split(",") if x.strip())
                elif f.name == "max_attempts":
                    values[f.name] = int(raw)
                else:
                    values[f.name] = float(raw)
            except ValueError as exc:
                raise ConfigError(f"HOTLINE_BATCH_{f.name.upper()}={raw!r} is not valid") from exc
        return cls(**values)  # type: ignore[arg-type]
