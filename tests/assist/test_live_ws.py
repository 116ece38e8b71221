"""Live WebSocket: a real uvicorn server, real espeak-ng audio, real tiny.en, real clients."""

from __future__ import annotations

import asyncio
import json

import httpx
import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

pytestmark = pytest.mark.slow


def _ws(url: str) -> str:
    return url.replace("http://", "ws://")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def call_wav(tmp_path_factory, simulate):
    path = tmp_path_factory.mktemp("calls") / "weak_signal.wav"
    return str(simulate.espeak_call(
        ["Hello. My five G signal is really bad at home.",
         "I live in Northgate, and I only get one bar on my phone."], str(path)))


async def _recv_until(ws, kinds: set[str], timeout: float = 30.0) -> list[dict]:
    events = []
    async def loop():
        async for raw in ws:
            ev = json.loads(raw)
            events.append(ev)
            if ev["type"] in kinds:
                return
    await asyncio.wait_for(loop(), timeout)
    return events


def test_audio_call_streams_turns_and_suggestion(live_server, live_tokens, call_wav, simulate):
    out = asyncio.run(simulate.simulate(_ws(live_server), call_wav, speed=3.0,
                                        token=live_tokens["admin"]))
    texts = " ".join(t["text"].lower() for t in out["turns"])
    assert len(out["turns"]) >= 2, out["turns"]
    assert "signal" in texts and "northgate" in texts.replace(" ", "")
    intents = [s["suggestions"][0]["intent"] for s in out["suggestions"]]
    assert "network.weak_signal" in intents, intents
    # the caller named the area: the network suggestion carries Haidian's base-station status
    facts = [f for s in out["suggestions"] for x in s["suggestions"] for f in x["facts"]]
    assert any(f["site_id"] == "NG-5G-003" and f["status"] == "down" for f in facts), facts
    assert out["events"][-1]["type"] == "end"


def test_mulaw_8k_stream(live_server, live_tokens, call_wav, simulate):
    out = asyncio.run(simulate.simulate(_ws(live_server), call_wav, speed=4.0, mulaw=True,
                                        area="Haidian", partials=False,
                                        token=live_tokens["A1"]))
    intents = [s["suggestions"][0]["intent"] for s in out["suggestions"]]
    assert "network.weak_signal" in intents, [t["text"] for t in out["turns"]]


def test_text_turns_angry_customer_alerts_supervisor(live_server, live_tokens):
    async def run():
        async with connect(_ws(live_server) + "/ws/supervisor",
                           additional_headers=_bearer(live_tokens["supervisor"])) as sup:
            assert json.loads(await sup.recv())["type"] == "ready"
            async with connect(_ws(live_server) + "/ws/call/angry-1",
                               additional_headers=_bearer(live_tokens["A1"])) as ws:
                await ws.send(json.dumps({"type": "turn", "role": "agent", "start": 0, "end": 2,
                                          "text": "Hello, this is Anna from China Telecom, how can I help?"}))
                await ws.send(json.dumps({
                    "type": "turn", "role": "customer", "start": 2.5, "end": 6,
                    "text": "This is ridiculous! Third time I'm calling, I want to make a complaint "
                            "and talk to your manager."}))
                events = await _recv_until(ws, {"alert"})
                await ws.send(json.dumps({"type": "stop"}))
                events += await _recv_until(ws, {"end"})
            alert = json.loads(await asyncio.wait_for(sup.recv(), 10))
        return events, alert

    events, alert = asyncio.run(run())
    sugg = [e for e in events if e["type"] == "suggestion"]
    assert sugg and sugg[0]["suggestions"][0]["intent"] == "service.complaint_escalation"
    assert alert["type"] == "alert" and alert["call_id"] == "angry-1"
    assert "understand" in alert["script"] and "1 hour" in alert["policy"]
    emotion = [e for e in events if e["type"] == "emotion"]
    assert emotion and emotion[0]["meter"] > 0


