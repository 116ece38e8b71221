"""Overlapped speech on mono audio: a second speaker on frames where two voices talk at once.

Why: the embedded diarizer gives one speaker per 10 ms frame, so every overlapped frame of the
reference is a missed second speaker (ami_sample: 2.0 s of overlap = 8.3 % DER). A small
logistic-regression model (weights in `overlap_model.json`, written by scripts/train_overlap.py
from synthetic two-voice mixes; nothing is downloaded) scores every speech frame from cheap
per-frame features; frames it calls overlapped get the runner-up speaker of the diarizer's own
scores (on a two-party call: the other party).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hotline import defaults
from hotline.diarization.types import SpeakerSegment

MODEL_PATH = Path(__file__).with_name("overlap_model.json")
MEL_HOP = 160
SAMPLE_RATE = 16_000
VAD_FRAME = 512
FEATURES = ("vad", "energy", "flatness", "harmonicity", "margin", "margin_rank",
            "change_near", "edge_near")
PITCH_LAGS = (40, 320)      # 50-400 Hz at 16 kHz: the voice's fundamental
HARM_WINDOW = 512           # 32 ms: two pitch periods of a low voice
NEAR_S = 0.3                # `*_near` features: exp(-distance / NEAR_S)


@dataclass(frozen=True)
class OverlapParams:
    """Decision tunables (measured values in hotline/defaults.py)."""

    threshold: float = defaults.DIAR_OVERLAP_THRESHOLD
    smooth_frames: int = defaults.DIAR_OVERLAP_SMOOTH_FRAMES
    min_frames: int = defaults.DIAR_OVERLAP_MIN_FRAMES
    reach_s: float = defaults.DIAR_OVERLAP_REACH_S


@dataclass
class OverlapModel:
    """Standardised features (with pairwise products when `degree` is 2) -> logistic score."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    degree: int = 1

    def probability(self, feats: np.ndarray) -> np.ndarray:
        z = expand((feats - self.mean) / self.scale, self.degree)
        return 1.0 / (1.0 + np.exp(-np.clip(z @ self.coef + self.intercept, -50.0, 50.0)))

    def to_json(self) -> dict:
        return {"features": list(self.features), "degree": self.degree,
                "mean": _rounded(self.mean), "scale": _rounded(self.scale),
                "coef": _rounded(self.coef), "intercept": round(float(self.intercept), 6)}


def _rounded(a: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in a]


def expand(z: np.ndarray, degree: int) -> np.ndarray:
    """Features, then (degree 2) every pairwise product i <= j: a bump near a change that only
    matters when the voices are also ambiguous is a product, not a sum."""
    if degree < 2:
        return z
    i, j = np.triu_indices(z.shape[1])
    return np.concatenate([z, z[:, i] * z[:, j]], axis=1)


def load_model(path: str | Path = MODEL_PATH) -> OverlapModel | None:
    """The shipped model; None when the file is absent (then no overlap is output)."""
    p = Path(path)
    if not p.is_file():
        return None
    d = json.loads(p.read_text(encoding="utf-8"))
    if tuple(d["features"]) != FEATURES:
        raise ValueError(f"{p}: features {d['features']} != {FEATURES} (retrain the model)")
    return OverlapModel(FEATURES, np.asarray(d["mean"]), np.asarray(d["scale"]),
                        np.asarray(d["coef"]), float(d["intercept"]), int(d.get("degree", 1)))


@dataclass
class FrameAnalysis:
    """What the diarizer knows per speech frame: the inputs of the overlap features."""

    samples: np.ndarray        # (n,) float32 16 kHz
    vad_probs: np.ndarray      # per 32 ms VAD frame
    mel: np.ndarray            # (mel frames, 40) mel power, 10 ms hop
    idx: np.ndarray            # mel-frame index of each speech frame
    labels: np.ndarray         # speaker index per speech frame
    scores: np.ndarray | None  # (speech frames, K) the final Viterbi's scores; None if one speaker


