"""Render a text-only scenario to telephone audio with espeak-ng; truth gets the real times.

Each turn is synthesised by its own espeak-ng process (all started at once, so a call costs
about one process's latency), trimmed of espeak's leading/trailing silence, resampled to the
telephone rate and laid out with the scenario's gaps: hold gaps stay real silences, negative gaps
become real overlaps. Turn start/end in the written truth are where speech really starts/ends.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from math import gcd
from typing import Any

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from hotline.synth import scenarios as S
from hotline.synth.truth import expected_violations, save_truth

ESPEAK_RATE = 22050
TRIM_THRESHOLD = 0.005       # fraction of the utterance peak that counts as speech (-46 dB)
AGENT_PEAK = 0.45
CUSTOMER_PEAK = 0.40
ANGRY_PEAK = 0.75            # angry customers are louder
SUBTYPES = {"pcm16": "PCM_16", "ulaw": "ULAW"}


@dataclass(frozen=True)
class Voice:
    """espeak-ng voice settings: voice+variant, words per minute, pitch 0-99, amplitude 0-200."""

    voice: str
    speed: int
    pitch: int
    amplitude: int = 100


VOICES = {
    # picked by tiny.en WER on 8 kHz renders among f2/f3/f4/Annie/linda x gb/m1/m3/m7/david
    ("en", "agent"): Voice("en-us+f2", 155, 60),
    ("en", "customer"): Voice("en-gb", 160, 35),
    ("zh", "agent"): Voice("cmn+f3", 260, 65),
    ("zh", "customer"): Voice("cmn+m3", 265, 30),
}


def voice_for(lang: str, role: str, emotion: str) -> Voice:
    """Agent/customer voices; angry customers faster and higher, negative slightly lower."""
    v = VOICES[(lang, role)]
    if role == "customer" and emotion == "angry":
        return Voice(v.voice, int(v.speed * 1.15), min(99, v.pitch + 25), 170)
    if role == "customer" and emotion == "negative":
        return Voice(v.voice, v.speed, max(0, v.pitch - 8), v.amplitude)
    return v


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _start(text: str, v: Voice) -> subprocess.Popen:
    cmd = ["espeak-ng", "-v", v.voice, "-s", str(v.speed), "-p", str(v.pitch),
           "-a", str(v.amplitude), "--stdout", text]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _wav_samples(data: bytes) -> np.ndarray:
    """espeak --stdout writes a streaming WAV (sizes 0): take everything after 'data'."""
    i = data.find(b"data")
    if i < 0:
        raise RuntimeError("espeak-ng produced no audio")
    raw = data[i + 8:]
    raw = raw[: len(raw) // 2 * 2]
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def trim(x: np.ndarray, rate: int, threshold: float | None = None) -> np.ndarray:
    """Cut leading/trailing silence: first/last 5 ms frame whose peak exceeds threshold*peak."""
    threshold = TRIM_THRESHOLD if threshold is None else threshold
    peak = float(np.abs(x).max()) if x.size else 0.0
    if peak <= 0:
        return x[:0]
    hop = max(1, rate // 200)
    n = len(x) // hop
    frames = np.abs(x[: n * hop]).reshape(n, hop).max(axis=1)
    loud = np.flatnonzero(frames > threshold * peak)
    if loud.size == 0:
        return x[:0]
    return x[loud[0] * hop: (loud[-1] + 1) * hop]


def synthesize(texts: list[tuple[str, Voice]], sample_rate: int = 8000) -> list[np.ndarray]:
    """All utterances at once (parallel espeak-ng processes), trimmed, at `sample_rate`."""
    procs = [_start(text, v) for text, v in texts]
    g = gcd(sample_rate, ESPEAK_RATE)
    out = []
    for proc in procs:
        data, _ = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"espeak-ng failed with exit code {proc.returncode}")
        x = trim(_wav_samples(data), ESPEAK_RATE)
        y = resample_poly(x, sample_rate // g, ESPEAK_RATE // g).astype(np.float32)
        out.append(trim(y, sample_rate))
    return out


def _level(x: np.ndarray, peak: float) -> np.ndarray:
    m = float(np.abs(x).max()) if x.size else 0.0
    return x * (peak / m) if m > 0 else x


def _peak(turn: dict[str, Any]) -> float:
    if turn["role"] == "agent":
        return AGENT_PEAK
    return ANGRY_PEAK if turn["emotion"] == "angry" else CUSTOMER_PEAK


def _noise(n: int, rms: float, rng: np.random.Generator) -> np.ndarray:
    """Line noise: white hiss plus a little low-frequency rumble, at the given RMS."""
    white = rng.standard_normal(n).astype(np.float32)
    rumble = np.convolve(rng.standard_normal(n), np.ones(16) / 4.0, mode="same").astype(np.float32)
    x = white + 0.5 * rumble
    return x * (rms / float(np.sqrt(np.mean(x ** 2)) or 1.0))


def render_call(scenario: dict[str, Any], out_dir: str | os.PathLike, stereo: bool = False,
                noise: float = 0.0, sample_rate: int = 8000, agent_channel: str = "left",
                name: str | None = None, encoding: str = "pcm16") -> dict[str, Any]:
    """Write `<name>.wav` + `<name>.json` into out_dir and return the truth with real times.

    noise: line-noise RMS relative to the speech RMS (0.1 = SNR 20 dB; 0 = clean).
    stereo: agent only on `agent_channel` ("left"/"right"), customer only on the other.
    encoding: "pcm16" (16-bit WAV) or "ulaw" (G.711 mu-law WAV, as telephone systems record).
    """
    if agent_channel not in ("left", "right"):
        raise ValueError("agent_channel must be 'left' or 'right'")
    if encoding not in SUBTYPES:
        raise ValueError(f"encoding must be one of {', '.join(SUBTYPES)}")
    truth = copy.deepcopy(scenario)
    name = name or truth["name"]
    lang, turns = truth["language"], truth["turns"]
    voices = [voice_for(lang, t["role"], t["emotion"]) for t in turns]
    clips = synthesize([(t["text"], v) for t, v in zip(turns, voices, strict=True)], sample_rate)
    clips = [_level(c, _peak(t)) for t, c in zip(turns, clips, strict=True)]
    S.layout(turns, [len(c) / sample_rate for c in clips])
    S.derive(truth)
    n = int(round(truth["duration"] * sample_rate))
    ai = 0 if agent_channel == "left" else 1
    audio = _mix(turns, clips, n, sample_rate, ai if stereo else None)
    if noise > 0:
        audio = _add_line_noise(audio, noise, name)
    call_id = _write_wav(audio, out_dir, name, sample_rate, encoding)
    truth.update({
        "name": name, "audio": f"{name}.wav", "call_id": call_id, "sample_rate": sample_rate,
        "channels": 2 if stereo else 1, "agent_channel": agent_channel if stereo else None,
        "agent_channel_index": ai if stereo else None, "duration": round(n / sample_rate, 3),
        "rendered": True, "noise": noise, "encoding": encoding,
        "snr_db": round(-20 * np.log10(noise), 1) if noise > 0 else None,
        "voices": {"agent": VOICES[(lang, "agent")].voice,
                   "customer": VOICES[(lang, "customer")].voice},
        "tags": sorted(set(truth["tags"]) | ({"stereo"} if stereo else set())
                       | ({"noise"} if noise > 0 else set())),
    })
    got = expected_violations(truth)
    if got != truth["violations"]:
        raise RuntimeError(f"{name}: rendered call breaks {got}, planned {truth['violations']}")
    save_truth(truth, os.path.join(out_dir, f"{name}.json"))
    return truth


def _mix(turns: list[dict[str, Any]], clips: list[np.ndarray], n: int, sample_rate: int,
         agent_index: int | None) -> np.ndarray:
    """(channels, n) audio: agent and customer tracks summed to mono, or one per channel with
    the agent on `agent_index` (0 left, 1 right) when stereo."""
    tracks = np.zeros((2, n), dtype=np.float32)            # 0 agent, 1 customer
    for turn, clip in zip(turns, clips, strict=True):
        i = int(round(turn["start"] * sample_rate))
        row = 0 if turn["role"] == "agent" else 1
        tracks[row, i:i + len(clip)] += clip[: n - i]
    if agent_index is None:
        return tracks.sum(0, keepdims=True)
    return (tracks if agent_index == 0 else tracks[::-1]).copy()


def _add_line_noise(audio: np.ndarray, noise: float, name: str) -> np.ndarray:
    """Line noise at `noise` × the speech RMS, seeded by the call name (same call, same noise)."""
    mixed = audio.sum(0)
    speech = np.abs(mixed) > 1e-4
    rms = float(np.sqrt(np.mean(mixed[speech] ** 2))) if speech.any() else 0.1
    rng = np.random.default_rng(int(hashlib.sha256(name.encode()).hexdigest()[:8], 16))
    return audio + np.stack([_noise(audio.shape[1], noise * rms, rng) for _ in range(len(audio))])


def _write_wav(audio: np.ndarray, out_dir: str | os.PathLike, name: str, sample_rate: int,
               encoding: str) -> str:
    """Write `<name>.wav` (peak-limited) and return its content id, as the pipeline computes it."""
    peak = float(np.abs(audio).max())
    if peak > 0.99:
        audio = audio * (0.99 / peak)
    os.makedirs(out_dir, exist_ok=True)
    wav = os.path.join(out_dir, f"{name}.wav")
    sf.write(wav, audio.T, sample_rate, subtype=SUBTYPES[encoding])
    with open(wav, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def render_calls(calls: list[dict[str, Any]], out_dir: str | os.PathLike,
                 stereo_ratio: float = 0.0, noise: float = 0.0, seed: int = 0,
                 encoding: str = "pcm16") -> list[dict[str, Any]]:
    """Render many calls; a seeded `stereo_ratio` share of them as stereo."""
    rng = np.random.default_rng(seed)
    return [render_call(c, out_dir, stereo=bool(rng.random() < stereo_ratio), noise=noise,
                        encoding=encoding)
            for c in calls]
