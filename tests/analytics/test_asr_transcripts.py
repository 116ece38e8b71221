"""The default rulebook on real tiny.en output (not hand-cleaned text).

data/asr_*.json: synth calls rendered with espeak-ng at 8 kHz and run through this repo's
pipeline (faster-whisper tiny.en + diarization) on 2026-11-22, analytics off; stored with the
synth truth. Mishearings ("ridiculousness", "my soil", "fixed ticket code") and words cut across
turn boundaries ("verify your | identity") are what the rules must survive.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline.document import CallDocument

DATA = Path(__file__).parent / "data"


def load(name: str) -> tuple[dict, CallDocument]:
    data = json.loads((DATA / f"asr_{name}.json").read_text(encoding="utf-8"))
    return data["truth"], CallDocument.from_dict(data["asr_document"])


@pytest.mark.parametrize("name", ["en_angry_003", "en_hold-ok_005"])
def test_real_asr_transcripts_match_the_truth(analyzer, name):
    truth, doc = load(name)
    analyzer.analyze(doc)
    assert sorted({v.rule for v in doc.violations}) == truth["violations"], [
        (v.rule, v.evidence) for v in doc.violations]


def test_anger_found_in_misheard_text(analyzer):
    _truth, doc = load("en_angry_003")
    analyzer.analyze(doc)
    assert "ridiculousness" in doc.turns[1].text and doc.turns[1].emotion.label == "angry"
    assert doc.emotion_summary["escalation"] and doc.emotion_summary["escalation_turn"] == 1


def test_hold_with_notice_is_not_flagged(analyzer):
    _truth, doc = load("en_hold-ok_005")
    analyzer.analyze(doc)
    assert doc.metrics["longest_silence"] > 20
    assert "hold.no_notice" not in {v.rule for v in doc.violations}
