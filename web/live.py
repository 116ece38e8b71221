"""Live agent assist over HTTP/WebSocket: call streams, the agent sidebar, supervisors, facts.

Protocol (`/ws/call/{call_id}`; every connection is one stream *or* a pure listener):
  client -> {"type": "start", "role": "customer"|"agent", "encoding": "s16le"|"mulaw"|"alaw",
             "rate": 16000|8000, "area": "Haidian", "language": "en", "partials": true}
  client -> binary frames of PCM for that one channel (after "start")
  client -> {"type": "turn", "role": "customer", "text": "...", "start": 1.0, "end": 2.5}
             (already-transcribed turns from a telephony platform; no "start" needed)
  client -> {"type": "stop"}     end of this stream; when no stream of the call is left: "end"
  server -> ready | partial | turn | suggestion | emotion | reminder | violation | alert | end | error
A bad frame answers {"type": "error"} and closes only that connection (code 1003/1007/1009);
a cap (turns, sessions) or a refused assignment closes it with 1008.
`/ws/supervisor` receives every escalation alert of every call.

Access (docs/security.md): the same tokens as the API — `Authorization: Bearer` on the
handshake for programs, the login session cookie for the sidebar; the Origin check is
`web/security.py`. Supervisors and admins may open and join any call; an agent may open a new
call (it becomes theirs) and join calls assigned to them (first agent to open it, or
`metadata.agent_id` from a supervisor/admin stream), never another agent's. The supervisor
channel needs supervisor/admin, the facts feed admin or feed. Turn text is redacted before any
event leaves the engine (`assist.live.redact_live_turn`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, JSONResponse, Response

from hotline import defaults
from hotline.assist.facts import parse_feed
from hotline.assist.live import LiveLimit
from hotline.errors import HotlineError
from hotline.web.auth import FACTS_ROLES, LIVE_ROLES, Principal
from hotline.web.deps import Auth, Caller, Engine, ServicesDep, Visitor, WsCaller, require
from hotline.web.pages import login_redirect
from hotline.web.stream import AudioStream, BadFrame, apply_call_info, parse_message, text_turn
from hotline.web.versions import API_V1

log = logging.getLogger("hotline.live")
STATIC = Path(__file__).parent / "static" / "live"

router = APIRouter(tags=["live"])


@router.get("/live", response_class=HTMLResponse, include_in_schema=False)
def sidebar(request: Request, who: Visitor, auth: Auth) -> Response:
    """The agent sidebar (login session needed; its WebSocket rides on the same cookie)."""
    if who is None:
        return login_redirect(request)
    require(who, LIVE_ROLES, "the live sidebar", auth)
    return HTMLResponse((STATIC / "sidebar.html").read_text(encoding="utf-8"))


@router.get(f"{API_V1}/live/facts")
async def get_facts(svc: ServicesDep, who: Caller, area: str | None = None) -> dict[str, Any]:
    """Live network facts (base stations, outages), all or of one area (admin, feed)."""
    require(who, FACTS_ROLES, "the facts feed", svc.auth)
    store = svc.facts
    rows = await asyncio.to_thread(lambda: store.for_area(area) if area else store.all())
    return {"facts": [f.to_dict() for f in rows]}


async def _capped_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 as soon as it is over `limit` bytes (never read whole)."""
    if int(request.headers.get("content-length") or 0) > limit:
        raise HTTPException(413, f"the facts feed is over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"the facts feed is over {limit} bytes")
    return bytes(body)


@router.post(f"{API_V1}/live/facts")
async def post_facts(request: Request, svc: ServicesDep, who: Caller) -> JSONResponse:
    """Load a facts feed (CSV with a header row, or JSON rows); a newer `updated_at` wins per
    site; the whole feed is refused (400, a problem whose `detail` is the reason) when one row
    is bad (admin, feed)."""
    require(who, FACTS_ROLES, "the facts feed", svc.auth)
    raw = await _capped_body(request, defaults.MAX_FACTS_BODY_BYTES)
    try:
        n = await asyncio.to_thread(svc.facts.upsert, parse_feed(raw.decode("utf-8"), "body"))
    except UnicodeDecodeError:
        raise HTTPException(400, "the facts feed must be UTF-8 text") from None
    except HotlineError as exc:
        svc.auth.audit(who, "facts", status="rejected", detail=str(exc)[:300])
        raise HTTPException(400, str(exc)) from None
    svc.auth.audit(who, "facts", detail=f"{n} rows")
    return JSONResponse({"loaded": n})


@router.get(f"{API_V1}/assist")
async def assist(engine: Engine, who: Caller, auth: Auth, q: str, area: str | None = None,
                 language: str | None = None) -> dict[str, Any]:
    """Suggestions for one customer utterance (what the sidebar shows): the same JSON as
    `hotline assist TEXT --json`."""
    require(who, (*LIVE_ROLES, "qa"), "assist", auth)
    t0 = time.perf_counter()
    out = await asyncio.to_thread(engine.assistant.suggest, q, None, area, language)
    return {"text": q, "suggestions": [s.to_dict() for s in out],
            "latency_ms": round((time.perf_counter() - t0) * 1000, 2)}


@router.websocket("/ws/supervisor")
async def supervisor(ws: WebSocket, svc: ServicesDep, who: WsCaller) -> None:
    """Every escalation alert of every call (supervisor, admin)."""
    if who.role not in ("supervisor", "admin"):
        svc.auth.audit(who, "live_supervisor", status="forbidden")
        await ws.close(code=1008, reason="the supervisor channel needs a supervisor token")
        return
    svc.auth.audit(who, "live_supervisor")
    await ws.accept()
    engine = await svc.live_engine()       # after the handshake: the first call loads it
    key = id(ws)
    queue = engine.open_supervisor(key)
    pump = asyncio.create_task(_pump(ws, queue))
    try:
        await queue.put({"type": "ready", "role": "supervisor"})
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        engine.supervisors.pop(key, None)
        pump.cancel()


@router.websocket("/ws/call/{call_id}")
async def call(ws: WebSocket, call_id: str, svc: ServicesDep, who: WsCaller) -> None:
    """One stream of a call (audio or text turns) or a listener (the sidebar)."""
    engine = await svc.live_engine()
    why = _may_join(who, engine, call_id)
    svc.auth.audit(who, "live_call", call_id=call_id[:200], status="forbidden" if why else "ok",
                   detail=why or None)
    if why:
        await ws.close(code=1008, reason=why)
        return
    await ws.accept()
    await CallSocket(ws, engine, call_id, svc.live_streams, who).run()


def _may_join(who: Principal, engine: Any, call_id: str) -> str:
    """Why `who` may not open or join this live call ("" when they may); an agent opening a
    new call becomes its owner."""
    if who.role not in LIVE_ROLES:
        return "live calls need an agent, supervisor or admin token"
    if len(call_id) > 200:
        return "call id over 200 characters"
    session = engine.sessions.get(call_id)
    if session is None:
        try:
            session = engine.session(call_id)
        except LiveLimit as exc:
            return str(exc)
        if who.role == "agent":
            session.owner = who.agent_id
    if who.role != "agent":
        return ""
    return "" if session.owner == who.agent_id else "this call is assigned to another agent"


class CallSocket:
    """One `/ws/call/{id}` connection: its listener queue, its stream, and the call's count of
    open streams (the call ends when the last one stops)."""

    def __init__(self, ws: WebSocket, engine: Any, call_id: str, active: dict[str, int],
                 who: Principal):
        self.ws, self.engine, self.call_id, self.active = ws, engine, call_id, active
        self.who = who
        self.key = id(ws)
        self.queue = engine.open_listener(call_id, self.key)
        self.stream: AudioStream | None = None
        self.streaming = False

    async def run(self) -> None:
        pump = asyncio.create_task(_pump(self.ws, self.queue))
        close_code = 1000
        try:
            await self.queue.put({"type": "ready", "call_id": self.call_id})
            while await self._receive():
                pass
        except (BadFrame, LiveLimit) as exc:
            close_code = getattr(exc, "code", 1008)
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.put_nowait({"type": "error", "message": str(exc)})
        except WebSocketDisconnect:
            pass
        except Exception:  # never let one call take the server down
            log.exception("live call %s failed", self.call_id)
            close_code = 1011
        finally:
            await self._close(pump, close_code)

    async def _receive(self) -> bool:
        """Handle one frame; False once the client has gone."""
        msg = await self.ws.receive()
        if msg["type"] == "websocket.disconnect":
            return False
        if msg.get("bytes") is not None:
            if self.stream is None:
                raise BadFrame("binary audio before a start message")
            self.stream.feed(msg["bytes"])
            return True
        data = parse_message(msg.get("text") or "")
        handler = self.HANDLERS.get(data.get("type"))
        if handler is None:
            raise BadFrame(f"unknown message type {data.get('type')!r}")
        if isinstance(data.get("metadata"), dict):
            self._check_assignment(data["metadata"])
        await handler(self, data)
        return True

    def _check_assignment(self, metadata: dict[str, Any]) -> None:
        """An agent's stream cannot reassign the call; a supervisor/admin stream (a telephony
        platform) assigns it once, and never away from the agent who already has it."""
        session = self.engine.session(self.call_id)
        if self.who.role == "agent":
            metadata["agent_id"] = self.who.agent_id
            return
        agent = metadata.get("agent_id")
        if agent is None:
            return
        if session.owner not in (None, str(agent)):
            raise BadFrame(f"call {self.call_id} is already assigned to another agent", 1008)
        session.owner = str(agent)

    def _open_stream(self) -> None:
        if not self.streaming:
            self.streaming = True
            self.active[self.call_id] = self.active.get(self.call_id, 0) + 1

    def _close_stream(self) -> bool:
        """This connection's stream is over; True when it was the call's last one."""
        if self.streaming:
            self.streaming = False
            self.active[self.call_id] = self.active.get(self.call_id, 1) - 1
        if self.active.get(self.call_id, 0) <= 0:
            self.active.pop(self.call_id, None)
            return True
        return False

    async def _start(self, data: dict[str, Any]) -> None:
        if self.stream is not None:
            raise BadFrame("one audio stream per connection: open another for this channel")
        apply_call_info(self.engine.session(self.call_id), data)
        if self.engine.transcriber is None:
            raise BadFrame("this server has no ASR loaded; send text turns", 1011)
        self.stream = AudioStream(self.engine, self.call_id, data)
        self._open_stream()
        await self.queue.put({"type": "started", "role": self.stream.role})

    async def _turn(self, data: dict[str, Any]) -> None:
        self._open_stream()
        session = self.engine.session(self.call_id)
        apply_call_info(session, data)
        await self.engine.add_turn(self.call_id, text_turn(data, session))

    async def _info(self, data: dict[str, Any]) -> None:
        apply_call_info(self.engine.session(self.call_id), data)

    async def _stop(self, data: dict[str, Any]) -> None:
        if self.stream is not None:
            await self.stream.finish()
            self.stream = None
        if self._close_stream():
            self.engine.publish(self.engine.session(self.call_id),
                                await self.engine.finish(self.call_id))

    HANDLERS = {"start": _start, "turn": _turn, "info": _info, "stop": _stop}

    async def _close(self, pump: asyncio.Task, close_code: int) -> None:
        if self.stream is not None:
            self.stream.cancel()
        if self.streaming:
            self._close_stream()
        self.engine.close_listener(self.call_id, self.key)
        await _drain(pump, self.queue)
        with contextlib.suppress(Exception):
            await self.ws.close(code=close_code)


async def _pump(ws: WebSocket, queue: asyncio.Queue) -> None:
    """The only task that writes to this socket: events in queue order."""
    try:
        while True:
            event = await queue.get()
            if event is None:
                return
            await ws.send_text(json.dumps(event, ensure_ascii=False, default=str))
    except Exception:  # client gone: the receive loop notices and cleans up
        return


async def _drain(pump: asyncio.Task, queue: asyncio.Queue) -> None:
    """Let queued events (e.g. the error) go out, then stop the pump."""
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(None)
    try:
        await asyncio.wait_for(pump, timeout=2.0)
    except (asyncio.TimeoutError, Exception):
        pump.cancel()
