"""Live agent assist over HTTP/WebSocket: call streams, the agent sidebar, supervisors, live facts.

Protocol (`/ws/call/{call_id}`; every connection is one stream *or* a pure listener):
  client -> {"type": "start", "role": "customer"|"agent", "encoding": "s16le"|"mulaw"|"alaw",
             "rate": 16000|8000, "area": "Haidian", "language": "en", "partials": true}
  client -> binary frames of PCM for that one channel (after "start")
  client -> {"type": "turn", "role": "customer", "text": "...", "start": 1.0, "end": 2.5}
             (already-transcribed turns from a telephony platform; no "start" needed)
  client -> {"type": "stop"}     end of this stream; when no stream of the call is left: "end"
  server -> ready | partial | turn | suggestion | emotion | reminder | violation | alert | end | error
A bad frame answers {"type": "error"} and closes only that connection (code 1003/1007).
`/ws/supervisor` receives every escalation alert of every call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from hotline.assist.live import PRIO_AGENT, PRIO_CUSTOMER, PRIO_PARTIAL
from hotline.config import Settings
from hotline.errors import HotlineError

log = logging.getLogger("hotline.live")
STATIC = Path(__file__).parent / "static" / "live"
MAX_FRAME_BYTES = 1 << 20          # one binary frame: at most ~32 s of 16 kHz s16le
MAX_TEXT_CHARS = 20_000
RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)


class BadFrame(Exception):
    """The client sent something we cannot use; `code` is the WebSocket close code."""

    def __init__(self, message: str, code: int = 1003):
        super().__init__(message)
        self.code = code


class _Lazy:
    """Load the live engine once, in a worker thread, on first use."""

    def __init__(self, settings: Settings, engine: Any = None):
        self.settings = settings
        self._engine: Any = engine
        self._facts: Any = None
        self._lock = threading.Lock()

    def engine_sync(self) -> Any:
        with self._lock:
            if self._engine is None:
                from hotline.assist.live import LiveEngine

                self._engine = LiveEngine.load(self.settings)
            return self._engine

    async def engine(self) -> Any:
        if self._engine is not None:
            return self._engine
        return await asyncio.to_thread(self.engine_sync)

    def facts(self) -> Any:
        with self._lock:
            if self._facts is None:
                from hotline.assist.facts import FactsStore
                from hotline.store.db import Database

                self._facts = FactsStore(Database(self.settings.db_url))
            return self._facts


class _Stream:
    """One audio channel of a call: decode -> endpoint -> ASR worker -> engine.add_turn."""

    def __init__(self, engine: Any, call_id: str, msg: dict[str, Any]):
        from hotline.assist.live import ROLES, Endpointer
        from hotline.audio import PcmStream

        role = msg.get("role", "customer")
        if role not in ROLES:
            raise BadFrame(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        rate = msg.get("rate", 16000)
        if rate not in RATES:
            raise BadFrame(f"rate must be one of {RATES}, got {rate!r}")
        try:
            self.pcm = PcmStream(str(msg.get("encoding", "s16le")), int(rate))
        except HotlineError as exc:
            raise BadFrame(str(exc)) from exc
        self.engine, self.call_id, self.role = engine, call_id, role
        self.speaker = "S1" if role == "customer" else "S0"
        self.priority = PRIO_CUSTOMER if role == "customer" else PRIO_AGENT
        self.partials = bool(msg.get("partials", True))
        self.ep = Endpointer()
        self.queue: asyncio.Queue = asyncio.Queue()
        self.worker = asyncio.create_task(self._work())
        engine.streams += 1
        self._closed = False
        self._last_partial = 0.0
        self._partial_task: asyncio.Task | None = None

    def feed(self, data: bytes) -> None:
        if len(data) > MAX_FRAME_BYTES:
            raise BadFrame(f"binary frame of {len(data)} bytes is over {MAX_FRAME_BYTES}", 1009)
        try:
            samples = self.pcm.feed(data)
        except HotlineError as exc:
            raise BadFrame(f"bad audio frame: {exc}", 1007) from exc
        for utt in self.ep.feed(samples):
            self.queue.put_nowait((*utt, time.perf_counter()))
        self._maybe_partial()

    def _maybe_partial(self) -> None:
        pending_s = len(self.ep.speech) * 0.02 if self.ep.open else 0.0
        # partials only when ASR is idle and this is the only live stream: a final utterance
        # must never wait behind someone's partial
        if (not self.partials or not self.ep.open or self.engine.asr_busy or self.engine.streams > 1
                or pending_s - self._last_partial < 1.0
                or (self._partial_task and not self._partial_task.done())):
            if not self.ep.open:
                self._last_partial = 0.0
            return
        self._last_partial = pending_s
        audio = self.ep.pending()
        self._partial_task = asyncio.create_task(self._partial(audio))

    async def _partial(self, audio: np.ndarray) -> None:
        with contextlib.suppress(Exception):
            text = await self.engine.transcribe(audio, PRIO_PARTIAL)
            if text:
                s = self.engine.session(self.call_id)
                self.engine.publish(s, {"type": "partial", "role": self.role, "text": text})

    async def _work(self) -> None:
        from hotline.document import Turn

        while True:
            item = await self.queue.get()
            if item is None:
                return
            start, end, audio, eou = item
            try:
                text = await self.engine.transcribe(audio, self.priority)
            except Exception:
                log.exception("ASR failed on call %s", self.call_id)
                continue
            if text:
                turn = Turn(speaker=self.speaker, role=self.role, start=round(start, 2),
                            end=round(end, 2), text=text)
                await self.engine.add_turn(self.call_id, turn, eou_wall=eou)

    async def finish(self) -> None:
        """Flush the resampler and the open utterance; wait until every turn is processed."""
        with contextlib.suppress(HotlineError):
            for utt in self.ep.feed(self.pcm.feed(b"", last=True)):
                self.queue.put_nowait((*utt, time.perf_counter()))
        last = self.ep.flush()
        if last:
            self.queue.put_nowait((*last, time.perf_counter()))
        self.queue.put_nowait(None)
        try:
            await self.worker
        finally:
            self._release()

    def _release(self) -> None:
        if not self._closed:
            self._closed = True
            self.engine.streams -= 1

    def cancel(self) -> None:
        self._release()
        self.worker.cancel()
        if self._partial_task:
            self._partial_task.cancel()


def make_router(settings: Settings, engine: Any = None) -> APIRouter:
    """Routes: /ws/call/{id}, /ws/supervisor, /live (sidebar), /api/live/facts, /api/assist.

    `engine` (an `assist.live.LiveEngine`) is loaded lazily from `settings` unless given
    (tests and benchmarks share one loaded engine).
    """
    router = APIRouter()
    lazy = _Lazy(settings, engine)
    active: dict[str, int] = {}   # call_id -> open audio/turn streams

    @router.get("/live", response_class=HTMLResponse)
    async def sidebar() -> HTMLResponse:
        return HTMLResponse((STATIC / "sidebar.html").read_text(encoding="utf-8"))

    @router.get("/live/static/{name}")
    async def static(name: str) -> FileResponse:
        path = STATIC / name
        if "/" in name or ".." in name or not path.is_file():
            raise HTTPException(404, "no such file")
        return FileResponse(path)

    @router.get("/api/live/facts")
    async def get_facts(area: str | None = None) -> dict[str, Any]:
        store = await asyncio.to_thread(lazy.facts)
        rows = await asyncio.to_thread(lambda: store.for_area(area) if area else store.all())
        return {"facts": [f.to_dict() for f in rows]}

    @router.post("/api/live/facts")
    async def post_facts(request: Request) -> JSONResponse:
        from hotline.assist.facts import parse_feed

        body = (await request.body()).decode("utf-8", errors="replace")
        store = await asyncio.to_thread(lazy.facts)
        try:
            n = await asyncio.to_thread(store.upsert, parse_feed(body, "request body"))
        except HotlineError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"loaded": n})

    @router.get("/api/assist")
    async def assist(q: str, area: str | None = None, language: str | None = None) -> dict[str, Any]:
        engine = await lazy.engine()
        t0 = time.perf_counter()
        out = await asyncio.to_thread(engine.assistant.suggest, q, None, area, language)
        return {"suggestions": [s.to_dict() for s in out],
                "latency_ms": round((time.perf_counter() - t0) * 1000, 2)}

    @router.websocket("/ws/supervisor")
    async def supervisor(ws: WebSocket) -> None:
        await ws.accept()
        engine = await lazy.engine()
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
    async def call(ws: WebSocket, call_id: str) -> None:
        await ws.accept()
        engine = await lazy.engine()
        key = id(ws)
        queue = engine.open_listener(call_id, key)
        pump = asyncio.create_task(_pump(ws, queue))
        stream: _Stream | None = None
        streaming = False
        close_code = 1000
        try:
            await queue.put({"type": "ready", "call_id": call_id})
            while True:
                msg = await ws.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                if msg.get("bytes") is not None:
                    if stream is None:
                        raise BadFrame("binary audio before a start message")
                    stream.feed(msg["bytes"])
                    continue
                data = _parse(msg.get("text") or "")
                kind = data.get("type")
                if kind == "start":
                    if stream is not None:
                        raise BadFrame("one audio stream per connection: open another for this channel")
                    _apply_call_info(engine.session(call_id), data)
                    if engine.transcriber is None:
                        raise BadFrame("this server has no ASR loaded; send text turns", 1011)
                    stream = _Stream(engine, call_id, data)
                    if not streaming:
                        streaming = True
                        active[call_id] = active.get(call_id, 0) + 1
                    await queue.put({"type": "started", "role": stream.role})
                elif kind == "turn":
                    if not streaming:
                        streaming = True
                        active[call_id] = active.get(call_id, 0) + 1
                    _apply_call_info(engine.session(call_id), data)
                    await engine.add_turn(call_id, _text_turn(data, engine.session(call_id)))
                elif kind == "info":
                    _apply_call_info(engine.session(call_id), data)
                elif kind == "stop":
                    if stream is not None:
                        await stream.finish()
                        stream = None
                    if streaming:
                        streaming = False
                        active[call_id] -= 1
                    if active.get(call_id, 0) <= 0:
                        active.pop(call_id, None)
                        engine.publish(engine.session(call_id), await engine.finish(call_id))
                else:
                    raise BadFrame(f"unknown message type {kind!r}")
        except BadFrame as exc:
            close_code = exc.code
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait({"type": "error", "message": str(exc)})
        except WebSocketDisconnect:
            pass
        except Exception:  # never let one call take the server down
            log.exception("live call %s failed", call_id)
            close_code = 1011
        finally:
            if stream is not None:
                stream.cancel()
            if streaming:
                active[call_id] = active.get(call_id, 1) - 1
                if active[call_id] <= 0:
                    active.pop(call_id, None)
            engine.close_listener(call_id, key)
            await _drain(pump, queue)
            with contextlib.suppress(Exception):
                await ws.close(code=close_code)

    return router


def _parse(text: str) -> dict[str, Any]:
    if len(text) > MAX_TEXT_CHARS:
        raise BadFrame("text message too long", 1009)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadFrame(f"not JSON: {exc.msg}", 1007) from exc
    if not isinstance(data, dict):
        raise BadFrame("a message must be a JSON object", 1007)
    return data


def _apply_call_info(session: Any, data: dict[str, Any]) -> None:
    if data.get("area"):
        session.area = str(data["area"])
    if data.get("language") in ("en", "zh"):
        session.language = data["language"]
    if isinstance(data.get("metadata"), dict):
        session.metadata.update(data["metadata"])
        session.area = session.metadata.get("area") or session.area


def _text_turn(data: dict[str, Any], session: Any) -> Any:
    from hotline.document import Turn

    role = data.get("role", "customer")
    text = data.get("text")
    if role not in ("customer", "agent") or not isinstance(text, str) or not text.strip():
        raise BadFrame("a turn needs role customer|agent and non-empty text", 1007)
    last = session.turns[-1].end if session.turns else 0.0
    try:
        start = float(data.get("start", last))
        end = float(data.get("end", start))
    except (TypeError, ValueError) as exc:
        raise BadFrame("turn start/end must be numbers", 1007) from exc
    return Turn(speaker="S1" if role == "customer" else "S0", role=role, start=start, end=end,
                text=text.strip())


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
