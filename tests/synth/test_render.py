"""Rendered audio: format, real times, channel separation, real silences and overlaps, speed."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from hotline.synth.scenarios import KINDS, build_scenarios
from hotline.synth.truth import expected_violations, load_truth, to_call_document

RATE = 8000


def _load(out, truth):
    x, sr = sf.read(out / truth["audio"], dtype="float32", always_2d=True)
    return x.T, sr


def _rms(x: np.ndarray, a: float, b: float) -> float:
    seg = x[int(a * RATE): int(b * RATE)]
    return float(np.sqrt(np.mean(seg ** 2))) if seg.size else 0.0


def test_files_rate_channels_duration_and_times(rendered):
    out, calls = rendered
    for key, truth in calls.items():
        x, sr = _load(out, truth)
        assert sr == RATE == truth["sample_rate"]
        assert x.shape[0] == truth["channels"] == (2 if key in ("interrupt", "pii") else 1)
        assert abs(x.shape[1] / RATE - truth["duration"]) < 2 / RATE
        assert load_truth(out / f"{truth['name']}.json") == json.loads(json.dumps(truth))
        assert truth["rendered"] and len(truth["call_id"]) == 16
        assert expected_violations(truth) == truth["violations"]
        mono = x.sum(0)
        for t in truth["turns"]:
            assert 0.0 <= t["start"] < t["end"] <= truth["duration"]
            assert _rms(mono, t["start"], t["end"]) > 0.02, (key, t["text"])


def test_speech_starts_and_ends_at_truth_times(rendered):
    out, calls = rendered
    truth = calls["interrupt"]
    x, _ = _load(out, truth)
    for t in truth["turns"]:
        ch = x[0] if t["role"] == "agent" else x[1]
        seg = np.abs(ch[int(t["start"] * RATE): int(t["end"] * RATE)])
        peak = seg.max()
        head = np.abs(ch[int(t["start"] * RATE): int(t["start"] * RATE) + 80]).max()
        tail = np.abs(ch[int(t["end"] * RATE) - 80: int(t["end"] * RATE)]).max()
        assert head > 0.004 * peak and tail > 0.004 * peak, t["text"]   # trim: 0.005
        before = np.abs(ch[max(0, int(t["start"] * RATE) - 400): int(t["start"] * RATE) - 8])
        assert before.size == 0 or before.max() < 0.05 * peak or t["gap"] < 0.3, t["text"]


def test_stereo_agent_only_on_agent_channel(rendered):
    out, calls = rendered
    for key, agent_ch in (("interrupt", 0), ("pii", 1)):
        truth = calls[key]
        assert truth["agent_channel_index"] == agent_ch
        x, _ = _load(out, truth)
        agent, cust = x[agent_ch], x[1 - agent_ch]
        turns = truth["turns"]
        for i, t in enumerate(turns):
            others = [u for j, u in enumerate(turns) if j != i
                      and u["start"] < t["end"] and t["start"] < u["end"]]
            if others:
                continue                       # overlapped: both channels carry speech
            a, c = _rms(agent, t["start"], t["end"]), _rms(cust, t["start"], t["end"])
            if t["role"] == "agent":
                assert a > 5 * c, (key, t["text"], a, c)
            else:
                assert c > 5 * a, (key, t["text"], a, c)
        doc = to_call_document(truth)
        assert doc.channels == 2 and doc.speakers[0].channel == agent_ch


def test_interruptions_are_real_overlaps(rendered):
    out, calls = rendered
    truth = calls["interrupt"]
    x, _ = _load(out, truth)
    assert len(truth["overlaps"]) >= 3
    for ov in truth["overlaps"]:
        assert ov["end"] - ov["start"] > 0.2
        assert _rms(x[0], ov["start"], ov["end"]) > 0.02
        assert _rms(x[1], ov["start"], ov["end"]) > 0.02


def test_hold_call_has_twenty_seconds_of_real_silence(rendered):
    out, calls = rendered
    truth = calls["hold"]
    x, _ = _load(out, truth)
    mono = x[0]
    (hold,) = truth["holds"]
    assert hold["end"] - hold["start"] >= 20.0 and not hold["notice"]
    assert np.abs(mono[int(hold["start"] * RATE) + 8: int(hold["end"] * RATE) - 8]).max() < 1e-3
    # the clean call has no gap over 20 s anywhere
    clean = calls["clean"]
    assert not clean["holds"] and clean["violations"] == []


def test_noise_is_added_and_recorded(rendered):
    out, calls = rendered
    truth = calls["pii"]
    assert truth["snr_db"] == 26.0 and "noise" in truth["tags"]
    x, _ = _load(out, truth)
    quiet = [(a["end"], b["start"]) for a, b in zip(truth["turns"], truth["turns"][1:],
                                                     strict=False) if b["start"] - a["end"] > 0.3]
    a, b = quiet[0]
    assert 1e-4 < _rms(x[0], a + 0.05, b - 0.05) < 0.05


def test_render_speed(tmp_path):
    from hotline.synth.render import render_call

    call = build_scenarios(seed=0, kinds=["clean"], languages=("en",))[0]
    render_call(call, tmp_path)                       # warm the page cache
    t0 = time.perf_counter()
    truth = render_call(call, tmp_path)
    elapsed = time.perf_counter() - t0
    assert truth["duration"] > 30 and elapsed < 3.0, elapsed


def test_make_calls_cli(tmp_path):
    path = Path(__file__).parents[2] / "scripts" / "make_calls.py"
    spec = importlib.util.spec_from_file_location("make_calls", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    main = mod.main
    assert main(["--out", str(tmp_path / "t"), "--kinds", "all", "--text-only"]) == 0
    assert len(list((tmp_path / "t").glob("*.json"))) == 2 * len(KINDS)
    assert main(["--out", str(tmp_path / "a"), "--n", "2", "--lang", "zh",
                 "--stereo-ratio", "1"]) == 0
    truths = [load_truth(p) for p in sorted((tmp_path / "a").glob("*.json"))]
    assert len(truths) == 2 and all(t["channels"] == 2 and t["language"] == "zh" for t in truths)
    assert main(["--out", str(tmp_path / "b"), "--kinds", "nonsense"]) == 2
    # --date: a whole day of recordings (what `make demo` reports on)
    assert main(["--out", str(tmp_path / "d"), "--n", "5", "--text-only", "--date", "2026-11-21"]) == 0
    days = {load_truth(p)["metadata"]["date"] for p in (tmp_path / "d").glob("*.json")}
    assert days == {"2026-11-21"}


def test_mulaw_encoding(tmp_path):
    from hotline.synth.render import render_call

    call = build_scenarios(seed=0, kinds=["clean"], languages=("zh",))[0]
    truth = render_call(call, tmp_path, encoding="ulaw")
    info = sf.info(tmp_path / truth["audio"])
    assert info.subtype == "ULAW" and info.samplerate == RATE and truth["encoding"] == "ulaw"
