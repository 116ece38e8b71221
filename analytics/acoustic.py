"""Acoustic arousal per turn: pitch, loudness and speech rate against the speaker's own baseline.

Why relative: a loud voice or a high pitch says nothing on its own (phones, genders and
microphones differ); the same speaker getting 3 semitones higher, 6 dB louder and faster than
they were earlier in the call does. Pitch is a batched autocorrelation over a sample of voiced
frames per turn (librosa's yin/pyin over every frame costs ~7 s per call-hour on 2 cores, more
than the whole analytics budget); loudness is frame RMS in dB via librosa.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SR = 16_000
FRAME = 1024          # 64 ms at 16 kHz; analysed at 8 kHz (every other sample) for pitch
HOP = 512
FMIN, FMAX = 70.0, 400.0
MAX_PITCH_FRAMES = 32  # voiced frames sampled per turn: enough for a stable median
VOICING_ACF = 0.45     # normalized autocorrelation peak above which a frame counts as voiced
# Scale of one "unit" of change from the baseline for each feature (z-score-like).
PITCH_UNIT_ST = 2.5    # semitones
ENERGY_UNIT_DB = 5.0
RATE_UNIT_LOG2 = 0.35  # ~27 % faster
WEIGHTS = {"pitch": 0.4, "energy": 0.4, "rate": 0.2}


@dataclass
class TurnAcoustics:
    """Per-turn features; nan where a feature could not be measured (too short, unvoiced)."""

    pitch_hz: float
    energy_db: float
    rate: float            # words (or characters) per second of turn time
    voiced_s: float


def channel_for(samples: np.ndarray, channel: int | None) -> np.ndarray:
    """The turn's channel for stereo audio, the mono mix otherwise. samples: (channels, n)."""
    samples = np.atleast_2d(samples)
    if samples.shape[0] > 1 and channel is not None and 0 <= channel < samples.shape[0]:
        return samples[channel]
    return samples.mean(axis=0) if samples.shape[0] > 1 else samples[0]


def turn_features(signal: np.ndarray, start: float, end: float, n_words: int) -> TurnAcoustics:
    """Measure one turn of a 16 kHz signal."""
    seg = signal[max(0, int(start * SR)): max(0, int(end * SR))]
    dur = max(1e-3, end - start)
    rate = n_words / dur if n_words else math.nan
    if len(seg) < FRAME:
        return TurnAcoustics(math.nan, math.nan, rate, 0.0)
    import librosa

    frames = _frames(seg)
    rms = librosa.feature.rms(y=seg, frame_length=FRAME, hop_length=HOP, center=False)[0]
    db = 20.0 * np.log10(rms.astype(np.float64) + 1e-10)
    active = db > max(db.max() - 30.0, -65.0)  # frames within 30 dB of the turn's peak
    if not active.any():
        return TurnAcoustics(math.nan, math.nan, rate, 0.0)
    energy = float(np.mean(np.sort(db[active])[len(db[active]) // 2:]))  # louder half
    idx = np.flatnonzero(active)
    if len(idx) > MAX_PITCH_FRAMES:
        idx = idx[np.linspace(0, len(idx) - 1, MAX_PITCH_FRAMES).astype(int)]
    pitches = _pitch(frames[idx, ::2], SR // 2)
    voiced = pitches[~np.isnan(pitches)]
    pitch = float(np.median(voiced)) if len(voiced) >= 3 else math.nan
    return TurnAcoustics(pitch, energy, rate, active.sum() * HOP / SR)


def _frames(seg: np.ndarray) -> np.ndarray:
    n = 1 + (len(seg) - FRAME) // HOP
    return np.lib.stride_tricks.as_strided(
        seg, shape=(n, FRAME), strides=(seg.strides[0] * HOP, seg.strides[0]), writeable=False)


def _pitch(frames: np.ndarray, sr: int) -> np.ndarray:
    """Median-ready f0 per frame (nan when unvoiced): normalized autocorrelation peak picking."""
    n = frames.shape[1]
    window, window_acf = _window(n)
    x = frames.astype(np.float32)
    x = (x - x.mean(axis=1, keepdims=True)) * window
    spec = np.fft.rfft(x, n=2 * n, axis=1)
    acf = np.fft.irfft(spec.real ** 2 + spec.imag ** 2, axis=1)[:, :n]
    acf = acf / np.maximum(acf[:, :1], 1e-12) / window_acf
    lo, hi = int(sr / FMAX), int(sr / FMIN) + 1
    part = acf[:, lo:hi]
    best = part.max(axis=1)
    # Prefer the shortest lag whose peak is nearly as strong as the best (avoids octave-down).
    good = part >= 0.9 * best[:, None]
    lag = lo + good.argmax(axis=1)
    lag = np.clip(lag, lo + 1, hi - 2)
    rows = np.arange(len(lag))
    a, b, c = acf[rows, lag - 1], acf[rows, lag], acf[rows, lag + 1]
    denom = a - 2 * b + c
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (a - c) / np.where(denom == 0, 1, denom), 0.0)
    f0 = sr / (lag + np.clip(shift, -1, 1))
    return np.where(best >= VOICING_ACF, f0, np.nan)


@lru_cache(maxsize=4)
def _window(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hann window and its normalized autocorrelation (divides out the window's own decay)."""
    window = np.hanning(n).astype(np.float32)
    acf = np.fft.irfft(np.abs(np.fft.rfft(window, n=2 * n)) ** 2)[:n]
    return window, np.maximum(acf / acf[0], 1e-3)


def arousal_scores(features: list[TurnAcoustics | None], speakers: list[str]) -> list[float | None]:
    """Arousal in [0, 1] per turn relative to the median of the same speaker's turns (0.5 = as usual).

    None where the turn had no usable audio; with a single turn for a speaker every value is
    its own baseline (0.5).
    """
    out: list[float | None] = [None] * len(features)
    for spk in set(speakers):
        idx = [i for i, s in enumerate(speakers) if s == spk and features[i] is not None]
        if not idx:
            continue
        base = {name: _nanmedian([_value(features[i], name) for i in idx]) for name in WEIGHTS}
        for i in idx:
            z = _zscores(features[i], base)
            if z:
                total = sum(WEIGHTS[k] for k in z)
                out[i] = 1.0 / (1.0 + math.exp(-1.6 * sum(WEIGHTS[k] * v for k, v in z.items()) / total))
    return out


def _value(f: TurnAcoustics | None, name: str) -> float:
    if f is None:
        return math.nan
    return {"pitch": f.pitch_hz, "energy": f.energy_db, "rate": f.rate}[name]


def _zscores(f: TurnAcoustics | None, base: dict[str, float]) -> dict[str, float]:
    z: dict[str, float] = {}
    if f is None:
        return z
    if not math.isnan(f.pitch_hz) and not math.isnan(base["pitch"]):
        z["pitch"] = 12 * math.log2(f.pitch_hz / base["pitch"]) / PITCH_UNIT_ST
    if not math.isnan(f.energy_db) and not math.isnan(base["energy"]):
        z["energy"] = (f.energy_db - base["energy"]) / ENERGY_UNIT_DB
    if not math.isnan(f.rate) and f.rate > 0 and not math.isnan(base["rate"]) and base["rate"] > 0:
        z["rate"] = math.log2(f.rate / base["rate"]) / RATE_UNIT_LOG2
    return {k: max(-3.0, min(3.0, v)) for k, v in z.items()}


def _nanmedian(values: list[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return float(np.median(vals)) if vals else math.nan
