"""The RQ worker of `hotline worker`: SimpleWorker (models stay loaded, no fork per job) plus a
keeper thread for heartbeats, the in-thread scheduler of retries and the reconciler."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from rq.scheduler import RQScheduler
from rq.worker import SimpleWorker, WorkerStatus

from hotline.settings import BatchSettings, load_settings
from hotline.store.db import Database
from hotline.store.results import ResultsStore
from hotline.worker.queue import reconcile_once, serializer

log = logging.getLogger(__name__)


class HotlineWorker(SimpleWorker):
    """SimpleWorker + keeper thread (heartbeats, in-thread scheduler, reconciler)."""

    def __init__(self, *args: Any, batch_config: BatchSettings | None = None,
                 db_url: str | None = None, **kwargs: Any):
        kwargs.setdefault("serializer", serializer())
        super().__init__(*args, **kwargs)
        self.batch_config = batch_config or load_settings().batch
        self.db_url = db_url
        self._active: tuple[Any, Any] | None = None
        self._active_lock = threading.Lock()
        self._keeper_stop = threading.Event()

    def get_heartbeat_ttl(self, job: Any, working_time: float = 0.0) -> int:
        """StartedJobRegistry TTL: next heartbeat + the lease (not RQ's fixed +60 s)."""
        cfg = self.batch_config
        step = cfg.heartbeat_s
        if job.timeout and job.timeout > 0:
            step = min(step, max(job.timeout - working_time, 1))
        return int(step + cfg.lease_s)

    def execute_job(self, job: Any, queue: Any) -> None:
        execution = self.prepare_execution(job)
        with self._active_lock:
            self._active = (job, execution)
        try:
            self.perform_job(job, queue, execution)
        finally:
            with self._active_lock:
                self._active = None
        self.set_state(WorkerStatus.IDLE)

    def work(self, *args: Any, **kwargs: Any) -> bool:
        kwargs["with_scheduler"] = False  # RQ's scheduler forks; ours runs in the keeper
        keeper = threading.Thread(target=self._keep, name="hotline-keeper", daemon=True)
        keeper.start()
        try:
            return super().work(*args, **kwargs)
        finally:
            self._keeper_stop.set()
            keeper.join(timeout=5)

    # -- keeper thread ------------------------------------------------------------------
    def _keep(self) -> None:
        cfg = self.batch_config
        store = ResultsStore(Database(self.db_url)) if self.db_url else None
        scheduler = self._scheduler()
        next_beat = next_sched = 0.0
        next_reconcile = time.time() + cfg.reconcile_s
        tick = min(cfg.heartbeat_s, cfg.scheduler_s, 1.0)
        while not self._keeper_stop.wait(tick):
            now = time.time()
            try:
                if now >= next_beat:
                    next_beat = now + cfg.heartbeat_s
                    self._beat(store)
                if now >= next_sched:
                    next_sched = now + cfg.scheduler_s
                    if self._scheduler_turn(cfg):
                        scheduler.enqueue_scheduled_jobs()
                if store is not None and now >= next_reconcile:
                    next_reconcile = now + cfg.reconcile_s
                    for queue in self.queues:
                        reconcile_once(self.connection, queue, store, cfg, self.name)
            except Exception as exc:  # a Redis/DB blip: log, keep beating
                log.warning("keeper: %s: %s", type(exc).__name__, exc)
        if self.connection.get(self._sched_key) == self.name.encode():
            self.connection.delete(self._sched_key)

    def _scheduler(self) -> RQScheduler:
        """RQ's scheduler, driven from the keeper thread (RQ's own would fork a process)."""
        scheduler = RQScheduler(self.queues, connection=self.connection,
                                serializer=self.serializer,
                                interval=int(self.batch_config.scheduler_s) or 1,
                                name=f"{self.name}.scheduler")
        scheduler.prepare_registries([q.name for q in self.queues])
        return scheduler

    @property
    def _sched_key(self) -> str:
        return "hotline:scheduler:" + ",".join(sorted(q.name for q in self.queues))

    def _scheduler_turn(self, cfg: BatchSettings) -> bool:
        """One scheduler per queue set, on a short lock (3 ticks): RQ's own lock lives
        61 s, which would stall retries for a minute after its holder is killed."""
        ttl = max(int(3 * cfg.scheduler_s), 2)
        if self.connection.set(self._sched_key, self.name, nx=True, ex=ttl):
            return True
        if self.connection.get(self._sched_key) == self.name.encode():
            self.connection.expire(self._sched_key, ttl)
            return True
        return False

    def _beat(self, store: Any) -> None:
        with self._active_lock:
            if self._active is None:
                return
            job, execution = self._active
            self.maintain_heartbeats(job, execution)
            if store is not None and job.args:
                store.heartbeat(str(job.args[0]), self.name)
