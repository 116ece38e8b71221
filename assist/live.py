"""Live calls: streaming endpointing + ASR + rules + suggestions, independent of the web layer.

One `LiveEngine` per server holds the shared models (one transcriber, one assistant, one
rulebook) and two thread pools: ASR (heavy, serialised on the model) and text work (emotion,
rules, retrieval: milliseconds), so a transcription backlog never delays suggestions for
already-transcribed turns. A `CallSession` per call id keeps the turns so far and fans events
out to every listener (the streaming client, the agent sidebar, supervisors).
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

import numpy as np

from hotline import defaults
from hotline.analytics.analyzer import LiveRules
from hotline.analytics.emotion import EmotionScorer
from hotline.analytics.rulebook import load_rulebook
from hotline.assist.assistant import ANGER_CUES, Assistant
from hotline.assist.language import check_options
from hotline.assist.metrics import LiveMetrics
from hotline.document import CallDocument, Emotion, Turn
from hotline.embed import Embedder
from hotline.errors import HotlineError
from hotline.privacy.redact import RedactionFailed, redact_document
from hotline.settings import Settings

log = logging.getLogger("hotline.live")

# Tunables (documented in docs/assist.md).
FRAME_S = 0.02             # endpointer frame
SPEECH_RMS_MIN = 0.008     # absolute floor for "speech" (about -42 dBFS)
NOISE_FACTOR = 3.0         # speech = RMS above noise floor x this
START_FRAMES = 3           # consecutive speech frames that open an utterance (60 ms)
HANGOVER_S = 0.5           # trailing silence that closes an utterance
PREROLL_S = 0.2            # audio kept before the detected start
MIN_UTTERANCE_S = 0.3      # shorter blips are dropped
MAX_UTTERANCE_S = 12.0     # a monologue is cut here so the agent gets text in time
PARTIAL_EVERY_S = 1.0      # partial transcript cadence while speaking (only when ASR is idle)
ASR_WORKERS = 1
TEXT_WORKERS = 2
ANGER_ALERT_SCORE = 0.5    # customer anger meter level that raises an escalation alert
ROLES = ("customer", "agent")
REDACT_CONTEXT_TURNS = 4   # earlier turns a live turn's redaction looks at (a card read over
                           # two turns, an answer to the agent's "your card number?")

Send = Callable[[dict[str, Any]], Awaitable[None]]
# ASR priorities: customer utterances drive suggestions, so they never queue behind the agent's
PRIO_CUSTOMER, PRIO_AGENT, PRIO_PARTIAL = 0, 1, 2


class LiveLimit(HotlineError):
    """A live call or the server hit a cap (sessions, turns per call): refuse, do not slow."""


def redact_live_turn(history: list[Turn], turn: Turn) -> str:
    """The turn's text with PII masked, judged with the last few (already redacted) turns as
    context; cost independent of call length. Fails closed: on any doubt, no text at all."""
    recent = [Turn(speaker=t.speaker, role=t.role, start=t.start, end=t.end, text=t.text)
              for t in history[-REDACT_CONTEXT_TURNS:]]
    mine = Turn(speaker=turn.speaker, role=turn.role, start=turn.start, end=turn.end,
                text=turn.text)
    doc = CallDocument(call_id="live", source="", duration=0.0, sample_rate=16000, channels=1,
                       language="auto", pipeline_version="live", turns=[*recent, mine])
    try:
        return redact_document(doc).turns[-1].text
    except RedactionFailed:
        return "[REDACTED]"


class PriorityASR:
    """Worker threads running the shared transcriber, most urgent utterance first."""

    def __init__(self, transcriber: Any, options: Any, workers: int = ASR_WORKERS) -> None:
        self.transcriber, self.options = transcriber, options
        self._heap: list[tuple[int, int, np.ndarray, Any, Future]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._closed = False
        self._threads = [threading.Thread(target=self._run, name=f"live-asr-{i}", daemon=True)
                         for i in range(workers)]
        for t in self._threads:
            t.start()

    def submit(self, samples: np.ndarray, priority: int, options: Any = None) -> Future:
        """Queue one decode (`options`: other than the live ones, e.g. the language check)."""
        fut: Future = Future()
        with self._cv:
            heapq.heappush(self._heap, (priority, next(self._seq), samples,
                                        options or self.options, fut))
            self._cv.notify()
        return fut

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._heap and not self._closed:
                    self._cv.wait()
                if self._closed:
                    return
                _, _, samples, options, fut = heapq.heappop(self._heap)
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(self.transcriber.transcribe(samples, options))
            except BaseException as exc:  # delivered to the awaiting session
                fut.set_exception(exc)

    def close(self) -> None:
        with self._cv:
            self._closed = True
            for *_, fut in self._heap:
                fut.cancel()
            self._heap.clear()
            self._cv.notify_all()


class Endpointer:
    """Energy-based VAD with an adaptive noise floor and a hangover: audio in, utterances out."""

    def __init__(self) -> None:
        self.frame = int(16000 * FRAME_S)
        self.noise = 0.003
        self.buf = np.zeros(0, np.float32)     # samples not yet framed
        self.speech: list[np.ndarray] = []     # frames of the open utterance
        self.preroll: list[np.ndarray] = []
        self.run = 0                           # consecutive speech frames (before open)
        self.silence = 0                       # trailing silent frames (while open)
        self.pos = 0                           # samples consumed
        self.start = 0                         # sample index where the open utterance starts

    @property
    def open(self) -> bool:
        return bool(self.speech)

    def feed(self, samples: np.ndarray) -> list[tuple[float, float, np.ndarray]]:
        """Feed 16 kHz float samples; returns closed utterances as (start_s, end_s, samples)."""
        self.buf = np.concatenate([self.buf, samples.astype(np.float32, copy=False)])
        out = []
        n = len(self.buf) // self.frame
        for i in range(n):
            frame = self.buf[i * self.frame:(i + 1) * self.frame]
            done = self._frame(frame)
            if done is not None:
                out.append(done)
        self.buf = self.buf[n * self.frame:]
        return out

    def _frame(self, frame: np.ndarray) -> tuple[float, float, np.ndarray] | None:
        rms = float(np.sqrt(np.mean(frame * frame)) + 1e-9)
        is_speech = rms > max(SPEECH_RMS_MIN, self.noise * NOISE_FACTOR)
        self.pos += len(frame)
        if not self.open:
            if not is_speech:
                self.noise = 0.95 * self.noise + 0.05 * rms
            self.preroll.append(frame)
            self.preroll = self.preroll[-int(PREROLL_S / FRAME_S) - START_FRAMES:]
            self.run = self.run + 1 if is_speech else 0
            if self.run >= START_FRAMES:
                self.speech = list(self.preroll)
                self.start = self.pos - sum(len(f) for f in self.speech)
                self.preroll, self.silence = [], 0
            return None
        self.speech.append(frame)
        self.silence = 0 if is_speech else self.silence + 1
        length = len(self.speech) * FRAME_S
        if self.silence * FRAME_S >= HANGOVER_S or length >= MAX_UTTERANCE_S:
            return self._close()
        return None

    def _close(self) -> tuple[float, float, np.ndarray] | None:
        keep = len(self.speech) - max(self.silence - 5, 0)   # trim the hangover, keep 100 ms
        audio = np.concatenate(self.speech[:keep]) if keep > 0 else np.zeros(0, np.float32)
        start = self.start / 16000
        self.speech, self.run, self.silence = [], 0, 0
        if len(audio) / 16000 < MIN_UTTERANCE_S:
            return None
        return start, start + len(audio) / 16000, audio

    def flush(self) -> tuple[float, float, np.ndarray] | None:
        """End of stream: close the open utterance, if any."""
        return self._close() if self.open else None

    def pending(self) -> np.ndarray | None:
        """The open utterance so far (for partial transcripts)."""
        return np.concatenate(self.speech) if self.open else None


@dataclass
class CallSession:
    """State of one live call; mutated under `lock` from the text pool."""

    call_id: str
    area: str | None = None
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)
    listeners: dict[int, asyncio.Queue] = field(default_factory=dict)
    rules: Any = None
    intents: list[str] = field(default_factory=list)
    anger: float = 0.0
    alerted: set[str] = field(default_factory=set)
    owner: str | None = None            # the agent id the call belongs to (web layer checks)
    flags: list[str] = field(default_factory=list)   # asr flags of its channels (language)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.time)


class LiveEngine:
    """Shared models + sessions; the web layer calls `open_listener`, `add_text_turn`, `asr_turn`."""

    def __init__(self, assistant: Assistant, transcriber: Any = None, asr_options: Any = None,
                 rules_factory: Callable[[str], Any] | None = None) -> None:
        self.assistant = assistant
        self.transcriber, self.asr_options = transcriber, asr_options
        self.rules_factory = rules_factory
        self.asr = PriorityASR(transcriber, asr_options) if transcriber is not None else None
        # each channel's language is judged once (assist/language.py): can an English-only
        # model transcribe it, or which language a multilingual model on `auto` hears
        self.multilingual = bool(getattr(transcriber, "multilingual", False))
        self.check_options = (check_options(asr_options) if transcriber is not None and (
            not self.multilingual or asr_options.language == "auto") else None)
        self.text_pool = ThreadPoolExecutor(TEXT_WORKERS, thread_name_prefix="live-text")
        self.sessions: dict[str, CallSession] = {}
        self.supervisors: dict[int, asyncio.Queue] = {}
        self.asr_busy = 0
        self.streams = 0        # open audio streams (partials only while a single one is live)
        self.metrics = LiveMetrics()   # suggestion latency, read by /metrics

    @classmethod
    def load(cls, settings: Settings, with_asr: bool = True,
             embedder: Embedder | None = None) -> LiveEngine:
        """Load everything once: assistant, transcriber (asr.load_transcriber), analytics rules.
        The assistant and the rulebook's semantic conditions share one MiniLM (`embedder`, the
        server's own when it passes one)."""
        embedder = embedder or Embedder.from_settings(settings, threads=1)
        assistant = Assistant.load(settings, embedder=embedder)
        transcriber = options = None
        if with_asr:
            from hotline.asr import ASROptions, load_transcriber

            transcriber = load_transcriber(settings)
            lang = "en" if not getattr(transcriber, "multilingual", False) else settings.language
            options = live_asr_options(ASROptions, lang, assistant.graph)
        return cls(assistant, transcriber, options, _rules_factory(settings, embedder))

    # --- sessions and listeners --------------------------------------------------------------
    def session(self, call_id: str) -> CallSession:
        """The call's session, opened on first use (LiveLimit past MAX_LIVE_SESSIONS)."""
        s = self.sessions.get(call_id)
        if s is None:
            if len(self.sessions) >= defaults.MAX_LIVE_SESSIONS:
                raise LiveLimit(f"{len(self.sessions)} live calls are open on this server "
                                f"(at most {defaults.MAX_LIVE_SESSIONS})")
            s = self.sessions[call_id] = CallSession(call_id)
            if self.rules_factory is not None:
                try:
                    s.rules = self.rules_factory("auto")
                except Exception:  # analytics is optional for live assist
                    log.exception("live rules unavailable; continuing without compliance reminders")
        return s

    def open_listener(self, call_id: str, key: int) -> asyncio.Queue:
        q: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self.session(call_id).listeners[key] = q
        return q

    def close_listener(self, call_id: str, key: int) -> None:
        s = self.sessions.get(call_id)
        if s is None:
            return
        s.listeners.pop(key, None)
        if not s.listeners:
            self.sessions.pop(call_id, None)

    def open_supervisor(self, key: int) -> asyncio.Queue:
        q: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self.supervisors[key] = q
        return q

    def publish(self, session: CallSession, event: dict[str, Any], supervisors: bool = False) -> None:
        """Fan an event out (event loop thread only); a full queue drops the event for that slow client."""
        event.setdefault("call_id", session.call_id)
        targets = list(session.listeners.values()) + (list(self.supervisors.values()) if supervisors else [])
        for q in targets:
            try:
                q.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("listener queue full on call %s; event dropped", session.call_id)

    # --- turns -------------------------------------------------------------------------------
    async def add_turn(self, call_id: str, turn: Turn, eou_wall: float | None = None) -> None:
        """A final turn (from ASR or a telephony platform): rules, emotion, suggestion, alerts."""
        session = self.session(call_id)
        loop = asyncio.get_running_loop()
        events = await loop.run_in_executor(self.text_pool, self._process_turn, session, turn)
        for event, to_supervisors in events:
            if event["type"] == "suggestion":
                if eou_wall is not None:
                    event["eou_to_suggestion_ms"] = round((time.perf_counter() - eou_wall) * 1000, 1)
                self.metrics.observe(event)
            self.publish(session, event, to_supervisors)

    def _process_turn(self, s: CallSession, turn: Turn) -> list[tuple[dict[str, Any], bool]]:
        with s.lock:
            index = len(s.turns)
            if index >= defaults.MAX_LIVE_TURNS:
                raise LiveLimit(f"call {s.call_id} has {index} turns (at most "
                                f"{defaults.MAX_LIVE_TURNS} per live call)")
            # nothing downstream (rules, suggestions, events, supervisors) sees the raw text
            turn.text = redact_live_turn(s.turns, turn)
            s.turns.append(turn)
            rule_events = self._rules(s, turn)
            if turn.emotion is None:
                turn.emotion = _cue_emotion(turn.text)
            out: list[tuple[dict[str, Any], bool]] = [(
                {"type": "turn", "turn": index, **_plain(turn), "words": []}, False)]
            for ev in rule_events:
                kind = "violation" if ev["kind"] == "violation" else "reminder"
                out.append(({"turn": index, **ev, "type": kind}, False))
            if turn.role == "agent":
                return out
            out.extend(self._customer(s, turn, index))
            return out

    def _customer(self, s: CallSession, turn: Turn, index: int) -> list[tuple[dict[str, Any], bool]]:
        emo = turn.emotion or Emotion()
        level = emo.score if emo.label == "angry" else (0.5 * emo.score if emo.label == "negative" else 0.0)
        s.anger = round(max(level, 0.6 * s.anger), 3)
        out: list[tuple[dict[str, Any], bool]] = [({
            "type": "emotion", "turn": index, "role": "customer", **asdict(emo), "meter": s.anger}, False)]
        context = [t.text for t in s.turns[:-1] if t.role != "agent"][-3:]
        t0 = time.perf_counter()
        sugg = self.assistant.suggest(turn.text, context=context, area=s.area,
                                      language=s.language, previous=s.intents[-1] if s.intents else None)
        ms = round((time.perf_counter() - t0) * 1000, 2)
        if sugg:
            if sugg[0].intent not in s.intents:
                s.intents.append(sugg[0].intent)
            out.append(({"type": "suggestion", "turn": index, "text": turn.text,
                         "suggestions": [x.to_dict() for x in sugg], "latency_ms": ms}, False))
        reason = None
        if s.anger >= ANGER_ALERT_SCORE:
            reason = "angry_customer"
        elif sugg and sugg[0].intent == "service.complaint_escalation":
            reason = "complaint"
        if reason and reason not in s.alerted:
            s.alerted.add(reason)
            out.append((self._alert(s, reason, turn, index), True))
        return out

    def _alert(self, s: CallSession, reason: str, turn: Turn, index: int) -> dict[str, Any]:
        g = self.assistant.graph
        lang = s.language or ("zh" if any("\u4e00" <= c <= "\u9fff" for c in turn.text) else "en")
        soothing = g.script("soothing")
        path = g.nodes.get("escalation.senior_agent")
        sla = g.nodes.get("policy.complaint_sla")
        return {"type": "alert", "kind": "escalation", "reason": reason, "turn": index,
                "text": turn.text, "anger": s.anger,
                "script": soothing.text("text", lang) if soothing else "",
                "path": path.text("title", lang) if path else "",
                "policy": sla.text("text", lang) if sla else ""}

    def _rules(self, s: CallSession, turn: Turn) -> list[dict[str, Any]]:
        if s.rules is None:
            return []
        try:
            events = s.rules.add_turn(turn)
        except Exception:
            log.exception("live rules failed on call %s", s.call_id)
            return []
        out = []
        for ev in events:
            d = asdict(ev) if is_dataclass(ev) else dict(ev)
            d["kind"] = "violation" if "evidence" in d else d.get("kind", "reminder")
            out.append(d)
        return out

    # --- audio -------------------------------------------------------------------------------
    async def transcribe(self, samples: np.ndarray, priority: int = PRIO_CUSTOMER,
                         options: Any = None) -> str:
        """The text of one utterance (see `transcribe_result`)."""
        return (await self.transcribe_result(samples, priority, options)).text.strip()

    def channel_options(self, language: str) -> Any:
        """The live options for a channel whose language a multilingual model on `auto` found:
        that language forced and the prompt's terms in it; None (keep the engine's) otherwise."""
        if not self.multilingual or self.asr_options is None or language not in ("en", "zh"):
            return None
        return dataclasses.replace(self.asr_options, language=language,
                                   hotwords=live_hotwords(language, self.assistant.graph))

    async def transcribe_result(self, samples: np.ndarray, priority: int = PRIO_CUSTOMER,
                                options: Any = None) -> Any:
        """Run the shared transcriber off the event loop (customer first, partials last)."""
        self.asr_busy += 1
        try:
            return await asyncio.wrap_future(self.asr.submit(samples, priority, options))
        finally:
            self.asr_busy -= 1

    def add_unheard(self, call_id: str, turn: Turn, flag: str) -> None:
        """A turn the model cannot transcribe: shown as such, with no text; nothing downstream
        (rules, emotion, suggestions) sees it."""
        event = {"type": "turn", "turn": None, **_plain(turn), "text": "", "words": [],
                 "flags": [flag]}
        self.publish(self.session(call_id), event)

    def flag_channel(self, call_id: str, role: str, flag: str, message: str) -> None:
        """A channel turned out not transcribable: the call is flagged, listeners and
        supervisors told once per channel."""
        s = self.session(call_id)
        if flag not in s.flags:
            s.flags.append(flag)
        self.publish(s, {"type": "notice", "code": flag, "role": role, "message": message},
                     supervisors=True)

    async def finish(self, call_id: str) -> dict[str, Any]:
        """End of call: settle whole-call rules; returns the summary event."""
        s = self.sessions.get(call_id)
        if s is None:
            return {"type": "end", "call_id": call_id, "turns": 0}
        loop = asyncio.get_running_loop()

        def settle() -> list[dict[str, Any]]:
            with s.lock:
                if s.rules is None or s.flags:   # like batch: no whole-call rules on a call
                    return []                    # whose speech could not be transcribed
                try:
                    end = max((t.end for t in s.turns), default=0.0)
                    return [asdict(v) for v in s.rules.finish(end)]
                except Exception:
                    log.exception("live rules finish failed on call %s", call_id)
                    return []

        violations = await loop.run_in_executor(self.text_pool, settle)
        return {"type": "end", "call_id": call_id, "turns": len(s.turns), "intents": s.intents,
                "violations": violations, "flags": list(s.flags)}

    def close(self) -> None:
        if self.asr is not None:
            self.asr.close()
        self.text_pool.shutdown(wait=False, cancel_futures=True)


