"""The job: one recording through the pipeline into the store and the search index.

The same `run_recording` runs under RQ (`process_recording`, the queued function) and in the
embedded `hotline batch` processes. Models live in a per-process cache (`get_pipeline`), so
a worker loads them once and reuses them for every job; `LOADS` counts the loads (the bench
checks it stays 1 per process).

Failure policy: permanent errors (RecordingRejected and other HotlineErrors marked permanent,
plus unexpected exceptions — a bug that fails on this input fails again) end the row `failed`
with the reason at once; transient ones (TransientError, MemoryError, lost connections, a job
timeout) put the row back to `pending` until `max_attempts`, and the queue retries with backoff.
Error text is redacted before it is stored or logged.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from hotline.embed import Embedder
from hotline.errors import HotlineError, TransientError
from hotline.privacy.redact import redact_text
from hotline.search.index import SearchIndex
from hotline.settings import BatchSettings, Settings, load_settings

log = logging.getLogger(__name__)

# Default factory: `Pipeline.load(settings)`. HOTLINE_PIPELINE_FACTORY=module:callable swaps it
# (the queue-overhead bench uses a trivial one).
DEFAULT_FACTORY = "hotline.pipeline:Pipeline.load"

_PIPELINES: dict[Any, Any] = {}
_CONTEXT: JobContext | None = None
LOADS = 0


@dataclass
class JobContext:
    """What a worker process shares between jobs: settings, store, search index, identity."""

    settings: Settings
    config: BatchSettings
    worker_id: str
    db: Any = None
    store: Any = None
    index: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def open(self) -> JobContext:
        from hotline.store.db import Database
        from hotline.store.results import ResultsStore

        if self.store is None:
            self.db = Database(self.settings.db_url)
            self.store = ResultsStore(self.db)
        return self


def configure(settings: Settings | None = None, worker_id: str | None = None,
              config: BatchSettings | None = None) -> JobContext:
    """Set this process's job context (the worker command calls it before taking jobs)."""
    global _CONTEXT
    settings = settings or load_settings()
    _CONTEXT = JobContext(
        settings=settings,
        config=config or settings.batch,
        worker_id=worker_id or f"{socket.gethostname()}.{os.getpid()}",
    ).open()
    return _CONTEXT


def context() -> JobContext:
    return _CONTEXT if _CONTEXT is not None else configure()


def get_pipeline(settings: Settings) -> Any:
    """The process's pipeline for these settings, loaded on first use and kept."""
    global LOADS
    factory_path = settings.pipeline_factory or DEFAULT_FACTORY
    key = (factory_path, settings)
    pipeline = _PIPELINES.get(key)
    if pipeline is None:
        started = time.perf_counter()
        pipeline = _import(factory_path)(settings)
        LOADS += 1
        _PIPELINES[key] = pipeline
        log.info("pipeline loaded in %.1f s (load #%d in pid %d)",
                 time.perf_counter() - started, LOADS, os.getpid())
    return pipeline


def _import(path: str) -> Any:
    module, _, attr = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


# --- the RQ entry point (JSON payload: two strings) ----------------------------------------------
def process_recording(call_id: str, path: str) -> dict[str, Any]:
    """RQ job function. Raises TransientError to make RQ retry (with backoff); else returns."""
    ctx = context()
    outcome = run_recording(ctx, call_id, path)
    if outcome["status"] == "retry":
        raise TransientError(outcome["error"]) from None
    return outcome


def run_recording(ctx: JobContext, call_id: str, path: str) -> dict[str, Any]:
    """Claim, process, store, index one recording; returns a small JSON-able outcome.

    status: done | failed | retry (transient, attempts left) | skipped (done already, or
    another live worker holds it).
    """
    cfg = ctx.config
    attempt = ctx.store.claim(call_id, ctx.worker_id, lease_s=cfg.lease_s,
                              max_attempts=cfg.max_attempts)
    if attempt is None:
        row = ctx.store.get(call_id)
        if row is None:
            log.warning("call %s is not in this worker's store (%s): do the worker and "
                        "`hotline batch` share HOTLINE_DB_URL?", call_id,
                        ctx.settings.db_url.split("://", 1)[0])
        return {"call_id": call_id, "status": "skipped", "state": row.status if row else "unknown",
                "loads": LOADS}
    started = time.perf_counter()
    try:
        pipeline = get_pipeline(ctx.settings)
        doc = pipeline.process(path)
        _align_key(doc, call_id, ctx.store.pipeline_version)
        timings = {**(doc.timings or {}), "job_total": round(time.perf_counter() - started, 4),
                   "attempt": float(attempt)}
        ctx.store.mark_done(doc, worker_id=ctx.worker_id, timings=timings)
    except Exception as exc:  # classified below: permanent -> failed, transient -> retry
        return _failed(ctx, call_id, exc, attempt)
    indexed = _index(ctx, doc)
    return {"call_id": call_id, "status": "done", "attempt": attempt, "duration": doc.duration,
            "seconds": round(time.perf_counter() - started, 3), "indexed": indexed, "loads": LOADS}


