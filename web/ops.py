"""Operator endpoints: `/healthz` (no auth: does the store answer?), `/metrics` (Prometheus
text format) and `/api/v1/status` (`hotline status --json` over HTTP).

/metrics is computed at scrape time from what every worker machine shares — job counts per
status and per-stage seconds summed by the results database — plus this server's own live
sessions and suggestion-latency histograms. It needs a credential and fails closed: the
bearer token `HOTLINE_METRICS_TOKEN` (what a Prometheus `authorization` block sends) or any
admin token; no token is 401, another role 403, both audited.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, Security
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.registry import Collector

from hotline import defaults
from hotline.assist.metrics import LiveMetrics
from hotline.errors import ConfigError
from hotline.store.results import ResultsStore
from hotline.web.deps import BEARER, Caller, ServicesDep, require
from hotline.web.services import Services
from hotline.web.versions import API_V1
from hotline.worker.queue import connect
from hotline.worker.status import StatusReport, collect

log = logging.getLogger("hotline.web")
router = APIRouter(tags=["ops"])


@router.get("/healthz", operation_id="healthz",
            responses={503: {"description": "the results store does not answer"}})
def healthz(svc: ServicesDep) -> JSONResponse:
    """200 {"status": "ok"} when the results store answers a query, else 503 (no auth)."""
    try:
        svc.db.execute("SELECT 1")
    except Exception as exc:           # any driver error means "not healthy", never a 500
        log.warning("healthz: store unavailable: %s", type(exc).__name__)
        return JSONResponse({"status": "unavailable", "store": type(exc).__name__},
                            status_code=503)
    return JSONResponse({"status": "ok", "store": "ok"})


@router.get("/metrics", operation_id="metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(request: Request, svc: ServicesDep,
            creds: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None
            ) -> Response:
    """Prometheus metrics (bearer HOTLINE_METRICS_TOKEN or an admin token)."""
    _check_scraper(creds.credentials if creds else "", svc)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HotlineCollector(svc, request.app.state.stage_totals))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


@router.get(f"{API_V1}/status", operation_id="get_status", response_model=StatusReport,
            responses={503: {"description": "HOTLINE_REDIS_URL is set and Redis does not answer"}})
def api_status(svc: ServicesDep, who: Caller) -> JSONResponse:
    """What `hotline status --json` prints, the same fields (admin, supervisor): counts,
    failures, throughput, one row per worker, warnings; `queue` and RQ's workers when the
    server has HOTLINE_REDIS_URL. Audited."""
    require(who, ("admin", "supervisor"), "the batch status", svc.auth)
    conn = None
    if svc.settings.redis_url:
        try:
            conn = connect(svc.settings.redis_url)
        except ConfigError as exc:
            raise HTTPException(503, str(exc)) from None
    try:
        report = collect(svc.store, svc.settings.batch, conn, svc.settings.queue)
    finally:
        if conn is not None:
            conn.close()
    svc.auth.audit(who, "status")
    return JSONResponse(report.to_dict())


def _check_scraper(token: str, svc: Services) -> None:
    """The metrics token or an admin token; otherwise 401/403 (audited)."""
    expected = svc.settings.metrics_token
    if token and expected and hmac.compare_digest(token.encode(), expected.encode()):
        return
    who = svc.auth.verify(token) if token else None
    if who is None:
        svc.auth.audit(None, "metrics", status="unauthorized",
                       detail="missing token" if not token else "invalid token")
        raise HTTPException(401, "metrics need 'Authorization: Bearer <HOTLINE_METRICS_TOKEN "
                                 "or an admin token>'", headers={"WWW-Authenticate": "Bearer"})
    if who.role != "admin":
        svc.auth.audit(who, "metrics", status="forbidden", detail="needs admin")
        raise HTTPException(403, "metrics need the metrics token or an admin token")


class StageTotals:
    """Per-stage (calls, seconds) over every done call, kept up to date incrementally: the
    first scrape reads every call's stored timings once (in batches), later ones only calls
    finished since, through the (status, updated_at) index. Calls are re-read for
    METRICS_OVERLAP_S before the newest seen, so a worker whose clock lags still counts;
    each (call, finish time) is counted once. A call processed again is counted again (its
    stage seconds were spent again), a purged one stays counted: summary semantics."""

    def __init__(self, overlap_s: float = defaults.METRICS_OVERLAP_S):
        self.overlap_s = overlap_s
        self.totals: dict[str, tuple[int, float]] = {}
        self.newest: float | None = None
        self._recent: set[tuple[str, float]] = set()
        self._lock = threading.Lock()

    def refresh(self, store: ResultsStore) -> dict[str, tuple[int, float]]:
        with self._lock:
            since = None if self.newest is None else self.newest - self.overlap_s
            for row in store.done_timings(since):
                key = (row["call_id"], row["updated_at"])
                if key in self._recent:
                    continue
                self._recent.add(key)
                self.newest = max(self.newest or row["updated_at"], row["updated_at"])
                for stage, seconds in row["timings"].items():
                    n, total = self.totals.get(stage, (0, 0.0))
                    self.totals[stage] = (n + 1, total + float(seconds))
            if self.newest is not None:
                cutoff = self.newest - self.overlap_s
                self._recent = {k for k in self._recent if k[1] >= cutoff}
            return dict(self.totals)


class HotlineCollector(Collector):
    """Reads the services at scrape time; stage seconds through `StageTotals`."""

    def __init__(self, svc: Services, stages: StageTotals):
        self.svc, self.stages = svc, stages

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily("hotline_jobs", "calls in the results store by job status "
                                 "(all workers, current pipeline version)", labels=["status"])
        for status, n in sorted(self.svc.store.counts().items()):
            jobs.add_metric([status], n)
        yield jobs
        stages = SummaryMetricFamily("hotline_stage_seconds", "pipeline stage seconds over "
                                     "every done call (from the stored timings)",
                                     labels=["stage"])
        for stage, (n, total) in sorted(self.stages.refresh(self.svc.store).items()):
            stages.add_metric([stage], count_value=n, sum_value=total)
        yield stages
        yield from self._live()

    def _live(self) -> Iterator[Metric]:
        engine = self.svc.engine                # None until the first live request loads it
        sessions = GaugeMetricFamily("hotline_live_sessions",
                                     "live calls with an open stream or listener here")
        sessions.add_metric([], len(engine.sessions) if engine is not None else 0)
        yield sessions
        streams = GaugeMetricFamily("hotline_live_streams",
                                    "open live streams (WebSocket connections) here")
        streams.add_metric([], sum(self.svc.live_streams.values()))
        yield streams
        measured = getattr(engine, "metrics", None) or LiveMetrics()
        yield from measured.collect()