def live_asr_options(options_cls: Any, language: str, graph: Any) -> Any:
    """Short utterances, our own endpointing: no Whisper VAD, no word times; the prompt's terms
    in the channel's language (`live_hotwords`)."""
    return options_cls(language=language, vad_filter=False, word_timestamps=False,
                       temperature=(0.0, 0.4), condition_on_previous_text=False,
                       hotwords=live_hotwords(language, graph),
                       judge_language=False)   # the channel is judged (assist/language.py)


def live_hotwords(language: str, graph: Any) -> str | None:
    """The telecom terms and the graph's area names (so "Haidian" is not heard as "Haiti"), in
    the language of the speech; none while that is unknown (a multilingual model on `auto`
    before the channel's check), so Mandarin is never prompted with English terms."""
    from hotline import defaults

    if language not in ("en", "zh"):
        return None
    zh = language == "zh"
    names = []
    for area in graph.of_type("areas"):
        spoken = [str(area.data["name"]), *map(str, area.data.get("aliases", []))]
        names += [n for n in spoken if _has_cjk(n) == zh][:1]
    if zh:
        return "，".join([defaults.ZH_HOTWORDS, *names])
    return ", ".join([defaults.TELECOM_HOTWORDS, *names])


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _plain(turn: Turn) -> dict[str, Any]:
    return asdict(turn)


def _cue_emotion(text: str) -> Emotion:
    """Fallback when analytics is not available: lexical anger cues only."""
    if ANGER_CUES.search(text):
        return Emotion(label="angry", score=0.7, valence=-0.7, arousal=0.7)
    return Emotion(label="neutral", score=0.5)


def _rules_factory(settings: Settings, embedder: Embedder) -> Callable[[str], Any]:
    """Analytics' incremental rule engine (rulebook + emotion scorer loaded once)."""
    rulebook = load_rulebook(settings.rulebook or None, embedder)
    emotion = EmotionScorer.load(settings)
    return lambda language: LiveRules(rulebook, emotion, language=language)
