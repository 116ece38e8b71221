"""The versioned HTTP API over a real SQLite store (FastAPI TestClient, lifespan run):
/api/v1 and the old /api paths, RFC 7807 errors, OpenAPI, GET /calls paging, CLI parity."""

from __future__ import annotations

import argparse
import json

import pytest
from fastapi.testclient import TestClient

from tests.support.apistore import build_api_store

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def world(tmp_path_factory, make_document):
    root = tmp_path_factory.mktemp("api_v1")
    return build_api_store(f"sqlite:///{root / 'hotline.db'}", make_document), root


@pytest.fixture(scope="module")
def client(world):
    from hotline.settings import Settings
    from hotline.web.app import create_app

    api, root = world
    app = create_app(Settings(db_url=api.db_url, data_dir=str(root), metrics_token="scrape-me"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status and body["type"] == "about:blank" and body["title"]
    assert body["instance"].startswith("/") and body["detail"]
    return body


def test_old_paths_answer_like_v1(client, world):
    api, _ = world
    qa, call_id = api.headers("qa"), api.docs[0].call_id
    for path in ("/me", f"/calls/{call_id}", "/calls?limit=2", "/search?q=&role=agent"):
        old = client.get("/api" + path, headers=qa)
        new = client.get("/api/v1" + path, headers=qa)
        assert old.status_code == new.status_code == 200, path
        a, b = old.json(), new.json()
        a.pop("took_ms", None), b.pop("took_ms", None)
        assert a == b, path


def test_call_document_is_the_contract(client, world):
    api, _ = world
    doc = api.docs[1]
    body = client.get(f"/api/v1/calls/{doc.call_id}", headers=api.headers("qa")).json()
    audio = body.pop("audio")
    assert body == json.loads(json.dumps(doc.to_dict()))
    assert audio["url"].endswith(f"/calls/{doc.call_id}/audio")


def test_every_error_is_problem_json(client, world, monkeypatch):
    api, _ = world
    qa, agent = api.headers("qa"), api.headers("agent")
    body = _problem(client.get("/api/v1/me"), 401)
    assert "Bearer" in body["detail"]
    _problem(client.get("/api/me", headers={"Authorization": "Bearer hl_forged"}), 401)
    _problem(client.get("/api/v1/audit", headers=agent), 403)
    other = next(d for d in api.docs if d.metadata["agent_id"] == "A2")
    _problem(client.get(f"/api/v1/calls/{other.call_id}", headers=agent), 404)
    assert "nope" in _problem(client.get("/api/v1/nope", headers=qa), 404)["instance"]
    _problem(client.post("/api/v1/me", headers=qa), 405)
    body = _problem(client.get("/api/v1/calls", params={"limit": 0, "date_from": "11/10"},
                               headers=qa), 422)
    assert {(e["field"], e["in"]) for e in body["errors"]} == {("limit", "query"),
                                                               ("date_from", "query")}
    body = _problem(client.get("/api/v1/search", params={"min_duration": "long"}, headers=qa),
                    422)
    assert "min_duration" in body["detail"]
    # a crash: 500 as a problem, the exception's text stays in the server log
    svc = client.app.state.services
    monkeypatch.setattr(svc.store, "get_document", _explode)
    body = _problem(client.get(f"/api/v1/calls/{api.docs[0].call_id}", headers=qa), 500)
    assert "secret-path" not in json.dumps(body)
    # pages keep their own answers
    assert client.get("/qa", follow_redirects=False).status_code in (302, 303, 307)
    assert client.get("/nope").headers["content-type"].startswith("application/json")


def _explode(*_a, **_k):
    raise RuntimeError("disk gone at /secret-path")


def test_openapi_ids_bearer_and_typed_document(client):
    spec = client.get("/openapi.json").json()
    ops = {(path, m): op for path, item in spec["paths"].items() for m, op in item.items()}
    ids = [op["operationId"] for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert {"search_calls", "get_call", "list_calls", "get_call_audio", "similar_calls",
            "get_me", "healthz", "metrics"} <= set(ids)
    assert all(i.replace("_", "").isalpha() and i.islower() for i in ids)     # no path soup
    assert all(p.startswith("/api/v1/") or p in ("/healthz", "/metrics") for p, _ in ops)
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "a token from `hotline token create`"}
    assert ops[("/api/v1/search", "get")]["security"] == [{"bearer": []}]
    assert "security" not in ops[("/healthz", "get")]
    assert ops[("/metrics", "get")]["security"] == [{"bearer": []}]
    call = ops[("/api/v1/calls/{call_id}", "get")]["responses"]
    ref = call["200"]["content"]["application/json"]["schema"]["$ref"]
    schemas = spec["components"]["schemas"]
    view = schemas[ref.rsplit("/", 1)[1]]
    assert {"call_id", "turns", "speakers", "violations", "redactions", "metadata",
            "audio"} <= set(view["properties"])
    turn = schemas["Turn"]["properties"]
    assert turn["words"]["items"]["$ref"].endswith("/Word") and "start" in turn
    for (path, _m), op in ops.items():
        for code, resp in op["responses"].items():
            if code[0] in "45":
                assert list(resp["content"]) == [PROBLEM], (path, code)
    assert call["401"]["content"][PROBLEM]["schema"]["$ref"].endswith("/Problem")


def test_list_calls_pages_and_filters(client, world):
    api, _ = world
    qa = api.headers("qa")
    everything = client.get("/api/v1/calls", params={"limit": 500}, headers=qa).json()
    assert everything["total"] == len(api.docs) and everything["next_offset"] is None
    dates = [c["date"] for c in everything["calls"]]
    assert dates == sorted(dates, reverse=True)
    seen, offset = [], 0
    while offset is not None:
        page = client.get("/api/v1/calls", params={"limit": 2, "offset": offset},
                          headers=qa).json()
        assert page["total"] == len(api.docs) and len(page["calls"]) <= 2
        seen += [c["call_id"] for c in page["calls"]]
        offset = page["next_offset"]
    assert seen == [c["call_id"] for c in everything["calls"]]
    assert set(seen) == {d.call_id for d in api.docs}
    one = everything["calls"][0]
    doc = next(d for d in api.docs if d.call_id == one["call_id"])
    assert one["duration"] == pytest.approx(doc.duration)
    assert one["violations"] == len(doc.violations) and one["agent_id"] == doc.metadata["agent_id"]

    day = api.docs[0].metadata["date"]
    body = client.get("/api/v1/calls", params={"date_from": day, "date_to": day, "agent": "A1"},
                      headers=qa).json()
    want = {d.call_id for d in api.docs if d.metadata["date"] == day
            and d.metadata["agent_id"] == "A1"}
    assert {c["call_id"] for c in body["calls"]} == want and body["total"] == len(want)
    # an agent sees only their own calls, whatever agent they ask for
    mine = client.get("/api/v1/calls", params={"agent": "A2"}, headers=api.headers("agent"))
    own = {d.call_id for d in api.docs if d.metadata["agent_id"] == "A1"}
    assert {c["call_id"] for c in mine.json()["calls"]} == own


def _cli_search(argv: list[str], capsys, monkeypatch, db_url: str) -> dict:
    from hotline.search import cli

    monkeypatch.setenv("HOTLINE_DB_URL", db_url)
    parser = argparse.ArgumentParser(prog="hotline")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["search", *argv])
    assert args.func(args) == 0
    return json.loads(capsys.readouterr().out)


def _same_shape(cli: object, api: object, where: str = "") -> None:
    """The same names at every level and the same values (the index's timing aside)."""
    if isinstance(cli, dict):
        assert isinstance(api, dict) and set(cli) == set(api), (where, set(cli) ^ set(api))
        for key in cli:
            if key != "took_ms":
                _same_shape(cli[key], api[key], f"{where}.{key}")
    elif isinstance(cli, list):
        assert isinstance(api, list) and len(cli) == len(api), where
        for i, (a, b) in enumerate(zip(cli, api, strict=True)):
            _same_shape(a, b, f"{where}[{i}]")
    elif isinstance(cli, float) or isinstance(api, float):
        assert cli == pytest.approx(api), where
    else:
        assert cli == api, where


@pytest.mark.parametrize("argv, params", [
    (["thank", "--limit", "3"], {"q": "thank", "limit": 3}),
    (["", "--role", "agent", "--agent", "A1", "--limit", "2", "--offset", "1"],
     {"q": "", "role": "agent", "agent": "A1", "limit": 2, "offset": 1}),
    (["thank", "--by-call"], {"q": "thank", "by": "call", "limit": 20}),
])
def test_cli_json_and_api_agree(client, world, capsys, monkeypatch, argv, params):
    api, _ = world
    cli_out = _cli_search([*argv, "--json"], capsys, monkeypatch, api.db_url)
    api_out = client.get("/api/v1/search", params=params, headers=api.headers("qa")).json()
    assert cli_out["total"] >= 1
    _same_shape(cli_out, api_out)