def _failed(ctx: JobContext, call_id: str, exc: BaseException, attempt: int) -> dict[str, Any]:
    permanent = is_permanent(exc)
    reason = describe(exc)
    status = ctx.store.mark_failed(call_id, reason, permanent=permanent,
                                   max_attempts=ctx.config.max_attempts)
    log.warning("call %s attempt %d %s: %s", call_id, attempt,
                "failed" if status == "failed" else "will be retried", reason)
    return {"call_id": call_id, "status": "retry" if status == "pending" else status,
            "attempt": attempt, "error": reason, "permanent": permanent, "loads": LOADS}


def _align_key(doc: Any, call_id: str, pipeline_version: str) -> None:
    """The row key is (content hash, pipeline version); a document must land on that row."""
    if doc.call_id != call_id:
        log.warning("pipeline call_id %s differs from the batch's %s; using the batch's",
                    doc.call_id, call_id)
        doc.call_id = call_id
    if doc.pipeline_version != pipeline_version:
        log.warning("pipeline version %s differs from the store's %s; using the store's",
                    doc.pipeline_version, pipeline_version)
        doc.pipeline_version = pipeline_version


def _embedder(settings: Settings) -> Any:
    """The process's one MiniLM embedder: the pipeline's (rules and intents use it too), so a
    worker never holds two copies; None (lexical index only) when it cannot be had."""
    try:
        models = getattr(get_pipeline(settings), "models", None)
        return getattr(models, "embedder", None) or Embedder.from_settings(settings, threads=None)
    except Exception as exc:  # lexical search still works without vectors
        log.warning("call embedder unavailable, indexing without vectors: %s", describe(exc))
        return None


def _index(ctx: JobContext, doc: Any) -> bool:
    """Add the call to the search index; a failure is logged (the store is the truth)."""
    if ctx.index is None:
        try:
            if "embedder" not in ctx.extra:
                ctx.extra["embedder"] = _embedder(ctx.settings) if ctx.config.embed_calls else None
            ctx.index = SearchIndex(ctx.db, embedder=ctx.extra["embedder"])
        except Exception as exc:  # e.g. a schema race or a DB blip: try again next call
            log.error("opening the search index failed (retried next call): %s", describe(exc))
            return False
    try:
        ctx.index.index_call(doc)
        return True
    except Exception as exc:  # the store is the truth; the index can be rebuilt from it
        log.error("indexing call %s failed: %s", doc.call_id, describe(exc))
        return False


# --- classification ---------------------------------------------------------------------------
def is_permanent(exc: BaseException) -> bool:
    """Would retrying ever help? No for bad recordings and bugs; yes for blips and OOM."""
    if isinstance(exc, HotlineError):
        return bool(exc.permanent)
    if isinstance(exc, (MemoryError, ConnectionError, TimeoutError)):
        return False
    return not _is_transient_library_error(exc)


def _is_transient_library_error(exc: BaseException) -> bool:
    names = {f"{c.__module__}.{c.__name__}" for c in type(exc).__mro__}
    transient = {
        "rq.timeouts.JobTimeoutException",
        "redis.exceptions.ConnectionError",
        "redis.exceptions.TimeoutError",
        "psycopg.OperationalError",
        "sqlite3.OperationalError",       # "database is locked" under heavy write contention
        "torch.OutOfMemoryError",
        "torch.cuda.OutOfMemoryError",
    }
    return bool(names & transient)


def describe(exc: BaseException) -> str:
    """One redacted line for the store, logs and `hotline status`."""
    kind = getattr(exc, "reason", None) or type(exc).__name__
    if isinstance(exc, OSError) and exc.errno is not None and exc.strerror:
        # the errno and the system's message hold no PII: only the file names go through the
        # redactor, so a reason never reads "[Errno [PHONE]]"
        names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
        text = f"{kind}: [Errno {exc.errno}] {exc.strerror}" + "".join(
            f": {redact_text(' '.join(n.split()))}" for n in names)
        return text[:1000]
    text = f"{kind}: {exc}" if str(exc) else str(kind)
    return redact_text(" ".join(text.split()))[:1000]

