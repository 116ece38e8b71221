"""Trained behaviour recognisers (analytics/recognise.py): paraphrases nobody listed, ASR-garbled
forms, actions performed vs offered, calm complaints vs anger, and their use in the rules.

The sentences here are written for these tests: they are in no training set (dev calls, seeds).
"""

from __future__ import annotations

import pytest

from hotline.analytics.recognise import Recognisers, pieces, recogniser_labels
from hotline.analytics.rulebook import parse_rulebook
from hotline.analytics.scoring import analyze_labelled
from hotline.errors import ConfigError


@pytest.fixture(scope="module")
def rec(book) -> Recognisers:
    assert book.recognisers is not None
    return book.recognisers


def _p(rec: Recognisers, label: str, text: str) -> float:
    return float(rec.unit_scores([text])[0][rec.index(label)])


@pytest.mark.parametrize(("label", "yes", "no"), [
    ("greeting_company", "Good day, thanks for ringing Polaris Mobile.", "Hey, what's the problem?"),
    ("greeting_company", "welcome to north wayne pelicom", "Thanks for holding, I'm back."),
    # the greeting halves apart (trained on dev3's company_only / name_only phrases)
    ("greeting_company", "welcome to north wayne pelicom", "Hello, Ella speaking."),
    ("own_name", "Hi, Meera speaking, what can I do for you?", "Polaris Mobile, good day."),
    ("own_name", "Hi, Meera speaking, what can I do for you?", "Okay, let me look at that for you."),
    ("anything_else", "Can I give you a hand with anything more today?",
     "Could you read me the serial number?"),
    ("thanks", "Many thanks for ringing us, enjoy your evening.", "Right, done, bye."),
    ("hold_notice", "Would you mind holding on while I speak to my supervisor?",
     "Thanks for waiting there."),
    ("empathy", "Oh dear, I really am sorry you've had such a rough time with this.",
     "Let me pull up the account."),
    ("deflection", "Honestly, that's not something I handle, phone somebody else.",
     "I'll transfer you to the team who handles that."),
    ("verification", "Can you confirm your full date of birth for me first?",
     "Which town are you calling from?"),
    ("account_action", "Okay, I've now stopped the handset insurance on your account.",
     "Would you like me to stop the handset insurance?"),
    ("greeting_company", "您好，欢迎致电极光通信。", "您好，请讲。"),
    ("empathy", "真是太抱歉了，给您造成困扰了。", "我帮您看一下。"),
    ("account_action", "已经为您把套餐改好了。", "您需要改套餐吗？"),
])
def test_recogniser_separates_behaviour_from_near_miss(rec: Recognisers, label: str, yes: str,
                                                       no: str) -> None:
    assert _p(rec, label, yes) >= 0.5 > _p(rec, label, no)


@pytest.mark.parametrize("text", [
    "I'm fed up, this is the fourth time and I'll be taking this to the regulator.",
    "three weeks of excuses now and I'm done, cancel the lot and I'll tell everyone",
    # a calm threat the recogniser gives 0.74: said calmly, anger needs p >= 0.8 (a raised voice
    # makes it angry); a known miss
    pytest.param("if this isn't sorted today I'm leaving for another provider",
                 marks=pytest.mark.xfail(strict=True, reason="calm threat, p 0.74 < 0.8")),
])
def test_anger_without_exclamation_marks_is_angry(analyzer, scorer, text: str) -> None:
    assert analyzer.emotion.recognisers is not None and scorer.recognisers is None
    assert analyzer.emotion.score_text(text, "en").label == "angry"


@pytest.mark.parametrize("text", [
    "I would like to register a formal complaint about the roaming charges, please.",
    "I'm a little disappointed that the engineer didn't turn up.",
])
def test_calm_complaint_is_negative_not_angry(analyzer, text: str) -> None:
    assert analyzer.emotion.score_text(text, "en").label == "negative"


def test_garbled_brand_still_greets(analyzer) -> None:
    call = {"id": "t", "language": "en", "violations": [], "turns": [
        {"role": "agent", "text": "good evening welcome to north wayne pelicom my name is lucy"},
        {"role": "customer", "text": "Hi, my router keeps dropping.", "emotion": "negative"}]}
    assert "greeting.missing" not in {v.rule for v in analyze_labelled(analyzer, call).violations}
    call["turns"][0]["text"] = "hello what do you need"
    assert "greeting.missing" in {v.rule for v in analyze_labelled(analyzer, call).violations}


def test_pieces_score_each_sentence_and_the_whole() -> None:
    assert pieces("One. Two?") == ["One.", "Two?", "One. Two?"]
    assert pieces("no punctuation at all") == ["no punctuation at all"]


