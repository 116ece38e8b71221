"""Text-only scenarios: determinism, coverage, rule isolation, PII validity, CallDocument."""

from __future__ import annotations

import json
import re
from itertools import combinations

from hotline.document import CallDocument
from hotline.synth import content as C
from hotline.synth import pii
from hotline.synth.scenarios import KINDS, RULE_IDS, build_scenarios, estimate_duration, parse_kind
from hotline.synth.truth import expected_violations, to_call_document


def test_deterministic_by_seed():
    a = build_scenarios(seed=7, n=30)
    assert a == build_scenarios(seed=7, n=30)
    assert json.dumps(a) != json.dumps(build_scenarios(seed=8, n=30))
    # a call does not depend on how many others are asked for
    assert build_scenarios(seed=7, n=5) == a[:5]


def test_labelled_set_covers_every_rule_and_language(labelled):
    assert {c["language"] for c in labelled} == {"en", "zh"}
    for lang in ("en", "zh"):
        rules = {r for c in labelled if c["language"] == lang for r in c["violations"]}
        assert rules == set(RULE_IDS)
        assert any(c["language"] == lang and not c["violations"] for c in labelled)
    assert {c["kind"] for c in labelled} == set(KINDS)


def test_each_call_breaks_exactly_its_rules(labelled):
    for call in labelled:
        want = [call["kind"]] if call["kind"] in RULE_IDS else []
        assert call["violations"] == want, call["name"]
        assert expected_violations(call) == want, call["name"]
    for call in build_scenarios(seed=3, n=200):
        assert expected_violations(call) == call["violations"], call["name"]


def _agent_text(call):
    return " ".join(t["text"] for t in call["turns"] if t["role"] == "agent").lower()


def test_texts_match_the_labels():
    for call in build_scenarios(seed=5, n=120):
        v, agent = set(call["violations"]), _agent_text(call)
        first = call["turns"][0]
        assert first["role"] == "agent"
        greeted = call["company"].lower() in first["text"].lower() and \
            call["agent_name"].lower() in first["text"].lower()
        assert greeted == ("greeting.missing" not in v), call["name"]
        closing = ("anything else" in agent or "还有其他" in agent) and \
            ("thank you for calling" in agent or "感谢您致电" in agent)
        assert closing == ("closing.missing" not in v), call["name"]
        forbidden = any(p in agent for p in C.FORBIDDEN_PHRASES)
        assert forbidden == ("language.forbidden" in v), call["name"]
        if "empathy.missing" in v:
            assert call["customer_emotion"] == "angry"
            assert not any(w in agent for w in C.EMPATHY_WORDS), call["name"]
        if call["customer_emotion"] == "angry" and "empathy.missing" not in v:
            assert any(w in agent for w in C.EMPATHY_WORDS), call["name"]
        customer = " ".join(t["text"] for t in call["turns"] if t["role"] == "customer").lower()
        assert not any(p in customer for p in C.FORBIDDEN_PHRASES)


def test_times_gaps_and_overlaps():
    for call in build_scenarios(seed=2, n=80):
        turns = call["turns"]
        assert turns[0]["start"] < 1.0
        assert all(t["end"] > t["start"] for t in turns)
        assert call["duration"] >= max(t["end"] for t in turns)
        v = call["violations"]
        assert (len(call["overlaps"]) >= 3) == ("interruption.excessive" in v), call["name"]
        silent = [h for h in call["holds"] if h["end"] - h["start"] > 20 and not h["notice"]]
        assert bool(silent) == ("hold.no_notice" in v), call["name"]


def test_all_intents_both_languages_with_intent_specific_openings():
    calls = build_scenarios(seed=0, n=50, kinds=["clean"])
    for lang in ("en", "zh"):
        got = {c["intents"][0] for c in calls if c["language"] == lang}
        assert got == set(C.INTENTS), lang
    for call in calls:
        opening = next(t for t in call["turns"] if t["role"] == "customer")
        assert opening["intent"] == call["intents"][0]
        variants = [o.split("{")[0][:6] for o in C.INTENTS[opening["intent"]][call["language"]]["open"]]
        assert any(v in opening["text"] for v in variants), opening["text"]


