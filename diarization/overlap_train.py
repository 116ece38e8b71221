"""Training data for the overlap detector: synthetic two-voice conversations with known overlap.

Why synthetic: no real call with an overlap reference may be trained on (ami_sample, falcon_test,
pya_tst00 are the benchmarks). A mix alternates turns of two voices (crops of real single-speaker
clips, espeak-ng voices), 40 % starting before the other ends (0.1-0.7 s overlap, as at real hand-overs), the rest
after a short (0.05-0.3 s, filled by the VAD) or a longer pause, plus short backchannels inside
30 % of the turns; half are band-limited to the telephone band.
Each source's 10 ms activity is known, so every frame's truth is "both voices active".
Everything is seeded: the same seed gives the same mixes, features and weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

from hotline.diarization.overlap import (
    FEATURES,
    MEL_HOP,
    OverlapModel,
    expand,
    frame_features,
    smooth,
)

SAMPLE_RATE = 16_000
# Real single-speaker clips by voice (file-name prefixes); the two channels of
# stereo_diarization are one voice each. Benchmarks with an overlap reference are never used.
REAL_VOICES = {"sb1": "sb_spk1_", "sb2": "sb_spk2_", "ps": "ps_sense", "jfk": "jfk",
               "joinly": "joinly_OSR"}
MIX_VOICES = (0.1, 0.7, 0.2)    # shares of mixes with one, two, three voices
ESPEAK_VOICES = (("en-us+f2", 155, 60), ("en-gb", 160, 35), ("en-us+m3", 170, 45),
                 ("en+f4", 150, 70), ("en-us+m1", 145, 30), ("en-gb+f3", 165, 55))
SENTENCES = (
    "I am calling about the bill I got this month, it is much higher than usual.",
    "Let me check that for you, can you confirm the account number please?",
    "The signal keeps dropping whenever I am at home in the evening.",
    "Sure, I can see a data add on was charged on the third of the month.",
    "No, I never asked for that, I want it removed and refunded today.",
    "I understand, I will raise a refund request and send you a message.",
    "Okay, and how long will that take, because this is the second time.",
    "It usually takes three to five working days to reach your account.",
)


@dataclass
class Mix:
    """A mono mix (16 kHz) and each source's activity per 10 ms mel frame."""

    samples: np.ndarray
    active: np.ndarray          # (voices, mel frames) bool

    @property
    def overlapped(self) -> np.ndarray:
        """Per mel frame: two or more voices active."""
        return self.active.sum(axis=0) >= 2


def load_voices(real_dir: str | Path, espeak: bool = True) -> dict[str, list[np.ndarray]]:
    """Clips per voice: the real single-speaker files found in `real_dir`, espeak-ng voices."""
    from hotline.audio import decode_audio

    real = Path(real_dir)
    files = sorted(p for p in real.iterdir() if p.suffix in (".wav", ".flac"))
    voices: dict[str, list[np.ndarray]] = {}
    for name, prefix in REAL_VOICES.items():
        clips = [decode_audio(p).mono for p in files if p.name.startswith(prefix)]
        if clips:
            voices[name] = clips
    stereo = real / "stereo_diarization.wav"
    if stereo.is_file():
        both = decode_audio(stereo).samples
        voices["st_left"], voices["st_right"] = [both[0]], [both[1]]
    if espeak:
        voices.update(_espeak_voices())
    return voices


def _espeak_voices() -> dict[str, list[np.ndarray]]:
    from hotline.synth.render import Voice, synthesize

    out = {}
    for v, speed, pitch in ESPEAK_VOICES:
        texts = [(s, Voice(v, speed, pitch)) for s in SENTENCES]
        out[f"espeak_{v}"] = synthesize(texts, sample_rate=SAMPLE_RATE)
    return out