def frame_features(a: FrameAnalysis) -> np.ndarray:
    """(speech frames, len(FEATURES)) raw features, before smoothing."""
    from scipy.stats import rankdata

    n = len(a.idx)
    mel = a.mel[a.idx]
    energy = 10.0 * np.log10(mel.sum(axis=1) + 1e-10)
    logm = np.log(mel + 1e-10)
    flatness = logm.mean(axis=1) - np.log(mel.mean(axis=1) + 1e-10)
    vad = a.vad_probs[np.minimum(a.idx * MEL_HOP // VAD_FRAME, len(a.vad_probs) - 1)]
    if a.scores is not None and a.scores.shape[1] > 1:
        top = np.sort(a.scores, axis=1)
        margin = top[:, -1] - top[:, -2]
    else:
        margin = np.full(n, 1.0)
    hop_s = MEL_HOP / SAMPLE_RATE
    runs = _run_starts(a.idx)
    edges = np.unique(np.concatenate([runs, runs[1:] - 1, [n - 1]]))
    inner = inner_changes(a)
    harm = harmonicity(a.samples, a.idx)
    # Acoustic features relative to the call's own speech (a phone line and a wideband
    # microphone differ in level, flatness and periodicity; overlap differs from the call).
    return np.stack([
        vad, energy - np.median(energy), flatness - np.median(flatness), harm - np.median(harm),
        margin / (np.median(margin) + 1e-6), rankdata(margin) / n,
        np.exp(-_distance(n, inner) * hop_s / NEAR_S), np.exp(-_distance(n, edges) * hop_s / NEAR_S),
    ], axis=1).astype(np.float64)


def _run_starts(idx: np.ndarray) -> np.ndarray:
    """Positions where a speech run (after a pause) starts."""
    return np.concatenate([[0], np.flatnonzero(np.diff(idx) > 1) + 1])


def inner_changes(a: FrameAnalysis) -> np.ndarray:
    """Positions of speaker changes inside speech runs (a change at a pause has no overlap)."""
    inner = np.flatnonzero(np.diff(a.labels) != 0) + 1
    return inner[~np.isin(inner, _run_starts(a.idx))]


def _distance(n: int, points: np.ndarray) -> np.ndarray:
    """Frames from each position to the nearest of `points` (large where there is none)."""
    if len(points) == 0:
        return np.full(n, 1e6)
    pos = np.arange(n)
    j = np.clip(np.searchsorted(points, pos), 1, len(points)) - 1
    nxt = np.minimum(j + 1, len(points) - 1)
    return np.minimum(np.abs(pos - points[j]), np.abs(points[nxt] - pos)).astype(float)


def harmonicity(x: np.ndarray, idx: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Peak of the normalised autocorrelation in the pitch range, per 10 ms frame: one voice is
    periodic (near 1), two voices at different pitches are less so."""
    half = HARM_WINDOW // 2
    padded = np.pad(np.asarray(x, dtype=np.float32), (half, half))
    offsets = np.arange(HARM_WINDOW)
    window = np.hanning(HARM_WINDOW).astype(np.float32)
    lo, hi = PITCH_LAGS
    out = np.empty(len(idx))
    for s in range(0, len(idx), chunk):
        centres = np.minimum(idx[s:s + chunk] * MEL_HOP, len(x))
        frames = padded[centres[:, None] + offsets[None, :]]
        frames = (frames - frames.mean(axis=1, keepdims=True)) * window
        spec = np.fft.rfft(frames, 2 * HARM_WINDOW, axis=1)
        ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :hi]
        out[s:s + chunk] = ac[:, lo:hi].max(axis=1) / (ac[:, 0] + 1e-10)
    return out


def smooth(feats: np.ndarray, frames: int) -> np.ndarray:
    from scipy.ndimage import uniform_filter1d

    return uniform_filter1d(feats, size=max(1, frames), axis=0, mode="nearest")


def overlap_probability(model: OverlapModel, a: FrameAnalysis, smooth_frames: int) -> np.ndarray:
    """Per speech frame, the model's probability that two voices are active."""
    return model.probability(smooth(frame_features(a), smooth_frames))


def detect_overlaps(model: OverlapModel, a: FrameAnalysis,
                    params: OverlapParams | None = None) -> list[SpeakerSegment]:
    """Second-speaker segments (labels "S<index>" of the diarizer's speakers) on overlapped
    frames: the runner-up speaker by the diarizer's scores, runs shorter than `min_frames` dropped."""
    p = params or OverlapParams()
    present = np.unique(a.labels)
    if a.scores is None or len(present) < 2 or len(a.idx) == 0:
        return []
    marked = overlap_probability(model, a, p.smooth_frames) >= p.threshold
    if p.reach_s > 0:
        marked &= _distance(len(a.idx), inner_changes(a)) * MEL_HOP / SAMPLE_RATE <= p.reach_s
    scores = np.full(a.scores.shape, -np.inf)
    scores[:, present] = a.scores[:, present]
    scores[np.arange(len(a.labels)), a.labels] = -np.inf
    second = np.argmax(scores, axis=1)
    hop_s = MEL_HOP / SAMPLE_RATE
    out: list[SpeakerSegment] = []
    start = None
    for i in range(len(a.idx) + 1):
        same = (start is not None and i < len(a.idx) and marked[i]
                and a.idx[i] == a.idx[i - 1] + 1 and second[i] == second[start])
        if start is not None and not same:
            if i - start >= p.min_frames:
                out.append(SpeakerSegment(round(float(a.idx[start]) * hop_s, 3),
                                          round(float(a.idx[i - 1] + 1) * hop_s, 3),
                                          f"S{int(second[start])}"))
            start = None
        if start is None and i < len(a.idx) and marked[i]:
            start = i
    return out