@pytest.mark.parametrize("first, second", [
    (b"\x00\x01\x02", None),                                           # audio before start
    ({"type": "start", "role": "customer", "encoding": "s16le", "rate": 16000}, b"\x00\x01\x02"),
    ("this is not json", None),
    ({"type": "start", "role": "customer", "encoding": "opus", "rate": 16000}, None),
    ({"type": "dance"}, None),
])
def test_bad_frame_ends_only_that_session(live_server, live_tokens, first, second):
    async def run():
        async with connect(_ws(live_server) + "/ws/call/bad",
                           additional_headers=_bearer(live_tokens["admin"])) as ws:
            for msg in (first, second):
                if msg is None:
                    continue
                await ws.send(msg if isinstance(msg, (bytes, str)) else json.dumps(msg))
            events = await _recv_until(ws, {"error"}, timeout=10)
            with pytest.raises(ConnectionClosed):  # the server closes this connection
                for _ in range(20):
                    await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code in (1003, 1007)
        return events

    events = asyncio.run(run())
    assert events[-1]["type"] == "error" and events[-1]["message"]
    r = httpx.get(live_server + "/api/assist", params={"q": "my bill is wrong"}, timeout=30,
                  headers=_bearer(live_tokens["A1"]))
    assert r.status_code == 200 and r.json()["suggestions"]


def test_dropped_client_mid_utterance_does_not_kill_server(live_server, live_tokens, engine):
    async def drop():
        ws = await connect(_ws(live_server) + "/ws/call/dropped",
                           additional_headers=_bearer(live_tokens["admin"]))
        await ws.send(json.dumps({"type": "start", "role": "customer", "rate": 16000}))
        tone = (0.3 * np.sin(np.arange(16000) * 2 * np.pi * 220 / 16000) * 32767).astype("<i2")
        await ws.send(tone.tobytes())
        ws.transport.abort()   # vanish without a close frame

    async def fresh():
        async with connect(_ws(live_server) + "/ws/call/after-drop",
                           additional_headers=_bearer(live_tokens["A2"])) as ws:
            await ws.send(json.dumps({"type": "turn", "role": "customer",
                                      "text": "I lost my phone on the train"}))
            return await _recv_until(ws, {"suggestion"})

    asyncio.run(drop())
    events = asyncio.run(fresh())
    assert events[-1]["suggestions"][0]["intent"] == "account.sim_lost"
    for _ in range(50):
        if "dropped" not in engine.sessions:
            break
        asyncio.run(asyncio.sleep(0.1))
    assert "dropped" not in engine.sessions


def test_facts_api_post_and_get(live_server, live_tokens):
    feed_auth = _bearer(live_tokens["feed"])
    feed = [{"area": "Riverside", "site_id": "RS-1", "status": "down", "detail": "power cut",
             "updated_at": "2026-11-22T03:00:00Z"}]
    r = httpx.post(live_server + "/api/live/facts", content=json.dumps(feed), timeout=30,
                   headers=feed_auth)
    assert r.status_code == 200 and r.json() == {"loaded": 1}
    older = [{**feed[0], "status": "ok", "updated_at": "2026-11-21T03:00:00Z"}]
    httpx.post(live_server + "/api/live/facts", content=json.dumps(older), timeout=30,
               headers=feed_auth)
    got = httpx.get(live_server + "/api/live/facts", params={"area": "riverside"}, timeout=30,
                    headers=_bearer(live_tokens["admin"])).json()
    assert [f["status"] for f in got["facts"]] == ["down"]      # the older feed did not win
    bad = httpx.post(live_server + "/api/live/facts", content='[{"area": "X"}]', timeout=30,
                     headers=feed_auth)
    assert bad.status_code == 400 and "site_id" in bad.json()["detail"]
    r = httpx.get(live_server + "/api/assist", params={"q": "no signal at all, I'm in Riverside"},
                  timeout=30, headers=_bearer(live_tokens["A1"]))
    top = r.json()["suggestions"][0]
    assert top["intent"] == "network.no_service" and top["facts"][0]["site_id"] == "RS-1"
