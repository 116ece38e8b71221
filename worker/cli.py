"""`hotline batch`, `hotline worker`, `hotline status` (heavy imports inside the commands)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

from hotline.errors import ConfigError
from hotline.settings import Settings, load_settings


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

    s = sub.add_parser("status", help="counts, failures, one row per worker (current job, last "
                       "heartbeat); warns when jobs wait and no worker is alive")
    s.add_argument("--redis", metavar="URL", default=None,
                   help="also show the RQ queue and its workers (default: $HOTLINE_REDIS_URL)")
    s.add_argument("--queue", default=None, metavar="NAME")
    s.add_argument("--json", action="store_true")
    s.add_argument("--watch", nargs="?", type=float, const=2.0, default=None, metavar="SECONDS",
                   help="refresh every SECONDS (default 2) until Ctrl-C")
    s.add_argument("--times", type=int, default=None, metavar="N",
                   help="with --watch: stop after N refreshes")
    s.set_defaults(func=status)

    r = sub.add_parser("requeue", help="send failed recordings through the pipeline again")
    r.add_argument("--failed", action="store_true", required=True,
                   help="every failed recording (after fixing the cause)")
    r.add_argument("--call", nargs="+", default=None, metavar="CALL_ID",
                   help="only these failed calls")
    r.add_argument("--redis", metavar="URL", default=None,
                   help="enqueue them at URL (default: $HOTLINE_REDIS_URL; none = the next "
                        "`hotline batch` picks them up)")
    r.add_argument("--queue", default=None, metavar="NAME")
    r.set_defaults(func=requeue)


def _settings(**overrides: Any) -> Settings:
    return load_settings(**overrides)


def _redis_url(flag: str | None) -> str:
    return flag if flag is not None else _settings().redis_url


def _logging() -> None:
    from hotline.logs import configure_logging

    try:
        configure_logging(_settings().log_level)
    except ConfigError:         # the command reports the broken configuration itself
        configure_logging()


# --- batch ------------------------------------------------------------------------------------
def batch(args: argparse.Namespace) -> int:
    """Exit 0 when every recording is done, 1 when some failed (the table says why)."""
    from rich.console import Console

    from hotline.errors import ConfigError
    from hotline.worker.progress import print_summary
    from hotline.worker.recordings import discover

    _logging()
    if args.workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {args.workers}")
    settings = _settings(queue=args.queue)
    config = settings.batch
    console = Console(stderr=True)
    url = _redis_url(args.redis)
    conn = None
    if url:
        from hotline.worker.queue import connect

        conn = connect(url)  # fail fast, before hashing a day of audio
    recordings = discover(args.dir)
    console.print(f"{len(recordings)} recordings under {args.dir}", markup=False)
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


def _batch_redis(conn: Any, recordings: list, settings: Settings, config: Any, console: Any,
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
    from hotline.worker.queue import connect, make_queue, safe_url
    from hotline.worker.rqworker import HotlineWorker

    _logging()
    logging.getLogger("rq.worker").setLevel(logging.INFO)
    logging.getLogger("worker").setLevel(logging.INFO)
    settings = _settings(asr_device=args.device)
    config = settings.batch
    url = _redis_url(args.redis)
    conn = connect(url)
    names = args.queue or [settings.queue]
    name = args.name or f"{socket.gethostname()}.{os.getpid()}"
    cls = HotlineWorker
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


# --- status ---------------------------------------------------------------------------------
def status(args: argparse.Namespace) -> int:
    import time

    from hotline.store.db import Database
    from hotline.store.results import ResultsStore
    from hotline.worker.status import collect

    settings = _settings(queue=args.queue)
    url = _redis_url(args.redis)
    conn = None
    if url:
        from hotline.worker.queue import connect

        conn = connect(url)             # fail fast, before touching the store
    store = ResultsStore(Database(settings.db_url))
    config = load_settings().batch
    shown = 0
    while True:
        report = collect(store, config, conn, settings.queue)
        if args.json:
            print(json.dumps(report.to_dict(), ensure_ascii=False), flush=True)
        else:
            _print_status(report, clear=args.watch is not None)
        shown += 1
        if args.watch is None or (args.times is not None and shown >= args.times):
            return 0
        time.sleep(max(args.watch, 0.1))


def _print_status(report: Any, clear: bool = False) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from hotline.worker.progress import failures_table

    console = Console()
    if clear:
        console.clear()
    table = Table(title="hotline status")
    for key in report.counts:
        table.add_column(key, justify="right")
    table.add_row(*(str(v) for v in report.counts.values()))
    console.print(table)
    tp = report.throughput
    console.print(f"throughput: {tp['done']} calls, {tp['audio_s'] / 3600:.2f} h audio, "
                  f"{tp['audio_hours_per_hour']:.2f} audio h per wall h")
    if report.queue:
        q = report.queue
        console.print(f"queue {q['name']}: {q['queued']} queued, {q['started']} started, "
                      f"{q['scheduled']} scheduled (retries), {q['failed']} failed in RQ")
    workers = Table(title="workers")
    for col in ("worker", "state", "current call", "source", "last heartbeat"):
        workers.add_column(col, overflow="fold")
    for w in report.workers:
        age = "never" if w.heartbeat_age_s is None else f"{w.heartbeat_age_s:.0f} s ago"
        workers.add_row(*(escape(x) for x in (w.name, w.state, w.call_id or "-",
                                              w.source or "-", age)))
    console.print(workers if report.workers else "workers: none")
    for warning in report.warnings:
        console.print(f"[bold yellow]warning:[/] {escape(warning)}")
    if report.failures:
        console.print(failures_table(report.failures,
                                     "failures (hotline requeue --failed to retry)"))


# --- requeue ----------------------------------------------------------------------------------
def requeue(args: argparse.Namespace) -> int:
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore
    from hotline.worker.status import requeue_failed

    settings = _settings(queue=args.queue)
    url = _redis_url(args.redis)
    queue = None
    if url:
        from hotline.worker.queue import connect, make_queue

        queue = make_queue(connect(url), settings.queue)
    store = ResultsStore(Database(settings.db_url))
    ids = requeue_failed(store, queue, load_settings().batch, args.call)
    where = f"enqueued on {settings.queue}" if queue is not None else (
        "pending: the next `hotline batch` over their folder runs them")
    print(f"requeued {len(ids)} failed recordings ({where})")
    for call_id in ids:
        print(f"  {call_id}")
    return 0
