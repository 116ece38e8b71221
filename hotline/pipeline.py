"""The spine: one recording in, a diarized, role-labelled, analysed, redacted call document out.

`Pipeline.load(settings)` loads every model once; `process()` is then called per recording
(the batch worker keeps one Pipeline per process). Stages are plain functions over dataclasses,
timed into `doc.timings`, with an injectable progress hook (pyannote style).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotline import defaults
from hotline.analytics.analyzer import CallAnalyzer
from hotline.asr import load_transcriber
from hotline.asr.language import LANGUAGE_UNSUPPORTED
from hotline.asr.options import ASROptions
from hotline.assist.assistant import Assistant
from hotline.audio import content_id, decode_audio
from hotline.diarization import (
    TURN_SPLIT_GAP_S,
    channel_speakers,
    channel_turns,
    diarize_stereo,
    is_dual_mono,
    load_diarizer,
    speech_turns,
    words_to_turns,
)
from hotline.document import CallDocument, Turn
from hotline.embed import Embedder
from hotline.privacy.audio_redact import export_redacted_audio
from hotline.privacy.redact import redact_document
from hotline.settings import Settings

log = logging.getLogger(__name__)

ProgressHook = Callable[[str], None]


@dataclass
class PipelineModels:
    """Everything loaded once per process and shared by every call."""

    transcriber: Any
    diarizer: Any
    analyzer: Any | None = None
    assistant: Any | None = None
    embedder: Any | None = None     # the one MiniLM (rules, intents, the worker's call vectors)


@dataclass
class TurnsResult:
    """What the speech stages produce: turns, which speaker sits on which channel, language,
    and the ASR summary (`doc.asr`: confidence and flags, per channel for stereo)."""

    turns: list[Turn]
    channel_roles: dict[str, str] | None
    language: str
    asr: dict[str, Any] = field(default_factory=dict)


class Pipeline:
    def __init__(self, settings: Settings, models: PipelineModels,
                 progress: ProgressHook | None = None):
        self.settings = settings
        self.models = models
        self.progress = progress or (lambda stage: None)

    @classmethod
    def load(cls, settings: Settings, progress: ProgressHook | None = None,
             analytics: bool = True, intents: bool = True) -> Pipeline:
        """Load ASR, diarizer, analyzer and assistant once."""
        models = PipelineModels(transcriber=load_transcriber(settings),
                                diarizer=load_diarizer(settings),
                                embedder=Embedder.from_settings(settings, threads=None))
        if analytics:
            models.analyzer = CallAnalyzer.load(settings, models.embedder, warm=False)
        if intents:
            models.assistant = Assistant.load(settings, embedder=models.embedder, warm=False)
        return cls(settings, models, progress)

    def process(self, path: str | os.PathLike, stereo_agent: str | None = None,
                language: str | None = None, metadata: dict[str, Any] | None = None,
                audio: Any | None = None) -> CallDocument:
        """Run every stage on one recording; raises RecordingRejected for bad input.

        `audio` may be passed when the caller already decoded `path` (to reject bad input
        before loading any model).
        """

        timings: dict[str, float] = {}
        with _timed(timings, "decode"), self._stage("decode"):
            if audio is None:
                audio = decode_audio(path, max_duration=self.settings.max_duration)
            call_id = content_id(path)
        doc = self._skeleton(call_id, str(path), audio, metadata)
        if not audio.is_silent:
            result = self._speech(audio, stereo_agent or self.settings.stereo_agent,
                                  language or self.settings.language, timings)
            doc.turns, doc.language, doc.asr = result.turns, result.language, result.asr
            with _timed(timings, "roles"), self._stage("roles"):
                doc.speakers = _assign_roles(result)
            self._enrich(doc, audio, timings)
        with _timed(timings, "redact"), self._stage("redact"):
            redact_document(doc, salt=self.settings.pii_salt)
            self._export_redacted_audio(doc, audio, path)
        doc.timings = timings
        return doc

    def _speech(self, audio: Any, stereo_agent: str, language: str,
                timings: dict[str, float]) -> TurnsResult:

        options = ASROptions(language=language, hotwords=self.settings.hotwords)
        if audio.samples.shape[0] == 2 and not is_dual_mono(audio.samples):
            return self._stereo(audio, stereo_agent, options, timings)
        return self._mono(audio, options, timings)

    def _stereo(self, audio: Any, stereo_agent: str, options: Any,
                timings: dict[str, float]) -> TurnsResult:
        """Each channel is one speaker: transcribe them separately, exact attribution."""

        with _timed(timings, "asr"), self._stage("asr"):
            transcripts = [self.models.transcriber.transcribe(audio.samples[channel], options)
                           for channel in (0, 1)]
        with _timed(timings, "diarize"), self._stage("diarize"):
            turns = channel_turns({f"S{c}": t.words for c, t in enumerate(transcripts)})
            unsupported = {f"S{c}" for c, t in enumerate(transcripts) if _unsupported(t)}
            if unsupported:   # that channel's speech, timed by VAD, with no invented text
                vad = getattr(self.models.diarizer, "vad_model", None)
                segments = [s for s in diarize_stereo(audio.samples, vad).segments
                            if s.speaker in unsupported]
                turns = sorted(turns + speech_turns(segments, overlapping=True),
                               key=lambda t: (t.start, t.end))
        summary = asr_summary(transcripts, self._model_name())
        return TurnsResult(turns, channel_speakers(stereo_agent), summary["language"], summary)

    def _mono(self, audio: Any, options: Any, timings: dict[str, float]) -> TurnsResult:

        mono = audio.mono
        with _timed(timings, "asr"), self._stage("asr"):
            transcript = self.models.transcriber.transcribe(mono, options)
        with _timed(timings, "diarize"), self._stage("diarize"):
            if _unsupported(transcript):   # text-less turns, second speakers on overlaps kept
                turns = words_to_turns([], self.models.diarizer.diarize(mono, None),
                                       TURN_SPLIT_GAP_S)
            else:
                diarization = self.models.diarizer.diarize(mono, transcript.words)
                turns = words_to_turns(transcript.words, diarization)
        summary = asr_summary([transcript], self._model_name())
        return TurnsResult(turns, None, summary["language"], summary)

    def _model_name(self) -> str:
        name = getattr(self.models.transcriber, "model_name", "") or self.settings.asr_model
        return "tiny.en" if name == "bundled" else name

    def _enrich(self, doc: CallDocument, audio: Any, timings: dict[str, float]) -> None:
        """Analytics (emotion, rules, metrics) and intents; both optional models.

        Skipped when the speech is in a language the model cannot transcribe: the turns carry
        no text, and rules such as greeting.missing would report what no one can know.
        """
        if LANGUAGE_UNSUPPORTED in doc.asr_flags:
            doc.metrics["analytics_skipped"] = LANGUAGE_UNSUPPORTED
            return
        if self.models.analyzer is not None:
            with _timed(timings, "analytics"), self._stage("analytics"):
                self.models.analyzer.analyze(doc, audio)
        if self.models.assistant is not None:
            with _timed(timings, "intents"), self._stage("intents"):
                doc.intents = self.models.assistant.call_intents(doc)

    def _export_redacted_audio(self, doc: CallDocument, audio: Any, path: Any) -> None:
        """A copy with the redacted spans muted, for playback by roles that must not hear PII."""
        if not (self.settings.redacted_audio and doc.redactions):
            return

        out = Path(self.settings.data_dir) / "redacted_audio" / f"{doc.call_id}.wav"
        doc.metadata["redacted_audio"] = export_redacted_audio(path, doc, out, audio=audio)

    def _skeleton(self, call_id: str, source: str, audio: Any,
                  metadata: dict[str, Any] | None) -> CallDocument:
        meta = {**sidecar_metadata(source), **(metadata or {})}
        for key in PIPELINE_ONLY_KEYS:      # only this pipeline writes these, never an input
            meta.pop(key, None)
        meta.setdefault("date", _file_date(source))
        return CallDocument(
            call_id=call_id, source=source, duration=round(audio.duration, 3),
            sample_rate=audio.source_rate, channels=audio.source_channels,
            language=self.settings.language if self.settings.language != "auto" else "en",
            pipeline_version=defaults.PIPELINE_VERSION, metadata=meta,
        )

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        self.progress(name)
        yield


def _assign_roles(result: TurnsResult) -> list:
    from hotline.diarization import assign_roles

    return assign_roles(result.turns, result.channel_roles)


def _language(code: str | None) -> str:
    return "zh" if (code or "").startswith("zh") else (code or "en")


def _unsupported(transcript: Any) -> bool:
    return LANGUAGE_UNSUPPORTED in getattr(transcript, "flags", [])


def asr_summary(transcripts: list[Any], model: str) -> dict[str, Any]:
    """`doc.asr`: the call's language, confidence (the least trusted channel) and flags (any
    channel's), and for stereo the same per channel."""
    channels = [{"channel": c, "language": _language(t.language),
                 "language_probability": round(float(t.language_probability), 3),
                 "confidence": round(float(t.confidence), 3), "flags": list(t.flags)}
                for c, t in enumerate(transcripts)]
    spoken = [ch for ch, t in zip(channels, transcripts, strict=True) if t.words or t.flags]
    main = spoken or channels
    languages = [ch["language"] for ch in main]
    language = max(set(languages), key=languages.count)
    summary: dict[str, Any] = {
        "model": model, "language": language,
        "language_probability": min(ch["language_probability"] for ch in main),
        "confidence": min(ch["confidence"] for ch in main),
        "flags": sorted({f for ch in channels for f in ch["flags"]}),
    }
    if len(channels) > 1:
        summary["channels"] = channels
    return summary


@contextmanager
def _timed(timings: dict[str, float], key: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[key] = round(timings.get(key, 0.0) + time.perf_counter() - start, 4)


# metadata keys that name files on disk: taken from an input they could point the web server
# at any file, so they are dropped at ingest (the server ignores them anyway)
PIPELINE_ONLY_KEYS = ("redacted_audio", "redacted_source")


def sidecar_metadata(source: str) -> dict[str, Any]:
    """Call metadata from a telephony export beside the audio (`<name>.json`, key "metadata")."""
    path = Path(source).with_suffix(".json")
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable metadata file %s: %s", path, exc)
        return {}
    meta = data.get("metadata") if isinstance(data, dict) else None
    return dict(meta) if isinstance(meta, dict) else {}


def _file_date(source: str) -> str:
    try:
        return dt.date.fromtimestamp(os.path.getmtime(source)).isoformat()
    except OSError:
        return dt.date.today().isoformat()
