"""Tighten Whisper word times with the signal's energy: words never start or end in silence.

Whisper's cross-attention word times drift into neighbouring pauses by up to ~0.7 s (tiny.en on
8 kHz calls), which blurs turn boundaries. Each word is only ever shrunk inward to the first and
last 10 ms frame that carries speech-level energy, so a correct time is never moved outward.
"""

from __future__ import annotations

import numpy as np

from hotline.audio import SAMPLE_RATE
from hotline.document import Word

HOP = SAMPLE_RATE // 100          # 10 ms frames
MIN_WORD_S = 0.06                 # never shrink a word below this
LEVEL = 0.2                       # threshold: floor + LEVEL * (speech level - floor), in dB


def frame_db(samples: np.ndarray) -> np.ndarray:
    """Per-10 ms frame energy in dB (float32 work, one frame array, no full-size float64 copy)."""
    n = samples.shape[0] // HOP
    if n == 0:
        return np.zeros(0, np.float32)
    frames = samples[: n * HOP].reshape(n, HOP)
    power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / HOP
    return (10 * np.log10(power + 1e-12)).astype(np.float32)


def speech_threshold(db: np.ndarray) -> float:
    floor, speech = np.percentile(db, 10), np.percentile(db, 95)
    return float(floor + LEVEL * (speech - floor))


def tighten_words(words: list[Word], samples: np.ndarray) -> list[Word]:
    """Move each word's start later / end earlier past frames below the speech threshold."""
    db = frame_db(samples)
    if not words or db.size < 10:
        return words
    loud = db > speech_threshold(db)
    for word in words:
        first, last = int(word.start * 100), min(int(np.ceil(word.end * 100)), loud.size)
        hits = np.flatnonzero(loud[first:last])
        if hits.size == 0:
            continue
        start = max(word.start, (first + hits[0]) / 100)
        end = min(word.end, (first + hits[-1] + 1) / 100)
        if end - start >= MIN_WORD_S:
            word.start, word.end = round(start, 3), round(end, 3)
    return words