def _crop(clips: list[np.ndarray], seconds: float, rng: np.random.Generator) -> np.ndarray:
    clip = clips[int(rng.integers(len(clips)))]
    n = min(len(clip), int(seconds * SAMPLE_RATE))
    start = int(rng.integers(0, len(clip) - n + 1))
    x = clip[start:start + n].astype(np.float32).copy()
    fade = min(320, n // 4)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        x[:fade] *= ramp
        x[-fade:] *= ramp[::-1]
    return x / (np.sqrt(np.mean(x ** 2)) + 1e-6) * 0.05


def _telephone(x: np.ndarray) -> np.ndarray:
    """Through an 8 kHz line and back (what a phone call sounds like to the diarizer)."""
    from scipy.signal import resample_poly

    g = gcd(SAMPLE_RATE, 8000)
    y = resample_poly(x, 8000 // g, SAMPLE_RATE // g)
    return resample_poly(y, SAMPLE_RATE // g, 8000 // g)[:len(x)].astype(np.float32)


def _placements(voices: list[list[np.ndarray]], turns: int,
                rng: np.random.Generator) -> list[tuple[int, int, np.ndarray]]:
    """(source, start sample, clip) of turns taken in rotation, overlapping or after a pause,
    and backchannels inside some turns (one voice: pauses only)."""
    out, t, k = [], int(0.3 * SAMPLE_RATE), len(voices)
    for i in range(turns):
        src = i % k
        clip = _crop(voices[src], float(rng.uniform(1.5, 4.0)), rng)
        gain = 10 ** (float(rng.uniform(-5, 5)) / 20)
        out.append((src, t, clip * gain))
        if k > 1 and rng.random() < 0.3 and len(clip) > SAMPLE_RATE:
            other = (src + 1) % k
            back = _crop(voices[other], float(rng.uniform(0.3, 0.8)), rng)
            at = t + int(rng.integers(SAMPLE_RATE // 4, len(clip) - len(back) // 2))
            out.append((other, at, back * gain))
        weights = [0.4, 0.3, 0.3] if k > 1 else [0.0, 0.5, 0.5]
        gap = rng.choice([rng.uniform(-0.7, -0.1), rng.uniform(0.05, 0.3), rng.uniform(0.3, 1.0)],
                         p=weights)
        t = max(0, t + len(clip) + int(gap * SAMPLE_RATE))
    return out


def make_mix(voices: list[list[np.ndarray]], rng: np.random.Generator, turns: int = 8) -> Mix:
    """One synthetic conversation of the given voices, with each source's frame activity."""
    placed = _placements(voices, turns, rng)
    n = max(s + len(c) for _, s, c in placed) + int(0.3 * SAMPLE_RATE)
    sources = np.zeros((len(voices), n), dtype=np.float32)
    for src, start, clip in placed:
        sources[src, start:start + len(clip)] += clip
    if rng.random() < 0.5:
        sources = np.stack([_telephone(s) for s in sources])
    active = np.stack([_activity(s) for s in sources])
    noise = rng.normal(0.0, 0.05 * 10 ** (float(rng.uniform(-40, -30)) / 20), n)
    return Mix((sources.sum(axis=0) + noise).astype(np.float32), active)


def _activity(x: np.ndarray) -> np.ndarray:
    """Per 10 ms frame (25 ms window, as the mel frames): energy within 30 dB of the source's
    loud frames."""
    n_frames = 1 + len(x) // MEL_HOP
    pad = np.pad(x, (200, 200))
    starts = np.arange(n_frames) * MEL_HOP
    energy = np.array([np.mean(pad[s:s + 400] ** 2) for s in starts])
    db = 10 * np.log10(energy + 1e-12)
    return db > np.percentile(db[db > -100], 95) - 30


def make_mixes(voices: dict[str, list[np.ndarray]], n: int, seed: int) -> list[Mix]:
    """n mixes of different voices drawn at random (seeded): mostly two, some three (a third
    party the two-speaker diarizer must fold into another: low margins that are not overlap)
    and some one (a single voice split in two)."""
    rng = np.random.default_rng(seed)
    names = sorted(voices)
    out = []
    for _ in range(n):
        k = int(rng.choice([1, 2, 3], p=MIX_VOICES))
        picked = rng.choice(len(names), size=k, replace=False)
        out.append(make_mix([voices[names[i]] for i in picked], rng))
    return out


def mix_frames(diarizer, mix: Mix, smooth_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed features and the truth (both voices active) of the mix's speech frames."""
    a = diarizer.analyse(mix.samples, 2)
    if a is None:
        return np.zeros((0, len(FEATURES))), np.zeros(0, dtype=bool)
    idx = np.minimum(a.idx, mix.active.shape[1] - 1)
    return smooth(frame_features(a), smooth_frames), mix.overlapped[idx]


def fit(x: np.ndarray, y: np.ndarray, degree: int = 2, c: float = 1.0) -> OverlapModel:
    """Logistic regression on standardised (expanded) features; deterministic (lbfgs)."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = expand((x - mean) / scale, degree)
    lr = LogisticRegression(C=c, max_iter=2000).fit(z, y.astype(int))
    return OverlapModel(FEATURES, mean, scale, lr.coef_[0], float(lr.intercept_[0]), degree)