def test_unknown_recogniser_is_a_config_error() -> None:
    assert "empathy" in recogniser_labels()
    text = "rules:\n  - id: x\n    severity: minor\n    message: m\n    forbid:\n      recognise: empaty\n"
    with pytest.raises(ConfigError, match=r"<rulebook>:6:\d+: unknown recogniser 'empaty'"):
        parse_rulebook(text)


def _build_script():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "build_recognisers.py"
    spec = importlib.util.spec_from_file_location("build_recognisers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)     # dataclasses look their module up
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name]


def test_training_labels_follow_the_call_labels() -> None:
    """What the build script learns from: a clean call's first agent turn greets, a call without
    account actions has none, a noticed hold's previous agent turn is a hold notice."""
    build = _build_script()
    call = {"id": "x", "language": "en", "violations": [], "behaviours": ["greeting"], "turns": [
        {"role": "agent", "text": "Morning, Polaris here, Jo on the line."},
        {"role": "customer", "text": "My bill is wrong.", "emotion": "negative"},
        {"role": "agent", "text": "Sorry about that. Let me look, one sec."},
        {"role": "agent", "text": "Back again.", "pause_before_s": 30.0}]}
    over = build.call_overrides(call)
    assert over[0]["greeting_company"] == over[0]["own_name"] == 1
    assert over[2]["hold_notice"] == 1 and over[2]["empathy"] == 1
    assert all(o["account_action"] == 0 and o["deflection"] == 0 for o in over.values())


def test_tagged_turns_settle_labels_and_partial_greetings() -> None:
    build = _build_script()
    note = {"greeting": "name_only", "turn_tags": [["greet_partial"], [], ["action", "empathy"],
                                                   ["offer"]]}
    over = build.tag_overrides(note, [0, 2, 3])
    assert (over[0]["greeting_company"], over[0]["own_name"]) == (0, 1)
    assert over[2]["account_action"] == over[2]["empathy"] == 1
    assert over[3]["account_action"] == 0          # an offer is no action
    turn, per = {}, [{"empathy": 1}, {"empathy": 0}]
    build._settle(turn, per, "empathy", 1)         # the other sentence is unknown, not negative
    assert turn["empathy"] == 1 and per == [{"empathy": 1}, {}]
    build._settle(turn, per, "empathy", 0)
    assert per == [{"empathy": 0}, {"empathy": 0}]


def test_each_distinct_text_is_embedded_once(book, monkeypatch):
    """The emotion scorer and the rule conditions both ask about a call's customer turns: a
    text seen before is not embedded again, and its probabilities are the same."""
    rec = Recognisers(book.embedder)
    texts = ["This is the third time I call about this!", "Thank you.", "Thank you."]
    fresh = Recognisers(book.embedder).scores(texts)
    encoded: list[str] = []
    real = book.embedder.encode
    monkeypatch.setattr(book.embedder, "encode", lambda batch: encoded.extend(batch) or real(batch))
    first = rec.scores(texts)
    again = rec.scores(texts[:2])
    assert encoded == ["this is the third time i call about this.", "thank you."]
    assert (first[1] == first[2]).all() and (again == first[:2]).all()
    assert (first == fresh).all()


def test_dev3_halves_keep_a_phrase_with_its_asr_variant() -> None:
    """The recognisers train on one half of dev3 and the other is scored held out: an ASR
    variant must sit in its written phrase's half, or its wording leaks across."""
    import sys

    build = _build_script()
    items = build.dev3_phrases("all")
    half = {it["id"]: sys.modules["eval_dev3"].half(it) for it in items}
    assert all(half[it["id"]] == half[it["of"]] for it in items if it["of"])
    train = [it for it in items if half[it["id"]] == "train"]
    assert 0.4 < len(train) / len(items) < 0.6
    assert {it["id"] for it in build.dev3_phrases("train")} == {it["id"] for it in train}


def test_dev3_labels_settle_the_greeting_halves_and_near_misses() -> None:
    build = _build_script()
    assert build.dev3_labels("name_only", "agent")["greeting_company"] == 0
    assert build.dev3_labels("name_only", "agent")["own_name"] == 1
    assert build.dev3_labels("action_offer", "agent")["account_action"] == 0
    assert build.dev3_labels("apology_not_empathy", "agent")["empathy"] == 0
    assert "greeting_company" not in build.dev3_labels("closing_thanks", "agent")  # may name it
    assert build.dev3_labels("calm_complaint", "customer") == {"anger": 0}
    assert build.dev3_labels("angry", "customer") == {"anger": 1, "complaint": 1}
