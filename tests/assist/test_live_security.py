"""Issue 10's findings on the live path, against a real uvicorn server with the real engine:
authentication, Origin and call ownership (1), the facts feed (2), PII in live events (1),
caps and non-finite numbers (6)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from hotline import defaults

CARD = "4111 1111 1111 1111"
PHONE = "138 0013 8000"


def _ws(url: str) -> str:
    return url.replace("http://", "ws://")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _refused(url: str, headers: dict[str, str] | None = None) -> int:
    """The HTTP status a refused WebSocket handshake got."""
    with pytest.raises(InvalidStatus) as info:
        async with connect(url, additional_headers=headers):
            pass
    return info.value.response.status_code


async def _events_until(ws, kinds: set[str], timeout: float = 30.0) -> list[dict]:
    events: list[dict] = []

    async def read() -> None:
        async for raw in ws:
            events.append(json.loads(raw))
            if events[-1]["type"] in kinds:
                return
    await asyncio.wait_for(read(), timeout)
    return events


# --- finding 1: nobody listens without a token, a foreign page never, agents only their calls
def test_live_endpoints_need_the_right_token(live_server, live_tokens):
    base, tok = _ws(live_server), live_tokens

    async def run() -> None:
        assert await _refused(f"{base}/ws/call/c1") == 403
        assert await _refused(f"{base}/ws/call/c1", _bearer("hl_forged")) == 403
        assert await _refused(f"{base}/ws/supervisor") == 403
        assert await _refused(f"{base}/ws/supervisor", _bearer(tok["A1"])) == 403
        assert await _refused(f"{base}/ws/call/c1", _bearer(tok["qa"])) == 403
        evil = {**_bearer(tok["admin"]), "Origin": "https://evil.example"}
        assert await _refused(f"{base}/ws/call/c1", evil) == 403
        assert await _refused(f"{base}/ws/supervisor", {**_bearer(tok["admin"]),
                                                        "Origin": "null"}) == 403
        # A1 opens a new call (it becomes theirs); A2 may not join it, a supervisor may
        async with connect(f"{base}/ws/call/owned-1", additional_headers=_bearer(tok["A1"])) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            assert await _refused(f"{base}/ws/call/owned-1", _bearer(tok["A2"])) == 403
            async with connect(f"{base}/ws/call/owned-1",
                               additional_headers={**_bearer(tok["supervisor"]),
                                                   "Origin": live_server}) as sup:
                assert json.loads(await sup.recv())["type"] == "ready"

    asyncio.run(run())
    for path in ("/api/assist?q=bill", "/api/live/facts"):
        assert httpx.get(live_server + path, timeout=30).status_code == 401, path
    assert httpx.get(live_server + "/api/live/facts", headers=_bearer(tok["A1"]),
                     timeout=30).status_code == 403
    r = httpx.get(live_server + "/live", params={"call": "x"}, timeout=30)
    assert r.status_code == 303 and r.headers["location"].startswith("/qa/login")


def test_a_platform_cannot_reassign_an_agents_call(live_server, live_tokens):
    async def run() -> list[dict]:
        async with connect(f"{_ws(live_server)}/ws/call/owned-2",
                           additional_headers=_bearer(live_tokens["A1"])) as agent:
            await agent.recv()
            async with connect(f"{_ws(live_server)}/ws/call/owned-2",
                               additional_headers=_bearer(live_tokens["admin"])) as platform:
                await platform.send(json.dumps({"type": "info", "metadata": {"agent_id": "A2"}}))
                return await _events_until(platform, {"error"})

    events = asyncio.run(run())
    assert "assigned to another agent" in events[-1]["message"]


def test_live_events_carry_no_pii(live_server, live_tokens):
    async def run() -> tuple[list[dict], dict]:
        async with connect(f"{_ws(live_server)}/ws/supervisor",
                           additional_headers=_bearer(live_tokens["supervisor"])) as sup:
            await sup.recv()
            async with connect(f"{_ws(live_server)}/ws/call/pii-1",
                               additional_headers=_bearer(live_tokens["admin"])) as ws:
                await ws.send(json.dumps({
                    "type": "turn", "role": "customer", "start": 0, "end": 5,
                    "text": f"This is ridiculous, I want to complain! My card is {CARD} and "
                            f"call me back on {PHONE}."}))
                events = await _events_until(ws, {"alert"})
            alert = json.loads(await asyncio.wait_for(sup.recv(), 10))
        return events, alert

    events, alert = asyncio.run(run())
    wire = json.dumps(events + [alert])
    assert "1111" not in wire and "8000" not in wire and "0013" not in wire
    turn = next(e for e in events if e["type"] == "turn")
    assert "[CARD]" in turn["text"] and "[PHONE]" in turn["text"]
    assert "[CARD]" in next(e for e in events if e["type"] == "suggestion")["text"]
    assert alert["type"] == "alert" and "[CARD]" in alert["text"]


# --- finding 2: the facts feed ---------------------------------------------------------------
def test_facts_feed_is_guarded(live_server, live_tokens, monkeypatch):
    url = live_server + "/api/live/facts"
    feed = _bearer(live_tokens["feed"])
    row = {"area": "Lakeside", "site_id": "LK-1", "status": "down",
           "updated_at": "2026-11-30T03:00:00Z"}
    plain = {"Content-Type": "text/plain"}
    assert httpx.post(url, content=json.dumps([row]), headers=plain, timeout=30).status_code == 401
    evil = {**feed, **plain, "Origin": "https://evil.example"}
    assert httpx.post(url, content=json.dumps([row]), headers=evil, timeout=30).status_code == 403
    assert httpx.post(url, content=json.dumps([row]), headers=_bearer(live_tokens["A1"]),
                      timeout=30).status_code == 403
    pinned = {**row, "status": "ok", "updated_at": "2099-01-01T00:00:00Z"}
    r = httpx.post(url, content=json.dumps([pinned]), headers=feed, timeout=30)
    assert r.status_code == 400 and "future" in r.json()["detail"]
    for junk in ("null", "xyz", "", "[1, 2]", '[{"area": "X", "site_id": ["a"], "status": "ok"}]'):
        r = httpx.post(url, content=junk, headers=feed, timeout=30)
        assert r.status_code == 400 and r.json()["detail"], junk
    big = b"area,site_id,status\n" + b"A,S,ok\n" * (defaults.MAX_FACTS_BODY_BYTES // 7 + 1)
    assert httpx.post(url, content=big, headers=feed, timeout=30).status_code == 413
    monkeypatch.setattr(defaults, "MAX_FACTS_ROWS", 3)
    many = [{**row, "site_id": f"LK-{i}"} for i in range(4)]
    r = httpx.post(url, content=json.dumps(many), headers=feed, timeout=30)
    assert r.status_code == 400 and "at most 3" in r.json()["detail"]


def test_facts_per_suggestion_are_bounded(live_server, live_tokens):
    rows = [{"area": "Hillcrest", "site_id": f"HC-{i:03d}", "status": "ok" if i else "down",
             "updated_at": "2026-11-30T03:00:00Z"} for i in range(40)]
    r = httpx.post(live_server + "/api/live/facts", content=json.dumps(rows), timeout=30,
                   headers=_bearer(live_tokens["admin"]))
    assert r.json() == {"loaded": 40}
    r = httpx.get(live_server + "/api/assist", params={"q": "no signal at all on my phone",
                                                       "area": "Hillcrest"},
                  headers=_bearer(live_tokens["A1"]), timeout=30)
    facts = r.json()["suggestions"][0]["facts"]
    assert 0 < len(facts) <= defaults.MAX_FACTS_PER_SUGGESTION
    assert facts[0]["site_id"] == "HC-000" and facts[0]["status"] == "down"   # trouble first


# --- finding 6: caps and non-finite numbers ----------------------------------------------------
async def _error_and_close(ws) -> tuple[dict, int]:
    events = await _events_until(ws, {"error"}, timeout=15)
    with pytest.raises(ConnectionClosed):
        for _ in range(20):
            await asyncio.wait_for(ws.recv(), 5)
    return events[-1], ws.close_code


@pytest.mark.parametrize("message, code", [
    ('{"type": "turn", "role": "customer", "text": "hi", "start": NaN}', 1007),
    ('{"type": "turn", "role": "customer", "text": "hi", "start": 1, "end": Infinity}', 1007),
    ('{"type": "turn", "role": "customer", "text": "hi", "start": "nan"}', 1007),
    (json.dumps({"type": "turn", "role": "customer", "text": "x" * 30_000}), 1009),
    (json.dumps({"type": "info", "metadata": {"notes": "x" * 5_000}}), 1009),
])
def test_bad_numbers_and_sizes_close_the_socket(live_server, live_tokens, message, code):
    async def run() -> tuple[dict, int]:
        async with connect(f"{_ws(live_server)}/ws/call/caps-1",
                           additional_headers=_bearer(live_tokens["admin"])) as ws:
            await ws.send(message)
            return await _error_and_close(ws)

    error, close_code = asyncio.run(run())
    assert error["message"] and close_code == code


def test_turn_and_session_caps(live_server, live_tokens, engine, monkeypatch):
    monkeypatch.setattr(defaults, "MAX_LIVE_TURNS", 3)

    async def turns() -> tuple[dict, int]:
        async with connect(f"{_ws(live_server)}/ws/call/caps-2",
                           additional_headers=_bearer(live_tokens["admin"])) as ws:
            for i in range(4):
                await ws.send(json.dumps({"type": "turn", "role": "agent", "text": f"line {i}"}))
            return await _error_and_close(ws)

    error, code = asyncio.run(turns())
    assert "at most 3" in error["message"] and code == 1008

    async def sessions() -> int:
        async with connect(f"{_ws(live_server)}/ws/call/caps-3",
                           additional_headers=_bearer(live_tokens["admin"])) as ws:
            await ws.recv()
            monkeypatch.setattr(defaults, "MAX_LIVE_SESSIONS", len(engine.sessions))
            return await _refused(f"{_ws(live_server)}/ws/call/caps-4",
                                  _bearer(live_tokens["A1"]))

    assert asyncio.run(sessions()) == 403
