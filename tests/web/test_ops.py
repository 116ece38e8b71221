"""/healthz and /metrics over a real store (SQLite here, PostgreSQL below): job counts and
stage seconds from the results store, the scrape credential failing closed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.support.apistore import build_api_store

PROBLEM = "application/problem+json"


def _client(db_url: str, root, **settings) -> TestClient:
    from hotline.settings import Settings
    from hotline.web.app import create_app

    return TestClient(create_app(Settings(db_url=db_url, data_dir=str(root), **settings)),
                      raise_server_exceptions=False)


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def _check_metrics(client: TestClient, api, token: str) -> None:
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore

    r = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    got = _samples(r.text)
    assert got[("hotline_jobs", (("status", "done"),))] == len(api.docs)
    assert got[("hotline_jobs", (("status", "failed"),))] == 0
    for stage in ("asr", "diarization"):
        assert got[("hotline_stage_seconds_count", (("stage", stage),))] == len(api.docs)
        assert got[("hotline_stage_seconds_sum", (("stage", stage),))] == pytest.approx(
            sum(d.timings[stage] for d in api.docs))
    assert got[("hotline_live_sessions", ())] == 0
    assert got[("hotline_suggestion_latency_seconds_count", ())] == 0
    # a job failing on another machine shows at the next scrape
    db = Database(api.db_url)
    store = ResultsStore(db)
    store.register("failing-call", "/nowhere/failing.wav")
    store.mark_failed("failing-call", "could not decode", permanent=True)
    db.close()
    again = _samples(client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text)
    assert again[("hotline_jobs", (("status", "failed"),))] == 1


def test_healthz_and_metrics_on_sqlite(tmp_path, make_document):
    api = build_api_store(f"sqlite:///{tmp_path / 'hotline.db'}", make_document)
    with _client(api.db_url, tmp_path, metrics_token="scrape-me") as client:
        assert client.get("/healthz").json() == {"status": "ok", "store": "ok"}
        _check_metrics(client, api, "scrape-me")
        client.app.state.services.db.close()            # the store stops answering
        r = client.get("/healthz")
        assert r.status_code == 503 and r.json()["status"] == "unavailable"


def test_metrics_need_the_scrape_token_or_admin(tmp_path, make_document):
    from hotline.store.db import Database
    from hotline.web.auth import AuthStore

    api = build_api_store(f"sqlite:///{tmp_path / 'hotline.db'}", make_document, n=2)
    with _client(api.db_url, tmp_path) as client:       # no HOTLINE_METRICS_TOKEN set
        for headers, status in (({}, 401), ({"Authorization": "Bearer "}, 401),
                                ({"Authorization": "Bearer scrape-me"}, 401),
                                (api.headers("qa"), 403), (api.headers("supervisor"), 403)):
            r = client.get("/metrics", headers=headers)
            assert r.status_code == status and r.headers["content-type"] == PROBLEM, headers
        assert client.get("/metrics", headers=api.headers("admin")).status_code == 200
    with _client(api.db_url, tmp_path, metrics_token="scrape-me") as client:
        ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert ok.status_code == 200
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-m"}).status_code \
            == 401
    db = Database(api.db_url)
    refused = AuthStore(db).audit_rows(action="metrics")
    db.close()
    assert {r["status"] for r in refused} == {"unauthorized", "forbidden"}


@pytest.mark.postgres
def test_healthz_and_metrics_on_postgres(pg_url, tmp_path, make_document):
    api = build_api_store(pg_url, make_document)
    with _client(pg_url, tmp_path, metrics_token="scrape-me") as client:
        assert client.get("/healthz").status_code == 200
        _check_metrics(client, api, "scrape-me")
        listing = client.get("/api/v1/calls", params={"limit": 2},
                             headers=api.headers("qa")).json()
        assert listing["total"] == len(api.docs) and listing["next_offset"] == 2


def test_status_api_answers_what_the_cli_prints(tmp_path, make_document, capsys, monkeypatch):
    import argparse
    import json

    from hotline.store.db import Database
    from hotline.store.results import ResultsStore
    from hotline.worker import cli

    api = build_api_store(f"sqlite:///{tmp_path / 'hotline.db'}", make_document, n=3)
    db = Database(api.db_url)
    store = ResultsStore(db)
    store.register("broken", str(tmp_path / "broken.wav"))
    store.mark_failed("broken", "could not decode: invalid data", permanent=True)
    store.register("waiting", str(tmp_path / "waiting.wav"))
    db.close()
    monkeypatch.setenv("HOTLINE_DB_URL", api.db_url)
    monkeypatch.delenv("HOTLINE_REDIS_URL", raising=False)
    parser = argparse.ArgumentParser(prog="hotline")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["status", "--json"])
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    with _client(api.db_url, tmp_path) as client:
        served = client.get("/api/v1/status", headers=api.headers("supervisor"))
        assert served.status_code == 200
        assert served.json() == printed
        assert printed["counts"] == {"queued": 1, "running": 0, "done": 3, "failed": 1}
        assert printed["failures"][0]["call_id"] == "broken" and printed["warnings"]
        r = client.get("/api/v1/status", headers=api.headers("qa"))
        assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    # a server configured with a Redis that does not answer says so (503), it does not guess
    with _client(api.db_url, tmp_path, redis_url="redis://127.0.0.1:1/0") as client:
        r = client.get("/api/v1/status", headers=api.headers("admin"))
        assert r.status_code == 503 and r.headers["content-type"] == PROBLEM


def test_stage_totals_read_each_finished_call_once(tmp_path, make_document):
    """Incremental scrapes: later calls are added, nothing twice, a lagging worker's call
    (finished 'earlier' than the newest seen, within the overlap) still counted; keyset
    batches reach every row even when finish times tie."""
    from hotline.store.db import Database
    from hotline.store.results import TABLE, ResultsStore
    from hotline.web.ops import StageTotals

    api = build_api_store(f"sqlite:///{tmp_path / 'hotline.db'}", make_document, n=4)
    db = Database(api.db_url)
    store = ResultsStore(db)
    db.execute(f"UPDATE {TABLE} SET updated_at = 1000.0")             # four-way tie
    assert len(list(store.done_timings(batch=3))) == 4
    totals = StageTotals(overlap_s=300.0)
    want = sum(d.timings["asr"] for d in api.docs)
    assert totals.refresh(store)["asr"] == (4, pytest.approx(want))
    assert totals.refresh(store)["asr"] == (4, pytest.approx(want))      # nothing twice

    late, lagging = api.docs[0], api.docs[1]
    late.timings = {"asr": 10.0}
    store.save_document(late)                          # processed again: seconds spent again
    db.execute(f"UPDATE {TABLE} SET updated_at = 2000.0 WHERE call_id = ?", (late.call_id,))
    assert totals.refresh(store)["asr"] == (5, pytest.approx(want + 10.0))
    lagging.timings = {"asr": 7.0}
    store.save_document(lagging)                       # a worker whose clock is 100 s behind
    db.execute(f"UPDATE {TABLE} SET updated_at = 1900.0 WHERE call_id = ?", (lagging.call_id,))
    assert totals.refresh(store)["asr"] == (6, pytest.approx(want + 17.0))
    assert totals.refresh(store)["asr"] == (6, pytest.approx(want + 17.0))
    db.close()
