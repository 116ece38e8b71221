"""Stereo calls: one speaker per channel, exactly; duplicated-mono files are treated as mono."""

from __future__ import annotations

import numpy as np
import pytest

from hotline.diarization import (
    assign_roles,
    channel_speakers,
    channel_turns,
    diarize_stereo,
    is_dual_mono,
)

from .conftest import load_wav, transcribe_words


@pytest.fixture(scope="module")
def stereo(data_dir):
    return load_wav(data_dir / "stereo_diarization.wav")


@pytest.fixture(scope="module")
def jfk(data_dir):
    return load_wav(data_dir / "jfk.flac")


def test_jfk_is_dual_mono(jfk):
    assert jfk.shape[0] == 2 and is_dual_mono(jfk)


def test_real_stereo_is_not_dual_mono(stereo):
    assert not is_dual_mono(stereo)


def test_dual_mono_is_robust_to_gain_noise_and_offset(jfk):
    rng = np.random.default_rng(0)
    mono = jfk[0]
    right = 0.4 * np.roll(mono, 2) + 0.002 * rng.standard_normal(len(mono)).astype(np.float32)
    assert is_dual_mono(np.stack([mono, right]))


def test_two_different_signals_are_not_dual_mono(jfk, stereo):
    n = min(jfk.shape[1], stereo.shape[1])
    assert not is_dual_mono(np.stack([jfk[0, :n], stereo[1, :n]]))
    # One silent channel: a one-sided recording, not duplicated mono.
    assert not is_dual_mono(np.stack([jfk[0], np.zeros_like(jfk[0])]))
    assert not is_dual_mono(jfk[:1])


def test_stereo_segments_follow_each_channels_speech(stereo, vad_model):
    diar = diarize_stereo(stereo, vad_model)
    assert diar.speakers == ["S0", "S1"] and diar.backend == "stereo"
    for seg in diar.segments:
        ch = int(seg.speaker[1])
        a, b = int(seg.start * 16000), int(seg.end * 16000)
        own = float(np.sqrt(np.mean(stereo[ch, a:b] ** 2)))
        assert own > 0.01, f"{seg} has no speech on its own channel"
    # Each channel's speech becomes exactly its own speaker (left 0.3-4.9 s, right 0.4-2.6 s).
    total = diar.speaker_durations()
    assert total["S0"] > 4.0 and 1.5 < total["S1"] < 3.0


def test_stereo_words_stay_on_their_channel(stereo, whisper):
    words = {f"S{ch}": transcribe_words(whisper, stereo[ch]) for ch in (0, 1)}
    turns = channel_turns(words)
    left = " ".join(t.text for t in turns if t.speaker == "S0").lower()
    right = " ".join(t.text for t in turns if t.speaker == "S1").lower()
    assert "wizard" in left and "curtain" in left and "horizon" not in left
    assert "horizon" in right and "wizard" not in right
    speakers = assign_roles(turns, channel_speakers("right"))
    assert {s.id: s.role for s in speakers} == {"S0": "customer", "S1": "agent"}


def test_overlapping_channels_stay_one_turn_each(stereo, whisper):
    """stereo_diarization.wav: both channels talk at once; each stays one turn (was 11
    single-word turns alternating between speakers), and the turns overlap in time."""
    words = {f"S{ch}": transcribe_words(whisper, stereo[ch]) for ch in (0, 1)}
    turns = channel_turns(words)
    assert sorted(t.speaker for t in turns) == ["S0", "S1"]
    left, right = sorted(turns, key=lambda t: t.speaker)
    assert "wizard" in left.text.lower() and "horizon" in right.text.lower()
    assert min(left.end, right.end) > max(left.start, right.start)   # they overlap
