"""The spine end to end on real audio with the real models (no mocks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate

from hotline.asr.wer import word_error_rate
from hotline.document import CallDocument

JFK = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
LEFT = "He began a confused complaint against the wizard, who had vanished behind the curtain on the left."
RIGHT = "The horizon seems extremely distant."


def _text(doc: CallDocument, speaker: str | None = None) -> str:
    return " ".join(t.text for t in doc.turns if speaker is None or t.speaker == speaker)


def test_jfk_transcript_and_document(pipeline, data_dir):
    doc = pipeline.process(data_dir / "jfk.flac")
    assert word_error_rate(JFK, _text(doc)) <= 0.05
    assert len(doc.call_id) == 16 and doc.language == "en"
    native_rate = int(subprocess.run(["soxi", "-r", str(data_dir / "jfk.flac")], capture_output=True,
                                     text=True, check=True).stdout)
    assert doc.sample_rate == native_rate and abs(doc.duration - 11.0) < 0.2
    assert {t.speaker for t in doc.turns} <= {s.id for s in doc.speakers}
    words = [w for t in doc.turns for w in t.words]
    assert all(t.start <= w.start <= w.end <= t.end + 1e-6 for t in doc.turns for w in t.words)
    assert words and all(w.start < w2.start + 1e-6 for w, w2 in zip(words, words[1:], strict=False))
    roundtrip = CallDocument.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert roundtrip == doc


def test_stereo_channels_are_exact(pipeline, data_dir):
    doc = pipeline.process(data_dir / "stereo_diarization.wav", stereo_agent="left")
    roles = {s.id: s.role for s in doc.speakers}
    assert roles == {"S0": "agent", "S1": "customer"}
    left, right = _text(doc, "S0").lower(), _text(doc, "S1").lower()
    # Exact attribution: each channel's words land on its own speaker and nowhere else.
    assert all(w in left and w not in right for w in ("wizard", "curtain", "vanished"))
    assert all(w in right and w not in left for w in ("horizon", "distant"))
    assert word_error_rate(LEFT, left) <= 0.25 and word_error_rate(RIGHT, right) <= 0.25
    flipped = pipeline.process(data_dir / "stereo_diarization.wav", stereo_agent="right")
    assert {s.id: s.role for s in flipped.speakers} == {"S0": "customer", "S1": "agent"}


def test_synthetic_calls_roles_and_der(pipeline, synthetic_calls):
    metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    for truth in synthetic_calls:
        doc = pipeline.process(Path(truth["dir"]) / truth["audio"])
        role_of = {s.id: s.role for s in doc.speakers}
        ref, hyp = Annotation(), Annotation()
        for t in truth["turns"]:
            ref[Segment(t["start"], t["end"])] = t["role"]
        for t in doc.turns:
            hyp[Segment(t.start, t.end)] = role_of[t.speaker]
        # Roles as labels: DER here counts role errors too, so it checks both at once.
        der = metric(ref, hyp, uem=Segment(0, doc.duration))
        assert der <= 0.05, (truth["name"], der)
        for t in doc.turns:
            truth_roles = [r["role"] for r in truth["turns"]
                           if min(r["end"], t.end) - max(r["start"], t.start) > 0]
            assert t.role in truth_roles, (truth["name"], t)


def test_silence_is_a_valid_call_with_no_turns(pipeline, tmp_path):
    path = tmp_path / "silence.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(path), "trim", "0", "5"], check=True)
    doc = pipeline.process(path)
    assert doc.turns == [] and doc.violations == [] and abs(doc.duration - 5.0) < 0.05


def _cli(*args: str) -> subprocess.CompletedProcess:
    hotline = Path(sys.executable).parent / "hotline"
    return subprocess.run([str(hotline), *args], capture_output=True, text=True, timeout=300)


def test_cli_json_to_stdout_follows_contract(data_dir):
    proc = _cli("transcribe", str(data_dir / "jfk.flac"), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    for key in ("call_id", "source", "duration", "sample_rate", "channels", "language",
                "pipeline_version", "speakers", "turns", "violations", "metrics", "redactions"):
        assert key in doc
    turn = doc["turns"][0]
    assert turn["role"] in ("agent", "customer", "unknown")
    assert turn["emotion"]["label"] in ("neutral", "positive", "negative", "angry")
    assert {"word", "start", "end", "probability"} <= set(turn["words"][0])


@pytest.mark.parametrize("kind", ["missing", "empty", "garbage"])
def test_cli_rejects_bad_input_with_exit_1(tmp_path, kind):
    path = tmp_path / "bad.wav"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    proc = _cli("transcribe", str(path))
    assert proc.returncode == 1
    assert "rejected" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_usage_error_exit_2():
    assert _cli("transcribe", "x.wav", "--language", "fr").returncode == 2


def test_pii_call_is_redacted_and_gets_a_muted_audio_copy(pipeline, tmp_path):
    """A customer reading a card number: no digits survive, and the exported copy is silent
    exactly where the redactions are while the original still has speech there."""
    import re

    import soundfile as sf

    from hotline.audio import decode_audio
    from hotline.synth.render import render_call
    from hotline.synth.scenarios import build_scenarios

    truth = render_call(build_scenarios(seed=4, n=1, languages=("en",), kinds=["pii"])[0], tmp_path)
    doc = pipeline.process(tmp_path / truth["audio"])
    assert doc.redactions, "the card/phone read out in the call was not found"
    card_values = [p["value"] for p in truth["pii"] if p["type"] == "card_number"]
    spoken = " ".join(t.text for t in doc.turns) + " ".join(w.word for t in doc.turns for w in t.words)
    for value in card_values:
        assert re.sub(r"\D", "", value)[-8:] not in re.sub(r"\D", "", spoken)
    muted, rate = sf.read(doc.metadata["redacted_audio"], always_2d=True)
    original = decode_audio(tmp_path / truth["audio"]).mono
    for r in doc.redactions:
        a, b = int(r.start * rate), int(r.end * rate)
        assert np.abs(muted[a:b]).max() == 0.0
    loud = [r for r in doc.redactions if np.abs(original[int(r.start * 16000):int(r.end * 16000)]).max() > 0.05]
    assert loud, "redacted spans should cover real speech in the original"


def test_settings_booleans_parse_and_reject_garbage():
    from hotline.errors import ConfigError
    from hotline.settings import load_settings

    assert load_settings({"HOTLINE_REDACTED_AUDIO": "0"}).redacted_audio is False
    assert load_settings({"HOTLINE_REDACTED_AUDIO": "yes"}).redacted_audio is True
    with pytest.raises(ConfigError):
        load_settings({"HOTLINE_REDACTED_AUDIO": "maybe"})


def test_real_mandarin_is_flagged_with_no_text_and_no_analytics(pipeline, data_dir):
    """funasr_sample.wav (real Mandarin) under tiny.en once came out as confident English with
    greeting/closing violations; now: flagged, language not English, no text, nothing analysed."""
    doc = pipeline.process(data_dir / "funasr_sample.wav")
    assert doc.asr["flags"] == ["language_unsupported"] and doc.asr["model"] == "tiny.en"
    assert doc.language == "zh" and doc.asr["confidence"] < 0.48
    assert doc.turns and all(t.text == "" and t.words == [] for t in doc.turns)
    assert doc.violations == [] and doc.intents == []
    assert doc.metrics.get("analytics_skipped") == "language_unsupported"
    roundtrip = CallDocument.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert roundtrip.asr_flags == ["language_unsupported"]


def test_english_call_has_confidence_and_no_flags(pipeline, data_dir):
    doc = pipeline.process(data_dir / "jfk.flac")
    assert doc.asr["flags"] == [] and doc.asr["language"] == "en"
    assert 0.6 < doc.asr["confidence"] <= 1.0


@pytest.fixture(scope="module")
def right_agent_calls(tmp_path_factory):
    """Generated stereo calls with the agent on the RIGHT channel (English and Mandarin)."""
    from hotline.synth.render import render_call
    from hotline.synth.scenarios import build_scenarios

    out = tmp_path_factory.mktemp("right_agent")
    en = build_scenarios(seed=21, n=1, languages=("en",), kinds=["clean"])[0]
    zh = build_scenarios(seed=22, n=1, languages=("zh",), kinds=["clean"])[0]
    return [render_call(s, out, stereo=True, agent_channel="right") | {"dir": str(out)}
            for s in (en, zh)]


def test_stereo_roles_follow_what_is_said_with_default_settings(pipeline, right_agent_calls):
    """Default stereo_agent is left; the agent greets and offers help on the right: evidence wins."""
    truth = right_agent_calls[0]
    doc = pipeline.process(Path(truth["dir"]) / truth["audio"])
    roles = {s.id: s.role for s in doc.speakers}
    assert roles == {"S0": "customer", "S1": "agent"}
    agent = next(s for s in doc.speakers if s.role == "agent")
    assert "followed the evidence" in agent.role_evidence and 0.5 < agent.role_confidence < 1.0
    assert all(t.role == roles[t.speaker] for t in doc.turns)


def test_espeak_mandarin_stereo_call_is_flagged_per_channel(pipeline, right_agent_calls):
    truth = right_agent_calls[1]
    doc = pipeline.process(Path(truth["dir"]) / truth["audio"])
    assert "language_unsupported" in doc.asr["flags"] and doc.language == "zh"
    # Each channel is judged on its own; espeak Mandarin is flagged on both channels in most
    # runs, but one fresh-clone run left one channel just unflagged (tiny.en decodes vary with
    # thread timing). What must hold: the call is flagged and no channel keeps invented text.
    flagged = [("language_unsupported" in ch["flags"]) for ch in doc.asr["channels"]]
    assert len(flagged) == 2 and any(flagged)
    assert {t.speaker for t in doc.turns} == {"S0", "S1"}
    assert all(t.text == "" for t in doc.turns) and doc.violations == []
