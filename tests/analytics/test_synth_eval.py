"""Accuracy on the labelled synthetic set (synth package): violation F1, angry recall, clean calls.

The set covers every kind (clean, each rule broken, angry/negative customers, PII, hold with
notice, minor overtalk) in English and Mandarin, plus a realistic random mix; text only.
"""

from __future__ import annotations

import pytest

from hotline.synth.scenarios import KINDS, RULE_IDS, build_scenarios
from hotline.synth.truth import to_call_document


@pytest.fixture(scope="module")
def labelled():
    return build_scenarios(seed=3, kinds=list(KINDS)) + build_scenarios(seed=11, n=60)


@pytest.fixture(scope="module")
def results(labelled, analyzer):
    return [(truth, analyzer.analyze(to_call_document(truth))) for truth in labelled]


def test_set_covers_every_rule_both_languages_and_clean_calls(labelled):
    for lang in ("en", "zh"):
        calls = [t for t in labelled if t["language"] == lang]
        assert {r for t in calls for r in t["violations"]} == set(RULE_IDS)
        assert any(not t["violations"] for t in calls)
        assert any(t["customer_emotion"] == "angry" for t in calls)
        assert any(t["customer_emotion"] == "neutral" for t in calls)


def test_violation_f1_micro_over_rule_ids(results):
    tp = fp = fn = 0
    misses = []
    for truth, doc in results:
        pred, gold = {v.rule for v in doc.violations}, set(truth["violations"])
        tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
        if pred != gold:
            misses.append((truth["name"], sorted(pred - gold), sorted(gold - pred)))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.9, (f1, misses)
    for rule in RULE_IDS:  # every rule is found at least once per language
        for lang in ("en", "zh"):
            assert any(rule in {v.rule for v in d.violations} and rule in t["violations"]
                       for t, d in results if t["language"] == lang), (rule, lang)


def test_angry_turn_recall(results):
    angry = hit = 0
    for truth, doc in results:
        for gold, turn in zip(truth["turns"], doc.turns, strict=True):
            if gold["role"] == "customer" and gold["emotion"] == "angry":
                angry += 1
                hit += turn.emotion.label == "angry"
    assert angry >= 20
    assert hit / angry >= 0.9


def test_no_violations_on_clean_calls(results):
    clean = [(t, d) for t, d in results if not t["violations"]]
    assert len(clean) >= 10
    for truth, doc in clean:
        assert doc.violations == [], (truth["name"], [(v.rule, v.evidence) for v in doc.violations])


def test_emotion_summary_flags_escalation_for_angry_customers(results):
    for truth, doc in results:
        summary = doc.emotion_summary
        assert summary["role"] == "customer" and summary["trajectory"]
        if truth["customer_emotion"] == "angry":
            assert summary["escalation"] is True
            first = next(i for i, t in enumerate(truth["turns"])
                         if t["role"] == "customer" and t["emotion"] == "angry")
            assert summary["escalation_turn"] == first
            assert summary["start"] == "angry" and summary["recommendation"]


def test_metrics_are_filled_and_consistent(results):
    for truth, doc in results:
        m = doc.metrics
        assert m["call_duration"] == pytest.approx(truth["duration"], abs=0.01)
        assert 0 < m["talk_ratio_agent"] < 1 and 0 < m["talk_ratio_customer"] < 1
        assert 0 <= m["silence_ratio"] < 1
        assert m["interruptions_by_agent"] == len(truth["overlaps"])
        if "hold.no_notice" in truth["violations"]:
            assert m["longest_silence"] > 20
