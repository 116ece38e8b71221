"""`hotline batch`, `hotline worker`, `hotline status` (heavy imports inside the commands)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("batch", help="process every recording under DIR (embedded, or via RQ with --redis)")
    b.add_argument("dir", metavar="DIR")
    b.add_argument("--redis", metavar="URL", default=None,
                   help="enqueue to RQ at URL and follow progress (default: $HOTLINE_REDIS_URL; "
                        "none = run in-process)")
    b.add_argument("--workers", type=int, default=1, metavar="N",
                   help="embedded mode: local processes, each with its own models (default 1)")
    b.add_argument("--queue", default=None, metavar="NAME", help="RQ queue (default: hotline)")
    b.add_argument("--no-follow", action="store_true", help="with --redis: enqueue and return")
    b.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    b.set_defaults(func=batch)

    w = sub.add_parser("worker", help="an RQ worker that keeps its models loaded across jobs")
    w.add_argument("--redis", metavar="URL", default=None, help="default: $HOTLINE_REDIS_URL")
    w.add_argument("--queue", nargs="+", default=None, metavar="NAME", help="queues (default: hotline)")
    w.add_argument("--device", choices=("cpu", "cuda", "auto"), default=None)
    w.add_argument("--name", default=None, help="worker name (default: host.pid)")
    w.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    w.add_argument("--max-jobs", type=int, default=None, metavar="N")
    w.set_defaults(func=worker)

    s = sub.add_parser("status", help="queued / running / done / failed counts and failures")
    s.add_argument("--redis", metavar="URL", default=None, help="also show the RQ queue and workers")
    s.add_argument("--queue", default=None, metavar="NAME")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=status)


def _settings(**overrides: Any) -> Any:
    from hotline.config import load_settings

    return load_settings(**overrides)


def _redis_url(flag: str | None) -> str:
    return flag if flag is not None else os.environ.get("HOTLINE_REDIS_URL", "")


def _logging() -> None:
    from hotline.logs import configure_logging

    configure_logging()


# --- batch ------------------------------------------------------------------------------------
def batch(args: argparse.Namespace) -> int:
    """Exit 0 when every recording is done, 1 when some failed (the table says why)."""
    from rich.console import Console

    from hotline.errors import ConfigError
    from hotline.worker.config import BatchConfig
    from hotline.worker.progress import print_summary
    from hotline.worker.recordings import discover

    _logging()
    if args.workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {args.workers}")
    settings = _settings(queue=args.queue)
    config = BatchConfig.from_env()
    console = Console(stderr=True)
    url = _redis_url(args.redis)
    conn = None
    if url:
        from hotline.worker.queue import connect

        conn = connect(url)  # fail fast, before hashing a day of audio
    recordings = discover(args.dir)
    console.print(f"{len(recordings)} recordings under {args.dir}")
    if conn is not None:
        summary = _batch_redis(conn, recordings, settings, config, console, args.no_follow)
        if summary is None:
            return 0
    else:
        from hotline.worker.embedded import run_embedded

        summary = run_embedded(recordings, settings, config, args.workers, console)
    print_summary(summary, console)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False))
    return 1 if summary.failed else 0


def _batch_redis(conn: Any, recordings: list, settings: Any, config: Any, console: Any,
                 no_follow: bool) -> Any:
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore
    from hotline.worker.progress import follow
    from hotline.worker.queue import make_queue, reconcile_once, submit

    store = ResultsStore(Database(settings.db_url))
    queue = make_queue(conn, settings.queue)
    outcome: dict[str, int] = {}
    for rec in recordings:
        what = submit(queue, store, rec, config)
        outcome[what] = outcome.get(what, 0) + 1
    console.print("queue " + settings.queue + ": "
                  + ", ".join(f"{n} {k}" for k, n in sorted(outcome.items())))
    if no_follow:
        return None

    def tick() -> str:
        reconcile_once(conn, queue, store, config, "batch")
        from rq import Worker

        n = len(Worker.all(queue=queue))
        return f"{n} worker{'s' if n != 1 else ''}" if n else "[yellow]no workers on this queue"

    return follow(store, recordings, tick=tick, poll_s=config.poll_s, console=console)


# --- worker -----------------------------------------------------------------------------------
def worker(args: argparse.Namespace) -> int:
    import socket

    from hotline.worker import jobs
    from hotline.worker.config import BatchConfig
    from hotline.worker.queue import connect, make_queue, safe_url, worker_class

    _logging()
    logging.getLogger("rq.worker").setLevel(logging.INFO)
    logging.getLogger("worker").setLevel(logging.INFO)
    settings = _settings(asr_device=args.device)
    config = BatchConfig.from_env()
    url = _redis_url(args.redis)
    conn = connect(url)
    names = args.queue or [settings.queue]
    name = args.name or f"{socket.gethostname()}.{os.getpid()}"
    cls = worker_class()
    rq_worker = cls([make_queue(conn, n) for n in names], connection=conn, name=name,
                    batch_config=config, db_url=settings.db_url,
                    maintenance_interval=max(int(config.reconcile_s), 1),
                    job_monitoring_interval=max(int(config.heartbeat_s), 1))
    jobs.configure(settings, worker_id=rq_worker.name, config=config)
    # Load the models now, in this process, before any job: with SimpleWorker nothing forks
    # afterwards, so CUDA is initialised once, here, and reused by every job.
    jobs.get_pipeline(settings)
    print(f"hotline worker {rq_worker.name}: queues {', '.join(names)} on {safe_url(url)}, "
          f"device {settings.asr_device}, store {settings.db_url.split('://', 1)[0]}",
          file=sys.stderr)
    rq_worker.work(burst=args.burst, max_jobs=args.max_jobs, logging_level="INFO")
    return 0


# --- status -----------------------------------------------------------------------------------
def status(args: argparse.Namespace) -> int:
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore

    settings = _settings(queue=args.queue)
    store = ResultsStore(Database(settings.db_url))
    counts = store.counts()
    report: dict[str, Any] = {
        "counts": {"queued": counts["pending"], "running": counts["processing"],
                   "done": counts["done"], "failed": counts["failed"]},
        "failures": [{k: f[k] for k in ("call_id", "source", "error")} for f in store.failures()],
        "throughput": store.throughput(),
    }
    url = _redis_url(args.redis)
    if url:
        report["queue"] = _queue_status(url, settings.queue)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print_status(report)
    return 0


def _queue_status(url: str, name: str) -> dict[str, Any]:
    from rq import Worker

    from hotline.worker.queue import connect, make_queue

    conn = connect(url)
    queue = make_queue(conn, name)
    workers = Worker.all(queue=queue)
    return {
        "name": name,
        "queued": queue.count,
        "started": queue.started_job_registry.count,
        "scheduled": queue.scheduled_job_registry.count,
        "failed": queue.failed_job_registry.count,
        "workers": [{"name": w.name, "state": str(w.get_state()),
                     "job": w.get_current_job_id()} for w in workers],
    }


def _print_status(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="hotline status")
    for key in report["counts"]:
        table.add_column(key, justify="right")
    table.add_row(*(str(v) for v in report["counts"].values()))
    console.print(table)
    tp = report["throughput"]
    console.print(f"throughput: {tp['done']} calls, {tp['audio_s'] / 3600:.2f} h audio, "
                  f"{tp['audio_hours_per_hour']:.2f} audio h per wall h")
    if "queue" in report:
        q = report["queue"]
        console.print(f"queue {q['name']}: {q['queued']} queued, {q['started']} started, "
                      f"{q['scheduled']} scheduled (retries), {len(q['workers'])} workers")
    if report["failures"]:
        failures = Table(title="failures")
        for col in ("call_id", "source", "error"):
            failures.add_column(col, overflow="fold")
        for f in report["failures"]:
            failures.add_row(f["call_id"], f["source"], f["error"])
        console.print(failures)
