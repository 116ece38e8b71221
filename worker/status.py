"""What an operator asks of a running batch: counts, failures, one row per worker (its current
job and last heartbeat), and a warning when work waits with no live worker to do it.

The store is the source of truth for the counts; worker rows come from RQ's worker registry
when a Redis URL is given, and from the store's heart-beating `processing` rows otherwise (the
embedded mode), so `hotline status` answers in both.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from hotline.settings import BatchSettings


@dataclass
class WorkerRow:
    name: str
    state: str                      # busy | idle | dead (no heartbeat within its lease/TTL)
    call_id: str | None             # the call it works on now
    source: str | None
    heartbeat_age_s: float | None   # seconds since its last heartbeat
    queues: list[str] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.state != "dead"


@dataclass
class StatusReport:
    counts: dict[str, int]
    failures: list[dict[str, Any]]
    throughput: dict[str, float]
    workers: list[WorkerRow]
    queue: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data["queue"] is None:
            del data["queue"]
        return data


def collect(store: Any, config: BatchSettings, conn: Any = None,
            queue_name: str = "hotline") -> StatusReport:
    counts = store.counts()
    report = StatusReport(
        counts={"queued": counts.get("pending", 0), "running": counts.get("processing", 0),
                "done": counts.get("done", 0), "failed": counts.get("failed", 0)},
        failures=[{k: f[k] for k in ("call_id", "source", "error")} for f in store.failures()],
        throughput=store.throughput(), workers=store_workers(store, config))
    if conn is not None:
        report.queue, report.workers = rq_status(conn, queue_name, store)
    report.warnings = warnings(report)
    return report


def store_workers(store: Any, config: BatchSettings) -> list[WorkerRow]:
    """Workers as the store sees them: whoever holds a processing row, by its heartbeat."""
    now, rows = time.time(), {}
    for row in store.rows("processing"):
        age = round(now - row.updated_at, 1)
        name = row.worker_id or "unknown"
        if name not in rows or age < (rows[name].heartbeat_age_s or 0):
            rows[name] = WorkerRow(name, "busy" if age <= config.lease_s else "dead",
                                   row.call_id, row.source, age)
    return sorted(rows.values(), key=lambda w: w.name)


def rq_status(conn: Any, name: str, store: Any) -> tuple[dict[str, Any], list[WorkerRow]]:
    from rq import Worker

    from hotline.worker.queue import make_queue

    queue = make_queue(conn, name)
    by_job = {r.job_id: r for r in store.rows("processing") if r.job_id}
    now = dt.datetime.now(dt.timezone.utc)
    workers = []
    for w in Worker.all(queue=queue):
        job_id = w.get_current_job_id()
        beat = w.last_heartbeat
        age = None if beat is None else round(
            (now - beat.replace(tzinfo=dt.timezone.utc)).total_seconds(), 1)
        row = by_job.get(job_id)
        dead = age is None or age > max(float(getattr(w, "worker_ttl", 420) or 420), 1.0)
        workers.append(WorkerRow(
            w.name, "dead" if dead else ("busy" if job_id else "idle"),
            row.call_id if row else _call_of(job_id), row.source if row else None, age,
            [q.name for q in w.queues]))
    info = {"name": name, "queued": queue.count, "started": queue.started_job_registry.count,
            "scheduled": queue.scheduled_job_registry.count,
            "failed": queue.failed_job_registry.count}
    return info, sorted(workers, key=lambda w: w.name)


def _call_of(job_id: str | None) -> str | None:
    """hotline job ids are `hotline-<call_id>-<nonce>`."""
    parts = (job_id or "").split("-")
    return parts[1] if len(parts) == 3 and parts[0] == "hotline" else None


def warnings(report: StatusReport) -> list[str]:
    """What needs a person: work waiting with nobody to do it, workers gone silent."""
    waiting = max(report.counts["queued"], (report.queue or {}).get("queued", 0))
    out = []
    if waiting and not any(w.alive for w in report.workers):
        hint = (f"start one with `hotline worker --redis URL --queue {report.queue['name']}`"
                if report.queue else "run `hotline batch DIR`, or workers with --redis")
        out.append(f"{waiting} recordings wait and no worker is alive: {hint}")
    dead = [w.name for w in report.workers if not w.alive]
    if dead:
        out.append(f"no heartbeat from {', '.join(dead)}: the reconciler re-enqueues their calls")
    return out


def requeue_failed(store: Any, queue: Any, config: BatchSettings,
                   call_ids: list[str] | None = None) -> list[str]:
    """Failed calls back to pending (fresh attempts) and, with a queue, enqueued again."""
    from hotline.worker.queue import enqueue

    rows = store.reset_failed(call_ids)
    if queue is not None:
        for row in rows:
            enqueue(queue, store, row.call_id, row.source, row.duration, config)
    return [r.call_id for r in rows]
