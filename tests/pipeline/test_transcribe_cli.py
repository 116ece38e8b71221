"""`hotline transcribe FILE...`: several files, whisper-style outputs with roles, progress."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from hotline.document import CallDocument, Turn, Word
from hotline.writers import cues, to_srt, to_tsv, to_txt, to_vtt


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    hotline = Path(sys.executable).parent / "hotline"
    return subprocess.run([str(hotline), *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd)


def _doc() -> CallDocument:
    long_words = [Word(f"word{i}", 2.0 + 0.5 * i, 2.4 + 0.5 * i) for i in range(30)]
    return CallDocument(
        call_id="c1", source="x.wav", duration=20.0, sample_rate=8000, channels=1,
        language="en", pipeline_version="t",
        turns=[Turn("S0", "agent", 0.5, 1.9, "Hello, this is Anna.",
                    [Word(" Hello,", 0.5, 0.9), Word(" this", 1.0, 1.2), Word(" is", 1.2, 1.4),
                     Word(" Anna.", 1.4, 1.9)]),
               Turn("S1", "customer", 2.0, 17.4, " ".join(w.word for w in long_words),
                    long_words),
               Turn("S0", "agent", 3661.25, 3662.0, "我们 已经 处理", [])])


def test_writers_label_roles_and_split_long_turns():
    doc = _doc()
    srt = to_srt(doc)
    assert srt.startswith("1\n00:00:00,500 --> 00:00:01,900\nAgent: Hello, this is Anna.\n")
    assert "01:01:01,250 --> 01:01:02,000\nAgent: 我们 已经 处理" in srt
    parts = cues(doc)
    customer = [c for c in parts if c.role == "customer"]
    assert len(customer) >= 3                               # 15 s of speech cut into cues
    assert all(c.end - c.start <= 7.0 and len(c.text) <= 84 for c in customer)
    assert " ".join(c.text for c in customer) == doc.turns[1].text   # nothing lost
    vtt = to_vtt(doc)
    assert vtt.startswith("WEBVTT\n\n00:00:00.500 --> 00:00:01.900\n<v Agent>Hello, this is Anna.")
    assert "<v Customer>word0 word1" in vtt
    tsv = to_tsv(doc).splitlines()
    assert tsv[0] == "start\tend\trole\tspeaker\ttext"
    assert tsv[1] == "500\t1900\tagent\tS0\tHello, this is Anna."
    assert to_txt(doc).splitlines()[0] == "Agent: Hello, this is Anna."


def test_several_files_every_format_progress_and_a_bad_file(data_dir, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF not really")
    clip = tmp_path / "jfk copy.flac"
    shutil.copy(data_dir / "jfk.flac", clip)
    out = tmp_path / "out"
    proc = _cli("transcribe", str(data_dir / "jfk.flac"), str(bad), str(clip),
                "--output-format", "all", "--output-dir", str(out), "--no-analytics")
    assert proc.returncode == 1                       # one file rejected, the others written
    assert f"rejected {bad}" in proc.stderr and "Traceback" not in proc.stderr
    for stage in ("decode", "asr", "diarize", "roles", "redact"):
        assert f"[1/2] jfk.flac: {stage}" in proc.stderr
    assert "[2/2] jfk copy.flac: done in" in proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{stem}.{ext}" for stem in ("jfk", "jfk copy")
                           for ext in ("txt", "srt", "vtt", "tsv", "json"))
    doc = json.loads((out / "jfk.json").read_text())
    srt = (out / "jfk.srt").read_text()
    role = doc["turns"][0]["role"].capitalize()
    assert f"{role}: And so my fellow Americans" in srt
    assert f"{role}: And so my fellow Americans" in (out / "jfk.txt").read_text()
    assert (out / "jfk.vtt").read_text().startswith("WEBVTT")


def test_json_with_several_files_is_a_usage_error(data_dir):
    proc = _cli("transcribe", str(data_dir / "jfk.flac"), str(data_dir / "jfk.flac"),
                "--json", "-")
    assert proc.returncode == 2 and "--json takes one FILE" in proc.stderr
