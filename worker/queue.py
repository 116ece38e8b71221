"""RQ plumbing: connection, the worker class, enqueueing and the store-vs-queue reconciler.

Worker class: `HotlineWorker`, an `rq.SimpleWorker`. The default `rq.Worker` forks a work
horse per job, so every job would start from a process without the models (reload per job), and
forking a process that has initialised CUDA is unsafe. SimpleWorker runs jobs in the worker
process itself: the pipeline is loaded once and stays hot, and no fork ever follows a CUDA init.
What the forking worker gets from its monitor loop (heartbeats every `job_monitoring_interval`
while the horse works) SimpleWorker lacks, so a keeper thread provides it: heartbeats to RQ's
StartedJobRegistry/execution entries and to the store row's lease while a job runs, RQ's own
scheduler code (due retries -> queue) in-thread instead of RQ's forked scheduler process, and
the periodic reconciler. Payloads are JSON (`rq.serializers.JSONSerializer`): two strings, the
content hash and the path — never pickle, audio or transcripts.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from hotline.errors import ConfigError
from hotline.settings import BatchSettings

log = logging.getLogger(__name__)

JOB_FUNC = "hotline.worker.jobs.process_recording"
ACTIVE_STATES = {"queued", "scheduled", "deferred", "started", "created", "rate_limited"}
RESULT_TTL_S = 7 * 86400        # outcomes are tiny (a dict); keep a week for `rq info`
FAILURE_TTL_S = 30 * 86400


def serializer() -> Any:
    from rq.serializers import JSONSerializer

    return JSONSerializer


def connect(url: str) -> Any:
    """A Redis connection (redis://, rediss:// for TLS, passwords in the URL), checked now.

    An unreachable or refusing Redis is a ConfigError: one line, no traceback, exit 2.
    """
    import redis

    if not url:
        raise ConfigError("no Redis URL: pass --redis URL or set HOTLINE_REDIS_URL")
    try:
        probe = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        probe.ping()
        probe.close()
    except (redis.exceptions.RedisError, ValueError, OSError) as exc:
        raise ConfigError(f"cannot reach Redis at {safe_url(url)}: {exc}") from None
    # No socket timeout on the long-lived connection: RQ's BLPOP blocks for minutes, and a
    # redis TimeoutError makes an RQ worker quit. Keepalive + health checks catch dead peers.
    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_keepalive=True,
                                health_check_interval=30)


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user + ':' if user else ':'}***@{host}"


def make_queue(conn: Any, name: str) -> Any:
    from rq import Queue

    return Queue(name, connection=conn, serializer=serializer())


# --- enqueueing -------------------------------------------------------------------------------
def job_state(conn: Any, job_id: str | None) -> str | None:
    """RQ's status of a job, or None when Redis does not know it (expired, flushed, lost)."""
    if not job_id:
        return None
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        return str(Job.fetch(job_id, connection=conn, serializer=serializer()).get_status().value)
    except (NoSuchJobError, Exception):  # a half-written job hash reads as unknown too
        return None


def job_states(conn: Any, job_ids: list[str | None]) -> dict[str, str | None]:
    """Bulk `job_state` (one pipelined round trip per 500 jobs), for the reconciler."""
    from rq.job import Job

    ids = [j for j in job_ids if j]
    states: dict[str, str | None] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for job_id, job in zip(chunk, Job.fetch_many(chunk, connection=conn,
                                                       serializer=serializer()), strict=True):
            try:
                states[job_id] = str(job.get_status(refresh=False).value) if job else None
            except Exception:  # a half-written job hash reads as unknown
                states[job_id] = None
    return states


def enqueue(queue: Any, store: Any, call_id: str, path: str, duration: float | None,
            config: BatchSettings) -> str:
    """Enqueue one recording as a JSON job; retries with backoff; timeout scaled to duration."""
    from rq import Retry

    retry = None
    if config.max_attempts > 1:
        intervals = [config.backoff(i) for i in range(1, config.max_attempts)]
        retry = Retry(max=config.max_attempts - 1, interval=intervals)
    job = queue.enqueue(
        JOB_FUNC, call_id, path,
        job_id=f"hotline-{call_id}-{uuid.uuid4().hex[:8]}",
        job_timeout=config.job_timeout(duration),
        retry=retry, result_ttl=RESULT_TTL_S, failure_ttl=FAILURE_TTL_S,
        description=f"hotline {call_id}",
    )
    store.set_job_id(call_id, job.id)
    return job.id


def submit(queue: Any, store: Any, rec: Any, config: BatchSettings) -> str:
    """Register a recording's row and enqueue it unless done, failed or already queued.

    Returns what happened: enqueued | queued (a live job carries it) | done | failed.
    """
    from hotline.worker.recordings import timeout_duration

    row = store.register(rec.call_id, rec.path, duration=rec.duration)
    if row.status in ("done", "failed"):
        return row.status
    if job_state(queue.connection, row.job_id) in ACTIVE_STATES:
        return "queued"
    enqueue(queue, store, rec.call_id, rec.path, timeout_duration(rec), config)
    return "enqueued"


# --- reconciler -------------------------------------------------------------------------------
@dataclass
class ReconcileReport:
    requeued: int = 0
    failed: int = 0
    waiting: int = 0


def reconcile(queue: Any, store: Any, config: BatchSettings) -> ReconcileReport:
    """Make Redis agree with the store (the source of truth).

    1. RQ's abandoned-job handling: StartedJobRegistry.cleanup() retries (or fails) jobs whose
       worker stopped heart-beating.
    2. Rows pending/processing that no live job carries — their job expired, failed, was lost
       with a Redis that dropped its last writes, or their worker died (lease over) and RQ gave
       up on it — are re-enqueued; a dead worker's attempt counts, and the last one ends failed.
    """
    from rq.registry import StartedJobRegistry

    StartedJobRegistry(queue=queue).cleanup()
    report = ReconcileReport()
    now = time.time()
    stuck = store.stuck(older_than_s=config.lease_s)
    states = job_states(queue.connection, [row.job_id for row in stuck])
    for row in stuck:
        state = states.get(row.job_id) if row.job_id else None
        overdue = now - row.updated_at > config.stuck_after_s
        if state in ACTIVE_STATES and not (overdue and state == "started"):
            report.waiting += 1
            continue
        if row.status == "processing":
            reason = (f"abandoned: worker {row.worker_id} stopped heart-beating "
                      f"(no lease renewal for {int(now - row.updated_at)} s)")
            if store.mark_failed(row.call_id, reason, permanent=False,
                                 max_attempts=config.max_attempts) != "pending":
                report.failed += 1
                continue
        store.requeue(row.call_id)
        enqueue(queue, store, row.call_id, row.source, row.duration, config)
        report.requeued += 1
        log.warning("reconciler re-enqueued call %s (was %s, job %s)", row.call_id,
                    row.status, state or "unknown to Redis")
    return report


def reconcile_once(conn: Any, queue: Any, store: Any, config: BatchSettings, owner: str) -> bool:
    """Run the reconciler unless another process ran it within `reconcile_s` (Redis lock)."""
    key = f"hotline:reconcile:{queue.name}"
    if not conn.set(key, owner, nx=True, ex=max(int(config.reconcile_s), 1)):
        return False
    report = reconcile(queue, store, config)
    if report.requeued or report.failed:
        log.info("reconciled: %s", report)
    return True
