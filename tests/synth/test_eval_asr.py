"""scripts/eval_asr.py on a one-call set: the blind calls' turns rendered in the evaluation
voices and heard by the real tiny.en, cached per call and resumable (it had broken imports
once, unnoticed, because nothing ran it)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "eval_asr.py"
CALL = {"id": "t-en-001", "language": "en", "turns": [
    {"role": "agent", "text": "Thank you for calling, how can I help you today?"},
    {"role": "customer", "text": "My internet has been down since this morning.",
     "emotion": "negative"}], "violations": []}


def _script():
    spec = importlib.util.spec_from_file_location("eval_asr", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_turns_are_heard_and_cached_once(tmp_path):
    folder = tmp_path / "dev2"
    folder.mkdir()
    zh = {**CALL, "id": "t-zh-001", "language": "zh"}
    (folder / "calls.jsonl").write_text("\n".join(json.dumps(c) for c in (CALL, zh)) + "\n")
    script = _script()
    assert script.main(["dev2", "--eval-dir", str(tmp_path)]) == 0
    cache = json.loads((folder / "asr_cache.json").read_text())
    assert list(cache["calls"]) == ["t-en-001"]           # Mandarin: no offline model, skipped
    heard = cache["calls"]["t-en-001"]
    assert len(heard["texts"]) == 2 and len(heard["durations"]) == 2 and heard["voices"]
    assert "internet" in heard["texts"][1].lower() or "down" in heard["texts"][1].lower()
    before = (folder / "asr_cache.json").stat().st_mtime_ns
    assert script.main(["dev2", "--eval-dir", str(tmp_path)]) == 0   # nothing left to do
    assert (folder / "asr_cache.json").stat().st_mtime_ns == before
