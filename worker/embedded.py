"""`hotline batch DIR` without Redis: N local processes run the same job code on one box.

Processes are started with the `spawn` method (never fork a parent that may hold torch/CUDA
state); each loads the pipeline once and takes (call_id, path) pairs from a local queue. The
store stays the source of truth, exactly as with RQ: a child claims the row, keeps its lease
alive with a heartbeat thread, retries transient failures itself with backoff, and the parent
re-queues the recording of a child that died and starts a replacement.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue as queue_mod
import socket
import threading
import time
from typing import Any

from hotline.errors import HotlineError
from hotline.settings import BatchSettings, Settings
from hotline.worker.progress import BatchSummary, follow
from hotline.worker.recordings import Recording

log = logging.getLogger(__name__)


def run_embedded(recordings: list[Recording], settings: Settings, config: BatchSettings,
                 workers: int, console: Any = None) -> BatchSummary:
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore

    db = Database(settings.db_url)
    store = ResultsStore(db)
    todo = []
    for rec in recordings:
        if store.register(rec.call_id, rec.path, duration=rec.duration).status not in ("done", "failed"):
            todo.append(rec)
    pool = _Pool(settings, config, max(1, min(workers, len(todo) or 1)), store)
    try:
        if todo:
            pool.start([(r.call_id, r.path) for r in todo])
        return follow(store, recordings, tick=pool.tick, poll_s=config.poll_s, console=console,
                      alive=pool.alive)
    finally:
        pool.stop()
        db.close()


class _Pool:
    """The parent's view of its children: who works on what, who died, what to hand out again."""

    def __init__(self, settings: Settings, config: BatchSettings, size: int, store: Any):
        self.settings, self.config, self.size, self.store = settings, config, size, store
        self.ctx = mp.get_context("spawn")
        self.tasks = self.ctx.Queue()
        self.events = self.ctx.Queue()
        self.procs: list[Any] = []
        self.in_flight: dict[int, str] = {}
        self.paths: dict[str, str] = {}
        self.deferred: list[tuple[float, str]] = []
        self.restarts_left = 2 * size
        self.gave_up = False

    def start(self, items: list[tuple[str, str]]) -> None:
        for call_id, path in items:
            self.paths[call_id] = path
            self.tasks.put((call_id, path))
        for _ in range(self.size):
            self._spawn()

    def _spawn(self) -> None:
        proc = self.ctx.Process(target=serve, args=(self.settings, self.config, self.tasks,
                                                    self.events), daemon=True)
        proc.start()
        self.procs.append(proc)

    def tick(self) -> str:
        self._drain_events()
        for proc in list(self.procs):
            if proc.exitcode is None or proc.exitcode == 0:
                continue
            self.procs.remove(proc)
            lost = self.in_flight.pop(proc.pid, None)
            log.warning("batch process %s died (exit %s)%s", proc.pid, proc.exitcode,
                        f" while processing {lost}; re-queued" if lost else "")
            if lost:
                self._redeliver(lost, force=True)
            if self.restarts_left > 0:
                self.restarts_left -= 1
                self._spawn()
            elif not self.procs:
                self.gave_up = True
        now = time.time()
        for due, call_id in [d for d in self.deferred if d[0] <= now]:
            self.deferred.remove((due, call_id))
            self._redeliver(call_id)
        alive = sum(1 for p in self.procs if p.exitcode is None)
        return f"{alive} process{'es' if alive != 1 else ''}"

    def _drain_events(self) -> None:
        while True:
            try:
                kind, pid, call_id, state = self.events.get_nowait()
            except queue_mod.Empty:
                return
            if kind == "start":
                self.in_flight[pid] = call_id
            else:
                self.in_flight.pop(pid, None)
                if state == "busy":  # another holder's lease; look again when it would expire
                    self.deferred.append((time.time() + self.config.lease_s, call_id))

    def _redeliver(self, call_id: str, force: bool = False) -> None:
        """Hand a recording out again. `force`: its child died, so take it back now; else
        the claim decides (it steals a processing row only once its lease ran out)."""
        row = self.store.get(call_id)
        if row is None or row.status in ("done", "failed"):
            return
        if force:
            self.store.requeue(call_id)
        self.tasks.put((call_id, self.paths[call_id]))

    def alive(self) -> bool:
        if self.gave_up:
            raise HotlineError("every batch process died (restarts exhausted); see the log above")
        return True

    def stop(self) -> None:
        for _ in self.procs:
            self.tasks.put(None)
        deadline = time.time() + 10
        for proc in self.procs:
            proc.join(timeout=max(deadline - time.time(), 0.1))
            if proc.exitcode is None:
                proc.terminate()
                proc.join(timeout=5)


def serve(settings: Settings, config: BatchSettings, tasks: Any, events: Any) -> None:
    """Child process: load the pipeline once, then process until the sentinel (None)."""
    from hotline.logs import configure_logging
    from hotline.worker import jobs

    configure_logging(settings.log_level)
    pid = os.getpid()
    ctx = jobs.configure(settings, worker_id=f"local.{socket.gethostname()}.{pid}", config=config)
    jobs.get_pipeline(settings)
    current: dict[str, str | None] = {"call_id": None}
    stop = threading.Event()
    threading.Thread(target=_heartbeat, args=(ctx, current, stop), daemon=True).start()
    try:
        while True:
            item = tasks.get()
            if item is None:
                return
            call_id, path = item
            events.put(("start", pid, call_id, ""))
            current["call_id"] = call_id
            outcome = jobs.run_recording(ctx, call_id, path)
            while outcome["status"] == "retry":
                time.sleep(config.backoff(int(outcome["attempt"])))
                outcome = jobs.run_recording(ctx, call_id, path)
            current["call_id"] = None
            busy = outcome["status"] == "skipped" and outcome.get("state") in ("processing", "pending")
            events.put(("end", pid, call_id, "busy" if busy else outcome["status"]))
    finally:
        stop.set()


def _heartbeat(ctx: Any, current: dict[str, str | None], stop: threading.Event) -> None:
    """Renew the lease on the row being processed (the job itself may run for minutes)."""
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore

    store = ResultsStore(Database(ctx.settings.db_url))
    while not stop.wait(ctx.config.heartbeat_s):
        call_id = current["call_id"]
        if call_id:
            try:
                store.heartbeat(call_id, ctx.worker_id)
            except Exception as exc:  # a locked SQLite or a PG blip: the next beat retries
                log.warning("heartbeat for %s failed: %s", call_id, exc)
