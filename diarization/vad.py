"""Speech activity from silero VAD (the ONNX model bundled with faster-whisper, offline).

We call the model ourselves to get per-frame speech probabilities (32 ms frames) once, then
derive regions with hysteresis; the diarizer reuses the probabilities for boundaries.
"""

from __future__ import annotations

import numpy as np

VAD_FRAME = 512          # samples per silero frame at 16 kHz (32 ms)
SAMPLE_RATE = 16_000


def load_vad_model():
    """The silero VAD ONNX model shipped inside faster-whisper (cached by faster-whisper)."""
    from faster_whisper.vad import get_vad_model

    return get_vad_model()


def speech_probabilities(model, samples: np.ndarray) -> np.ndarray:
    """Speech probability per 32 ms frame, shape (ceil(n / 512),)."""
    x = np.asarray(samples, dtype=np.float32)
    pad = (-len(x)) % VAD_FRAME
    if pad or len(x) == 0:
        x = np.pad(x, (0, pad if len(x) else VAD_FRAME))
    return np.asarray(model(x), dtype=np.float32).reshape(-1)


def speech_mask(
    probs: np.ndarray,
    onset: float = 0.5,
    offset: float = 0.35,
    min_gap_s: float = 0.3,
    min_speech_s: float = 0.15,
    pad_s: float = 0.0,
) -> np.ndarray:
    """Boolean speech mask per VAD frame: hysteresis, short gaps filled, blips dropped, padded."""
    frame_s = VAD_FRAME / SAMPLE_RATE
    mask = np.zeros(len(probs), dtype=bool)
    active = False
    for i, p in enumerate(probs):
        active = p >= onset if not active else p >= offset
        mask[i] = active
    runs = _runs(mask)
    # Fill short pauses inside speech, then drop short blips.
    for start, end, val in runs:
        if not val and start > 0 and end < len(mask) and (end - start) * frame_s < min_gap_s:
            mask[start:end] = True
    for start, end, val in _runs(mask):
        if val and (end - start) * frame_s < min_speech_s:
            mask[start:end] = False
    pad = int(round(pad_s / frame_s))
    if pad > 0:
        idx = np.flatnonzero(mask)
        for k in range(1, pad + 1):
            mask[np.clip(idx - k, 0, len(mask) - 1)] = True
            mask[np.clip(idx + k, 0, len(mask) - 1)] = True
    return mask


def _runs(mask: np.ndarray) -> list[tuple[int, int, bool]]:
    """(start, end, value) runs of a boolean array."""
    if len(mask) == 0:
        return []
    change = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    bounds = np.concatenate([[0], change, [len(mask)]])
    return [(int(a), int(b), bool(mask[a])) for a, b in zip(bounds[:-1], bounds[1:], strict=False)]


def speech_regions(mask: np.ndarray) -> list[tuple[float, float]]:
    """(start_s, end_s) of each speech run."""
    frame_s = VAD_FRAME / SAMPLE_RATE
    return [(a * frame_s, b * frame_s) for a, b, v in _runs(mask) if v]
