"""How far a transcript can be trusted, and whether an English-only model heard English at all.

An English-only Whisper (the bundled tiny.en) turns Mandarin into fluent, confident-looking
English ("Thank you for watching"). Its own signals still tell: on speech it cannot transcribe,
few words are decoded with high probability, the mean word probability is low and so is the
average token log-probability. Measured on the real clips in ../shared/data/real (docs/asr.md):
the three signals averaged give 0.27-0.45 on Mandarin and 0.52 (a 4-party overlapped meeting) to
0.95 on English. Every decoded segment counts, including those the hallucination guards drop:
espeak-ng Mandarin decodes into segments that are all dropped, which is itself the evidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hotline import defaults

if TYPE_CHECKING:   # transcript.py imports this module
    from hotline.asr.transcript import Segment

LANGUAGE_UNSUPPORTED = "language_unsupported"
LOW_CONFIDENCE = "low_confidence"
CONFIDENT_WORD = 0.8          # a word decoded at or above this probability counts as "sure"


@dataclass
class SpeechAssessment:
    """What the decode's own signals say about one channel's transcript."""

    confidence: float                      # 0..1: trust in the transcript (English-likeness)
    flags: list[str] = field(default_factory=list)
    words: int = 0                         # decoded words the signals were measured on


def transcript_confidence(segments: list[Segment], failed: list[bool] | None = None
                          ) -> tuple[float, int]:
    """Mean of (sure-word share, mean word probability, exp(avg log-prob)); the word count.

    A segment whose decode failed at every temperature (`failed`) counts as sure of nothing:
    its words come from random sampling. Punctuation-only "words" are not words. Segments
    without word times (a backend without them) count by their log-probability only.
    """
    failed = failed or [False] * len(segments)
    probs = [0.0 if bad else w.probability for s, bad in zip(segments, failed, strict=True)
             for w in s.words if any(c.isalnum() for c in w.word)]
    spans = [(max(s.end - s.start, 0.01), s.avg_logprob) for s in segments if s.text.strip()]
    if not spans:
        return 0.0, 0
    total = sum(d for d, _ in spans)
    logprob = sum(d * lp for d, lp in spans) / total
    token_p = math.exp(min(0.0, logprob))
    if not probs:   # no word times at all: the log-probability alone; only punctuation: nothing
        return (round(token_p, 3) if not any(s.words for s in segments) else 0.0), 0
    sure = sum(p >= CONFIDENT_WORD for p in probs) / len(probs)
    mean_p = sum(probs) / len(probs)
    return round((sure + mean_p + token_p) / 3.0, 3), len(probs)


def best_speech_confidence(segments: list[Segment], failed: list[bool] | None = None,
                           share: float = 0.3) -> float:
    """Confidence of the most confidently decoded `share` of the speech (by duration).

    English speech that is hard overall (a 4-party overlapped meeting) still has stretches
    decoded well (0.58-0.68 on pya_tst00); speech that is not English has none (Mandarin
    clips: at most 0.42).
    """
    failed = failed or [False] * len(segments)
    scored = sorted(((transcript_confidence([s], [bad])[0], max(s.end - s.start, 0.01))
                     for s, bad in zip(segments, failed, strict=True) if s.text.strip()),
                    reverse=True)
    total = sum(d for _, d in scored)
    taken = weighted = 0.0
    for conf, dur in scored:
        use = min(dur, share * total - taken)
        if use <= 0:
            break
        taken += use
        weighted += conf * use
    return round(weighted / taken, 3) if taken else 0.0


def assess(segments: list[Segment], english_only: bool, speech_s: float,
           failed: list[bool] | None = None) -> SpeechAssessment:
    """Flags for one channel: `language_unsupported` (English-only model, speech not English)
    or else `low_confidence`. `speech_s` = seconds of speech the VAD found (too little: no flags).
    """
    confidence, n_words = transcript_confidence(segments, failed)
    if speech_s < defaults.ASR_MIN_SPEECH_TO_JUDGE_S:
        return SpeechAssessment(confidence=confidence if segments else 1.0, words=n_words)
    # Speech found but nothing decoded: Whisper skipped every window as "no speech" (what
    # tiny.en does on long stretches of espeak-ng Mandarin), so confidence 0.
    flags: list[str] = []
    best = best_speech_confidence(segments, failed)
    # Whole windows that Whisper skipped as "no speech" leave no segment at all: a few
    # confident words out of 40 s of speech (espeak-ng Mandarin) are not an English call.
    covered = sum(max(s.end - s.start, 0.0) for s, bad in zip(segments, failed or [False] * len(segments),
                                                             strict=True) if s.text.strip() and not bad)
    scale = min(1.0, covered / (defaults.ASR_MIN_COVERAGE * speech_s))
    confidence, best = round(confidence * scale, 3), round(best * scale, 3)
    if english_only and confidence < defaults.ASR_NOT_ENGLISH_BELOW \
            and best < defaults.ASR_NOT_ENGLISH_BEST_BELOW:
        flags.append(LANGUAGE_UNSUPPORTED)
    elif confidence < defaults.ASR_LOW_CONFIDENCE_BELOW:
        flags.append(LOW_CONFIDENCE)
    return SpeechAssessment(confidence=confidence, flags=flags, words=n_words)
