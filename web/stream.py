"""The live call protocol's pieces: a bad frame, one audio channel of a call, and the JSON
messages (parsed, checked, turned into turns and call info)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from typing import Any

import numpy as np

from hotline import defaults
from hotline.assist.language import UNSUPPORTED_MESSAGE, ChannelLanguage
from hotline.assist.live import PRIO_AGENT, PRIO_CUSTOMER, PRIO_PARTIAL, ROLES, Endpointer
from hotline.audio import PcmStream
from hotline.document import Turn
from hotline.errors import HotlineError
from hotline.privacy.redact import redact_text

log = logging.getLogger("hotline.live")
MAX_FRAME_BYTES = 1 << 20          # one binary frame: at most ~32 s of 16 kHz s16le
RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)


class BadFrame(Exception):
    """The client sent something we cannot use; `code` is the WebSocket close code."""

    def __init__(self, message: str, code: int = 1003):
        super().__init__(message)
        self.code = code


def _pcm(msg: dict[str, Any]) -> PcmStream:
    rate = msg.get("rate", 16000)
    if rate not in RATES:
        raise BadFrame(f"rate must be one of {RATES}, got {rate!r}")
    try:
        return PcmStream(str(msg.get("encoding", "s16le")), int(rate))
    except HotlineError as exc:
        raise BadFrame(str(exc)) from exc


class AudioStream:
    """One audio channel of a call: decode -> endpoint -> ASR worker -> engine.add_turn."""

    def __init__(self, engine: Any, call_id: str, msg: dict[str, Any]):
        role = msg.get("role", "customer")
        if role not in ROLES:
            raise BadFrame(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        self.pcm = _pcm(msg)
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
        # the channel's language is judged once (assist/language.py)
        self.language = ChannelLanguage() if engine.check_options is not None else None
        self.options: Any = None      # the engine's live options until the check says otherwise
        self._check_task: asyncio.Task | None = None

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
            text = await self.engine.transcribe(audio, PRIO_PARTIAL, self.options)
            if text:
                s = self.engine.session(self.call_id)
                self.engine.publish(s, {"type": "partial", "role": self.role,
                                        "text": redact_text(text)})

    async def _work(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            start, end, audio, eou = item
            turn = Turn(speaker=self.speaker, role=self.role, start=round(start, 2),
                        end=round(end, 2), text="")
            if not self.unsupported:          # a flagged channel's speech is not decoded
                try:
                    turn.text = await self.engine.transcribe(audio, self.priority, self.options)
                except Exception:
                    log.exception("ASR failed on call %s", self.call_id)
                    continue
            if self.unsupported:              # flagged before or while this was decoded
                self.engine.add_unheard(self.call_id, turn, self.language.verdict)
                continue
            if turn.text:
                await self.engine.add_turn(self.call_id, turn, eou_wall=eou)
            if self.language is not None and self.language.add(audio):
                self._check_language()

    @property
    def unsupported(self) -> bool:
        """This channel's speech turned out not transcribable by the model."""
        return self.language is not None and self.language.unsupported

    def _check_language(self) -> None:
        if self._check_task is None:
            self._check_task = asyncio.create_task(self._language_check())

    async def _language_check(self) -> None:
        """Decode the channel's first speech once more, as the batch does, and judge it; after
        partials in priority, so no final utterance waits for it."""
        try:
            tr = await self.engine.transcribe_result(self.language.audio(), PRIO_PARTIAL,
                                                     self.engine.check_options)
        except Exception:
            log.exception("language check failed on call %s", self.call_id)
            return
        unsupported = self.language.settle(tr.flags, tr.language)
        self.options = self.engine.channel_options(tr.language) or self.options
        if unsupported:
            self.engine.flag_channel(self.call_id, self.role, self.language.verdict,
                                     UNSUPPORTED_MESSAGE)

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
            lang = self.language
            if lang is not None and lang.verdict is None \
                    and lang.heard_s >= defaults.LIVE_LANGUAGE_MIN_S:
                self._check_language()        # a short call: judged on what it had
            if self._check_task is not None:
                await self._check_task        # the verdict reaches listeners before "end"
        finally:
            self._release()

    def _release(self) -> None:
        if not self._closed:
            self._closed = True
            self.engine.streams -= 1

    def cancel(self) -> None:
        self._release()
        self.worker.cancel()
        for task in (self._partial_task, self._check_task):
            if task:
                task.cancel()


def _no_constant(name: str) -> Any:
    raise BadFrame(f"{name} is not a number JSON allows", 1007)


def parse_message(text: str) -> dict[str, Any]:
    """One client text frame: a JSON object (NaN/Infinity refused), or BadFrame."""
    if len(text) > defaults.MAX_LIVE_TEXT_CHARS:
        raise BadFrame(f"text message of {len(text)} characters; at most "
                       f"{defaults.MAX_LIVE_TEXT_CHARS}", 1009)
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BadFrame(f"not JSON: {exc.msg}", 1007) from exc
    if not isinstance(data, dict):
        raise BadFrame("a message must be a JSON object", 1007)
    return data


def apply_call_info(session: Any, data: dict[str, Any]) -> None:
    """Area, language and metadata a start/turn/info message carries (bounded in size)."""
    if data.get("area"):
        session.area = str(data["area"])[:200]
    if data.get("language") in ("en", "zh"):
        session.language = data["language"]
    if isinstance(data.get("metadata"), dict):
        merged = {**session.metadata, **data["metadata"]}
        size = len(json.dumps(merged, ensure_ascii=False, default=str))
        if size > defaults.MAX_LIVE_INFO_CHARS:
            raise BadFrame(f"call metadata of {size} characters; at most "
                           f"{defaults.MAX_LIVE_INFO_CHARS}", 1009)
        session.metadata = merged
        session.area = str(session.metadata.get("area") or session.area or "")[:200] or None


def text_turn(data: dict[str, Any], session: Any) -> Turn:
    """A turn message from a telephony platform (already transcribed) as a Turn."""
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
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < start:
        raise BadFrame("turn start/end must be finite seconds with 0 <= start <= end", 1007)
    return Turn(speaker="S1" if role == "customer" else "S0", role=role, start=start, end=end,
                text=text.strip())
