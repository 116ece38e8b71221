"""QA JSON API against a real uvicorn server: tokens, roles, agent isolation, audio Range, audit."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from hotline.store.db import Database
from hotline.web.auth import AuthStore

OWN, OTHER = "A1", "A2"


def _get(world, path: str, role: str | None = "qa", **kw) -> httpx.Response:
    headers = dict(kw.pop("headers", {}))
    if role:
        headers.update(world.headers(role))
    return httpx.get(world.url + path, headers=headers, timeout=60, **kw)


def _word(doc) -> str:
    """A distinctive word of the call's first customer turn."""
    text = next(t.text for t in doc.turns if t.role == "customer")
    return max(re.findall(r"[A-Za-z]{5,}", text), key=len)


def test_no_or_bad_token_is_401(qa_world):
    cid = qa_world.played.call_id
    paths = ["/api/me", "/api/search?q=signal", f"/api/calls/{cid}", f"/api/calls/{cid}/audio",
             f"/api/calls/{cid}/similar", "/api/audit"]
    for path in paths:
        r = _get(qa_world, path, role=None)
        assert r.status_code == 401, path
        assert r.headers["www-authenticate"] == "Bearer"
        r = _get(qa_world, path, role=None, headers={"Authorization": "Bearer hl_forged"})
        assert r.status_code == 401, path
    assert _get(qa_world, "/api/me").json()["role"] == "qa"


def test_search_contract_and_filters(qa_world):
    doc = qa_world.played
    word = _word(doc)
    body = _get(qa_world, "/api/search", params={"q": word}).json()
    assert body["total"] >= 1
    hit = next(h for h in body["results"] if h["call_id"] == doc.call_id)
    turn = doc.turns[hit["turn"]]
    assert hit["start"] == pytest.approx(turn.start) and hit["role"] == turn.role
    assert "<mark>" in hit["snippet"] and word.lower() in turn.text.lower()
    assert hit["date"] == doc.metadata["date"] and hit["agent_id"] == OWN

    # the violated-rule filter keeps exactly the calls that broke it
    rule = doc.violations[0].rule
    body = _get(qa_world, "/api/search", params={"rule": rule, "limit": 500}).json()
    breakers = {c for c, d in qa_world.docs.items() if any(v.rule == rule for v in d.violations)}
    assert {h["call_id"] for h in body["results"]} == breakers
    # role, agent, date range, emotion
    body = _get(qa_world, "/api/search", params={"role": "agent", "limit": 500}).json()
    assert body["results"] and {h["role"] for h in body["results"]} == {"agent"}
    body = _get(qa_world, "/api/search", params={"agent": OTHER, "limit": 500}).json()
    assert {h["call_id"] for h in body["results"]} == qa_world.calls_of(OTHER)
    day = doc.metadata["date"]
    body = _get(qa_world, "/api/search", params={"date_from": day, "date_to": day}).json()
    assert {h["call_id"] for h in body["results"]} == {doc.call_id}
    body = _get(qa_world, "/api/search", params={"emotion": "angry", "limit": 500}).json()
    assert body["results"] and {h["emotion"] for h in body["results"]} == {"angry"}
    assert _get(qa_world, "/api/search", params={"min_duration": "x"}).status_code == 422


def test_agent_sees_only_own_calls(qa_world):
    own, other = qa_world.calls_of(OWN), qa_world.calls_of(OTHER)
    assert own and other
    # search: everything the agent may see, even when asking for another agent's calls
    for params in ({"limit": 500}, {"agent": OTHER, "limit": 500}, {"q": "the", "limit": 500}):
        body = _get(qa_world, "/api/search", role="agent", params=params).json()
        found = {h["call_id"] for h in body["results"]}
        assert found <= own, params
    assert {h["call_id"] for h in _get(qa_world, "/api/search", role="agent",
                                       params={"limit": 500}).json()["results"]} == own
    # call view, audio and similar of someone else's call: as if it did not exist
    theirs = sorted(other)[0]
    for path in (f"/api/calls/{theirs}", f"/api/calls/{theirs}/audio",
                 f"/api/calls/{theirs}/similar"):
        assert _get(qa_world, path, role="agent").status_code == 404, path
    cid = qa_world.played.call_id                        # A1's call with audio
    assert _get(qa_world, f"/api/calls/{cid}", role="agent").json()["call_id"] == cid
    assert _get(qa_world, f"/api/calls/{cid}/audio", role="agent").status_code == 200
    for path in (f"/api/calls/{cid}", f"/api/calls/{cid}/audio"):
        assert _get(qa_world, path, role="agent2").status_code == 404
    assert _get(qa_world, "/api/audit", role="agent").status_code == 403
    assert _get(qa_world, "/api/calls/nope").status_code == 404


