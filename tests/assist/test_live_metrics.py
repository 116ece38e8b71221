"""The live engine's suggestion latency and sessions, as /metrics reports them."""

from __future__ import annotations

import asyncio
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families


def _scrape(svc) -> dict[str, float]:
    from prometheus_client import CollectorRegistry, generate_latest

    from hotline.web.ops import HotlineCollector, StageTotals

    registry = CollectorRegistry(auto_describe=False)
    registry.register(HotlineCollector(svc, StageTotals()))
    text = generate_latest(registry).decode()
    return {s.name + str(sorted(s.labels.items())): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_suggestions_are_timed_and_sessions_counted(assistant, settings):
    from hotline.assist.live import LiveEngine
    from hotline.document import Turn
    from hotline.web.services import open_services

    engine = LiveEngine(assistant)            # text turns only: no transcriber needed
    svc = open_services(settings, engine)

    async def call() -> list[dict]:
        events = engine.open_listener("m-1", key=1)
        await engine.add_turn("m-1", Turn(speaker="S1", role="customer", start=0.0, end=2.0,
                                          text="I want to cancel my plan, it is too expensive"))
        await engine.add_turn("m-1", Turn(speaker="S1", role="customer", start=3.0, end=5.0,
                                          text="my phone has no signal at home"),
                              eou_wall=time.perf_counter())
        return [events.get_nowait() for _ in range(events.qsize())]

    try:
        sent = [e for e in asyncio.run(call()) if e["type"] == "suggestion"]
        got = _scrape(svc)
    finally:
        engine.close()
        svc.close()
    assert len(sent) == 2
    assert got["hotline_live_sessions[]"] == 1
    assert got["hotline_suggestion_latency_seconds_count[]"] == 2
    assert got["hotline_suggestion_latency_seconds_sum[]"] == pytest.approx(
        sum(e["latency_ms"] for e in sent) / 1000)
    assert got["hotline_suggestion_eou_seconds_count[]"] == 1
    # the histogram's buckets hold the observations
    assert got["hotline_suggestion_latency_seconds_bucket[('le', '+Inf')]"] == 2

