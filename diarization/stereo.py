"""Stereo calls: one party per channel (exact), and detection of duplicated-mono files."""

from __future__ import annotations

import numpy as np

from hotline.diarization.turns import group_turns
from hotline.diarization.types import (
    DUAL_MONO_CORRELATION,
    TURN_SPLIT_GAP_S,
    Diarization,
    SpeakerSegment,
)
from hotline.document import Turn, Word

_MAX_LAG = 8          # samples; tolerate a tiny resampling/codec offset between channels
_MAX_CHECK = 16_000 * 600
_BLOCK = 16_000 * 2   # correlation measured per 2 s block, on the blocks that carry sound


def is_dual_mono(samples: np.ndarray, threshold: float = DUAL_MONO_CORRELATION) -> bool:
    """True when both channels carry one signal (mono copied to L and R, maybe with gain/noise).

    Gain-invariant: a normalised correlation (best lag within a few samples) over the loud
    blocks; a real two-party recording has each party mostly on its own channel, so its
    correlation is far lower. A single channel, or one silent channel, is not "dual mono".
    """
    x = np.asarray(samples)
    if x.ndim != 2 or x.shape[0] != 2 or x.shape[1] == 0:
        return False
    x = x[:, :_MAX_CHECK].astype(np.float64)   # ten minutes tell; keeps long files cheap
    left, right = x[0] - x[0].mean(), x[1] - x[1].mean()
    el, er = float(np.dot(left, left)), float(np.dot(right, right))
    if el <= 1e-12 or er <= 1e-12:
        return False
    lag, corr = _best_lag(left, right)
    if corr < threshold:
        return False
    left, right = _shift(left, right, lag)
    # Whole-file correlation can be dominated by one loud stretch; require the loud blocks of
    # both channels to agree too (a party speaking only on one channel breaks it).
    corrs = _block_correlations(left, right)
    return bool(corrs.size == 0 or np.median(corrs) >= threshold)


def _shift(a: np.ndarray, b: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    n = len(a)
    return a[max(0, lag): n + min(0, lag)], b[max(0, -lag): n + min(0, -lag)]


def _best_lag(a: np.ndarray, b: np.ndarray) -> tuple[int, float]:
    """(lag, normalised correlation) maximising the correlation within +-_MAX_LAG samples."""
    best, best_lag = -1.0, 0
    for lag in range(-_MAX_LAG, _MAX_LAG + 1):
        x, y = _shift(a, b, lag)
        den = np.sqrt(np.dot(x, x) * np.dot(y, y))
        if den > 0 and np.dot(x, y) / den > best:
            best, best_lag = float(np.dot(x, y) / den), lag
    return best_lag, best


def _block_correlations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = len(a) // _BLOCK
    if n < 2:
        return np.empty(0)
    A = a[: n * _BLOCK].reshape(n, _BLOCK)
    B = b[: n * _BLOCK].reshape(n, _BLOCK)
    ea, eb = (A * A).sum(1), (B * B).sum(1)
    loud = (ea + eb) > 0.1 * np.median(ea + eb) + 1e-9
    loud &= (ea > 1e-9) & (eb > 1e-9)
    if not loud.any():
        return np.empty(0)
    return (A[loud] * B[loud]).sum(1) / np.sqrt(ea[loud] * eb[loud])


def channel_turns(
    words_by_speaker: dict[str, list[Word]], split_gap: float = TURN_SPLIT_GAP_S
) -> list[Turn]:
    """Stereo: each channel's words belong to that channel's speaker.

    A channel's continuous speech stays one turn (split only at its own pauses > `split_gap`),
    even while the other channel talks over it: turns may overlap in time across channels, and
    the analytics count that overlap as overtalk. Turns are ordered by start time.
    """
    turns: list[Turn] = []
    for speaker, words in words_by_speaker.items():
        ordered = sorted(words, key=lambda w: (w.start, w.end))
        turns += group_turns([(speaker, w) for w in ordered], split_gap)
    return sorted(turns, key=lambda t: (t.start, t.end))


def channel_speakers(agent_channel: str = "left") -> dict[str, str]:
    """Speaker id -> role for a stereo call: S0 is the left channel, S1 the right."""
    if agent_channel not in ("left", "right"):
        raise ValueError(f"agent channel must be left or right, got {agent_channel!r}")
    return {"S0": "agent", "S1": "customer"} if agent_channel == "left" else {
        "S0": "customer", "S1": "agent"}


def diarize_stereo(samples: np.ndarray, vad_model=None, onset: float = 0.5,
                   offset: float = 0.35) -> Diarization:
    """Who spoke when in a two-channel call: speech on the left channel is S0, right is S1.

    Exact by construction (no clustering): each channel's VAD speech is its own speaker; both
    may overlap in time (real overtalk).
    """
    from hotline.diarization.vad import (
        load_vad_model,
        speech_mask,
        speech_probabilities,
        speech_regions,
    )

    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] != 2:
        raise ValueError(f"diarize_stereo needs (2, n) samples, got shape {x.shape}")
    model = vad_model if vad_model is not None else load_vad_model()
    segments = []
    for ch in (0, 1):
        mask = speech_mask(speech_probabilities(model, x[ch]), onset, offset)
        segments += [SpeakerSegment(round(a, 3), round(b, 3), f"S{ch}")
                     for a, b in speech_regions(mask)]
    segments.sort(key=lambda s: (s.start, s.end))
    return Diarization(segments=segments, speakers=["S0", "S1"], backend="stereo")