def test_audio_is_served_with_range(qa_world):
    cid = qa_world.played.call_id
    data = qa_world.audio_path.read_bytes()
    full = _get(qa_world, f"/api/calls/{cid}/audio")
    assert full.status_code == 200 and full.content == data
    assert full.headers["content-type"] == "audio/wav"
    assert full.headers["accept-ranges"] == "bytes"
    part = _get(qa_world, f"/api/calls/{cid}/audio", headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1099/{len(data)}"
    assert part.content == data[100:1100]
    tail = _get(qa_world, f"/api/calls/{cid}/audio", headers={"Range": f"bytes={len(data) - 10}-"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    assert _get(qa_world, f"/api/calls/{cid}/audio", params={"version": "redacted"}).status_code == 404
    # a call without a local recording
    no_audio = next(c for c in qa_world.docs if c != cid)
    assert _get(qa_world, f"/api/calls/{no_audio}/audio").status_code == 404


def test_every_search_and_playback_is_audited(qa_world):
    auth = AuthStore(Database(qa_world.db_url))
    token, info = auth.create_token("qa", name="auditee")
    headers = {"Authorization": f"Bearer {token}"}
    cid = qa_world.played.call_id
    theirs = sorted(qa_world.calls_of(OTHER))[0]

    def get(path, **kw):
        return httpx.get(qa_world.url + path, headers={**headers, **kw.pop("h", {})}, timeout=60,
                         **kw)

    assert get("/api/search", params={"q": "refund", "rule": "closing.missing"}).status_code == 200
    assert get(f"/api/calls/{cid}").status_code == 200
    assert get(f"/api/calls/{cid}/audio", h={"Range": "bytes=0-"}).status_code == 206
    assert get(f"/api/calls/{cid}/audio", h={"Range": "bytes=5000-"}).status_code == 206  # a seek
    rows = _get(qa_world, "/api/audit", role="admin", params={"limit": 1000}).json()
    mine = [r for r in rows if r["token_id"] == info.id][::-1]   # oldest first
    assert [r["action"] for r in mine] == ["search", "view", "audio", "audio"]
    assert [r["detail"] for r in mine[2:]] == ["original range=bytes=0-",
                                               "original range=bytes=5000-"]
    assert json.loads(mine[0]["query"]) == {"q": "refund", "rule": "closing.missing"}
    assert mine[1]["call_id"] == cid and mine[2]["call_id"] == cid
    assert all(r["name"] == "auditee" and r["role"] == "qa" and r["at"] for r in mine)

    # an agent trying someone else's call leaves a 'denied' row; supervisors can read the log
    assert _get(qa_world, f"/api/calls/{theirs}", role="agent").status_code == 404
    rows = _get(qa_world, "/api/audit", role="supervisor",
                params={"call_id": theirs, "action": "view"}).json()
    assert rows[0]["status"] == "denied" and rows[0]["agent_id"] == OWN
    assert _get(qa_world, "/api/audit", role="qa").status_code == 403


def test_similar_calls(qa_world):
    cid = qa_world.played.call_id
    body = _get(qa_world, f"/api/calls/{cid}/similar", params={"k": 3}).json()
    ids = [s["call_id"] for s in body["similar"]]
    assert body["call_id"] == cid and len(ids) == 3 and cid not in ids
    assert set(ids) <= set(qa_world.docs)
    body = _get(qa_world, f"/api/calls/{cid}/similar", role="agent", params={"k": 5}).json()
    ids = {s["call_id"] for s in body["similar"]}
    assert ids and ids <= qa_world.calls_of(OWN) - {cid}


def test_openapi_lists_the_api(qa_world):
    spec = httpx.get(qa_world.url + "/openapi.json", timeout=30).json()
    for path in ("/api/v1/search", "/api/v1/calls/{call_id}", "/api/v1/calls/{call_id}/audio",
                 "/api/v1/calls/{call_id}/similar", "/api/v1/audit", "/api/v1/me"):
        assert path in spec["paths"], path
    params = {p["name"] for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "role", "date_from", "date_to", "agent", "emotion", "rule", "intent",
            "min_duration", "max_duration"} <= params
    assert httpx.get(qa_world.url + "/docs", timeout=30).status_code == 200


def test_pages_need_a_login(qa_world):
    with httpx.Client(base_url=qa_world.url, timeout=30) as client:
        r = client.get("/qa")
        assert r.status_code == 303 and r.headers["location"].startswith("/qa/login")
        r = client.post("/qa/login", data={"token": qa_world.tokens["qa"], "next": "/qa?q=bill"})
        assert r.status_code == 303 and r.headers["location"] == "/qa?q=bill"
        assert "httponly" in r.headers["set-cookie"].lower()
        page = client.get("/qa", params={"q": "bill"})
        assert page.status_code == 200 and 'id="result-count"' in page.text
    with httpx.Client(base_url=qa_world.url, timeout=30) as client:
        r = client.post("/qa/login", data={"token": qa_world.tokens["agent"],
                                           "next": f"/qa/calls/{sorted(qa_world.calls_of(OTHER))[0]}"})
        assert r.status_code == 303
        assert client.get(r.headers["location"]).status_code == 404     # not the agent's call
        assert client.get(f"/qa/calls/{qa_world.played.call_id}").status_code == 200
        assert client.get("/qa/audit").status_code == 403
        r = client.post("/qa/login", data={"token": "nope", "next": "//evil.example"})
        assert r.headers["location"].startswith("/qa/login?error=1")


def test_redacted_copy_is_played_by_default(qa_world):
    """With `<stem>.redacted.wav` beside the recording, that copy is what plays; the original
    only on request, and never for an agent."""
    import dataclasses

    import numpy as np
    import soundfile as sf

    from hotline.store.results import ResultsStore

    samples, rate = sf.read(qa_world.audio_path, dtype="float32")
    tmp_path = qa_world.shared_dir / "default"      # inside the server's audio dirs
    tmp_path.mkdir()
    original = tmp_path / "call.wav"
    sf.write(original, samples, rate, subtype="PCM_16")
    beeped = samples.copy()
    turn = qa_world.played.turns[3]
    t = np.arange(int(turn.end * rate) - int(turn.start * rate)) / rate
    beeped[int(turn.start * rate):int(turn.start * rate) + len(t)] = 0.3 * np.sin(2 * np.pi * 1000 * t)
    sf.write(tmp_path / "call.redacted.wav", beeped, rate, subtype="PCM_16")
    doc = dataclasses.replace(qa_world.played, call_id="redactedcopy0001", source=str(original))
    ResultsStore(Database(qa_world.db_url)).save_document(doc)

    path = f"/api/calls/{doc.call_id}/audio"
    served = _get(qa_world, path)
    assert served.content == (tmp_path / "call.redacted.wav").read_bytes()
    assert _get(qa_world, path, params={"version": "original"}).content == original.read_bytes()
    assert _get(qa_world, path, role="agent").content == served.content
    assert _get(qa_world, path, role="agent", params={"version": "original"}).status_code == 403
    assert _get(qa_world, f"/api/calls/{doc.call_id}").json()["audio"]["redacted_available"]


def test_audit_page_for_admin(qa_world):
    with httpx.Client(base_url=qa_world.url, timeout=30) as client:
        client.post("/qa/login", data={"token": qa_world.tokens["admin"]})
        assert client.get("/qa", params={"q": "bill"}).status_code == 200    # audited too
        page = client.get("/qa/audit", params={"action": "search"})
        assert page.status_code == 200 and 'id="audit"' in page.text
        assert page.text.count("<td>search</td>") >= 1 and "<td>view</td>" not in page.text


def test_audio_found_through_the_registered_path_when_source_is_redacted(qa_world):
    """File names often hold the caller's number, so the document's `source` is redacted; the
    store row keeps the path the batch registered, and playback uses it."""
    import dataclasses

    from hotline.store.results import ResultsStore

    store = ResultsStore(Database(qa_world.db_url))
    doc = dataclasses.replace(qa_world.docs[qa_world.played.call_id], call_id="feedc0de00000001",
                              source="/recordings/[PHONE]_0930.wav")
    store.register(doc.call_id, str(qa_world.audio_path))
    store.save_document(doc)
    assert store.get(doc.call_id).source == str(qa_world.audio_path)
    assert store.get_document(doc.call_id).source == "/recordings/[PHONE]_0930.wav"
    resp = _get(qa_world, f"/api/calls/{doc.call_id}/audio")
    assert resp.status_code == 200 and resp.content == qa_world.audio_path.read_bytes()