def test_angry_customers_and_emotions(labelled):
    angry = [c for c in labelled if c["customer_emotion"] == "angry"]
    assert {c["language"] for c in angry} == {"en", "zh"}
    for call in angry:
        assert any(t["emotion"] == "angry" for t in call["turns"] if t["role"] == "customer")
    for call in labelled:
        for t in call["turns"]:
            assert t["role"] in ("agent", "customer")
            assert t["emotion"] in ("neutral", "positive", "negative", "angry")


def test_pii_is_well_formed_and_present():
    calls = build_scenarios(seed=1, n=40, kinds=["pii"])
    seen = set()
    for call in calls:
        for item in call["pii"]:
            turn = call["turns"][item["turn"]]
            assert turn["role"] == "customer"
            assert item["text"] in turn["text"]
            seen.add((item["type"], item.get("form")))
            if item["type"] == "id_number":
                assert pii.id_ok(item["value"]) and len(item["value"]) == 18
            if item["type"] == "card_number":
                assert pii.luhn_ok(item["value"]) and len(item["value"]) == 16
            if item["type"] == "phone_number":
                assert re.fullmatch(r"1[3-9]\d{9}", item["value"])
            if item["type"] == "email":
                assert re.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.com", item["value"])
    types = {t for t, _ in seen}
    assert {"id_number", "card_number", "phone_number", "email", "cvv"} <= types
    assert {("card_number", f) for f in ("digits", "spoken", "split")} <= seen
    assert not any(c["pii"] for c in build_scenarios(seed=1, kinds=["clean"]))


def test_checksums_reject_bad_numbers():
    assert pii.id_ok("11010519491231002X")
    assert not pii.id_ok("110105194912310021")
    assert pii.luhn_ok("4111111111111111") and not pii.luhn_ok("4111111111111112")


def test_to_call_document_round_trips(labelled):
    for call in labelled:
        doc = to_call_document(call)
        data = json.loads(json.dumps(doc.to_dict(), ensure_ascii=False))
        assert CallDocument.from_dict(data) == doc
        assert [(s.id, s.role) for s in doc.speakers] == [("S0", "agent"), ("S1", "customer")]
        assert doc.intents == call["intents"] and doc.metadata == call["metadata"]
        assert doc.metadata["date"] and doc.metadata["agent_id"] and doc.metadata["area"]
        for turn, src in zip(doc.turns, call["turns"], strict=True):
            assert turn.emotion is None and turn.role == src["role"]
            assert turn.words and turn.words[0].start == turn.start
            assert abs(turn.words[-1].end - turn.end) < 1e-2
            assert all(turn.start <= w.start <= w.end <= turn.end + 1e-6 for w in turn.words)
    doc = to_call_document(labelled[2], with_violations=True)
    assert [v.rule for v in doc.violations] == labelled[2]["violations"]


def test_duration_estimate_scales_with_text():
    assert estimate_duration("one two three four five six", "en") < \
        estimate_duration("one two three four five six seven eight nine ten eleven twelve", "en")
    assert estimate_duration("我家5G信号特别差", "zh") > 1.0


def test_combined_kinds_break_exactly_their_rules():
    extra = ["pii", "hold.ok", "angry", "negative", "overtalk.minor", "multi_intent"]
    kinds = ["+".join(c) for r in (2, 3) for c in combinations([*RULE_IDS, *extra], r)]
    calls = build_scenarios(seed=4, kinds=kinds)
    for call in calls:
        assert expected_violations(call) == call["violations"], call["name"]
        assert set(call["violations"]) == set(parse_kind(call["kind"])) & set(RULE_IDS)


def test_multi_intent_calls_carry_both_intents(labelled):
    multi = [c for c in labelled if c["kind"] == "multi_intent"]
    assert {c["language"] for c in multi} == {"en", "zh"}
    for call in multi:
        assert len(call["intents"]) == 2 and call["violations"] == []
        per_turn = [t["intent"] for t in call["turns"] if t["intent"]]
        assert per_turn == call["intents"]
