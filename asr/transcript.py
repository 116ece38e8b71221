"""What every ASR backend returns: segments with word timestamps, plus hallucination guards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from hotline import defaults
from hotline.asr.language import LANGUAGE_UNSUPPORTED, assess
from hotline.asr.options import ASROptions
from hotline.document import Word


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0
    temperature: float = 0.0


@dataclass
class Transcript:
    words: list[Word]
    segments: list[Segment]
    language: str
    duration: float
    language_probability: float = 1.0
    confidence: float = 1.0     # asr/language.py: trust in this transcript, 0..1
    flags: list[str] = field(default_factory=list)   # language_unsupported, low_confidence

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments).strip()


def keep_segment(segment: Segment, options: ASROptions) -> bool:
    """Whisper's own silence rule, applied again per segment, plus a repetition-loop guard.

    Drops text the model produced over non-speech (high no_speech_prob with low confidence),
    loops that survived the temperature fallback (compression ratio above the threshold), and
    decodes that failed at every temperature (the hottest one still below the log-probability
    threshold): that is where "Thank you." gets appended to a 2-second sentence.
    """
    if not segment.text.strip() or failed_decode(segment, options):
        return False
    if (
        segment.no_speech_prob > options.no_speech_threshold
        and segment.avg_logprob < options.log_prob_threshold
    ):
        return False
    return segment.compression_ratio <= options.compression_ratio_threshold


def failed_decode(segment: Segment, options: ASROptions) -> bool:
    """Whisper's fallback ran out: decoded at the hottest temperature and still unsure."""
    return (
        len(options.temperature) > 1
        and segment.temperature >= max(options.temperature)
        and segment.avg_logprob < options.log_prob_threshold
    )


def spread_words(segment: Segment) -> list[Word]:
    """Approximate word times when a backend gave none: spread evenly over the segment."""
    tokens = segment.text.split()
    if not tokens:
        return []
    step = (segment.end - segment.start) / len(tokens)
    return [
        Word(token, round(segment.start + i * step, 3), round(segment.start + (i + 1) * step, 3), 0.5)
        for i, token in enumerate(tokens)
    ]


def build_transcript(
    segments: list[Segment], options: ASROptions, language: str, duration: float,
    language_probability: float = 1.0, english_only: bool = False, speech_s: float | None = None,
) -> Transcript:
    """Guards applied, then trust judged on every decoded segment (asr/language.py).

    Under an English-only model, speech judged not English keeps no words: the text would be
    invented (unless `options.judge_language` is off: the caller judges over more speech).
    `speech_s` = seconds of speech found by VAD (None = the whole duration).
    """
    check = assess(segments, english_only, duration if speech_s is None else speech_s,
                   [failed_decode(s, options) for s in segments])
    kept = [s for s in segments if keep_segment(s, options)]
    if LANGUAGE_UNSUPPORTED in check.flags and options.judge_language:
        kept = []
        language, language_probability = defaults.ASR_OTHER_LANGUAGE, 1.0 - check.confidence
    for seg in kept:
        if not seg.words:
            seg.words = spread_words(seg)
    words = [w for s in kept for w in s.words]
    return Transcript(words, kept, language, duration, language_probability,
                      check.confidence, check.flags)


def tighten(transcript: Transcript, samples: np.ndarray, options: ASROptions) -> Transcript:
    """Energy-tightened word times (asr/align.py); segments then span exactly their words."""
    if not (options.word_timestamps and options.tighten_word_times and transcript.words):
        return transcript
    from hotline.asr.align import tighten_words

    tighten_words(transcript.words, samples)
    for seg in transcript.segments:
        if seg.words:
            seg.start, seg.end = seg.words[0].start, max(w.end for w in seg.words)
    return transcript


def empty_transcript(language: str, duration: float) -> Transcript:
    return Transcript([], [], language, duration, 0.0)


class Transcriber(Protocol):
    """Any backend: loaded once, then `transcribe((n,) float32 16 kHz, options)`."""

    backend: str
    multilingual: bool

    def transcribe(self, samples: np.ndarray, options: ASROptions) -> Transcript: ...
