"""The QA API on the PostgreSQL store: search, call view, agent isolation and audit rows."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.postgres


def test_qa_api_on_postgres(pg_url, make_document, tmp_path):
    from hotline.search.index import SearchIndex
    from hotline.settings import Settings
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore
    from hotline.synth.scenarios import build_scenarios
    from hotline.web.app import create_app
    from hotline.web.auth import AuthStore

    db = Database(pg_url)
    store, index = ResultsStore(db), SearchIndex(db, None)
    docs = [make_document(t, f"A{i % 2 + 1}", f"2026-11-1{i}")
            for i, t in enumerate(build_scenarios(seed=4, n=4, languages=("en", "zh")))]
    for doc in docs:
        store.save_document(doc)
        index.index_call(doc)
    auth = AuthStore(db)
    qa = {"Authorization": f"Bearer {auth.create_token('qa')[0]}"}
    agent = {"Authorization": f"Bearer {auth.create_token('agent', agent_id='A1')[0]}"}
    admin = {"Authorization": f"Bearer {auth.create_token('admin')[0]}"}

    app = create_app(Settings(db_url=pg_url, data_dir=str(tmp_path)))
    with TestClient(app) as client:         # runs the lifespan: services opened once
        _check(client, docs, qa, agent, admin)
    db.close()


def _check(client, docs, qa, agent, admin) -> None:
    body = client.get("/api/search", params={"limit": 500}, headers=qa).json()
    assert {h["call_id"] for h in body["results"]} == {d.call_id for d in docs}
    mine = {d.call_id for d in docs if d.metadata["agent_id"] == "A1"}
    body = client.get("/api/search", params={"limit": 500}, headers=agent).json()
    assert {h["call_id"] for h in body["results"]} == mine
    theirs = next(d.call_id for d in docs if d.call_id not in mine)
    assert client.get(f"/api/calls/{theirs}", headers=agent).status_code == 404
    view = client.get(f"/api/calls/{theirs}", headers=qa).json()
    assert view["call_id"] == theirs and len(view["turns"]) == len(
        next(d for d in docs if d.call_id == theirs).turns)
    rows = client.get("/api/audit", headers=admin).json()
    assert [(r["action"], r["status"]) for r in rows[:4]] == [
        ("view", "ok"), ("view", "denied"), ("search", "ok"), ("search", "ok")]
    assert rows[0]["id"] > rows[1]["id"]
