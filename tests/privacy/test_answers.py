"""Redaction that does not trust ASR: answers to an agent's PII question, separators, and
reference numbers that must stay."""

from __future__ import annotations

import re

import pytest

from hotline.privacy.asks import answer_types, asked_type
from hotline.privacy.redact import find_pii, redact_document, redact_text


def _digitish(text: str) -> list[str]:
    homophones = r"free|for|to|too|won|oh|ate|one|two|three|four|five|six|seven|eight|nine"
    return re.findall(rf"\d|\b(?:{homophones})\b", text, re.I)


@pytest.mark.parametrize("text,kind", [
    ("card 4111.1111.1111.1111", "card_number"),
    ("it's 4111/1111/1111/1111", "card_number"),
    ("call me on +1 (415) 555-2671", "phone"),
    ("my email is john underscore smith at gmail dot com", "email"),
    ("write to mary_lee-2 at mail dot example dot co dot uk", "email"),
])
def test_separators_and_spoken_emails(text: str, kind: str) -> None:
    assert kind in {k for k, _s, _e in find_pii(text)}
    out = redact_text(text)
    assert not re.search(r"\d{3}", out) and "smith" not in out and "mary" not in out


@pytest.mark.parametrize("text", [
    "your order number is 20261130",
    "the ticket 202611301234 is still open",
    "订单号2026113012345678",
    "tracking number 7731 2046 1185 9920",
    "工单号是202611300001",
    "the log says 20261130143055",
])
def test_reference_numbers_stay(text: str) -> None:
    assert find_pii(text) == []


def test_luhn_valid_date_like_number_is_still_a_card() -> None:
    # 2026 1130 0000 0007 passes Luhn: a card that happens to start like a date goes
    assert find_pii("2026113000000007")[0][0] == "card_number"
    assert find_pii("2026113000000006") == []


def test_asked_type() -> None:
    assert asked_type("What's the card number?") == "card_number"
    assert asked_type("And the security code on the back of your card?") == "cvv"
    assert asked_type("Can I have a phone number to call you back on?") == "phone"
    assert asked_type("请问您的身份证号码是多少？") == "id_number"
    assert asked_type("What's your email address?") == "email"
    assert asked_type("I have blocked the SIM card for you.") is None


def test_garbled_card_after_question_is_masked(make_doc) -> None:
    doc = make_doc([
        ("agent", "What's the card number?"),
        ("customer", "It's 5.928 free free six, 96.73 free free"),
        ("agent", "Thank you. And the security code on the back?"),
        ("customer", "free to won"),
        ("agent", "Is there anything else?"),
        ("customer", "I have been with you for 20 years and pay 128 yuan"),
    ])
    out = redact_document(doc)
    assert out.turns[1].text == "It's [CARD]"
    assert out.turns[3].text == "[CVV]"
    for i in (1, 3):
        assert not _digitish(" ".join(w.word for w in out.turns[i].words))
    assert out.turns[5].text == "I have been with you for 20 years and pay 128 yuan"
    kinds = [(r.type, r.turn) for r in out.redactions]
    assert kinds == [("card_number", 1), ("cvv", 3)]
    card = out.redactions[0]
    assert (card.start, card.end) == (doc.turns[1].words[1].start, doc.turns[1].words[-1].end)


def test_answers_by_phone_id_and_email(make_doc) -> None:
    doc = make_doc([
        ("agent", "Can I have a phone number to call you back on?"),
        ("customer", "four one five, five five five, to six seven won"),
        ("agent", "And your email address?"),
        ("customer", "sure it's john smith four two at gmail dot com"),
        ("agent", "Thanks, my order reference for you is 20261130."),
        ("customer", "ok, the order is 20261130"),
    ])
    out = redact_document(doc)
    assert out.turns[1].text == "[PHONE]"
    assert out.turns[3].text == "sure it's [EMAIL]"
    assert out.turns[5].text == "ok, the order is 20261130"


def test_chinese_answer_to_id_question(make_doc) -> None:
    doc = make_doc([("agent", "请问您的身份证号码是多少？"),
                    ("customer", "一一零一零五，一九四九，一二三一，零零二")], language="zh")
    out = redact_document(doc)
    assert out.turns[1].text == "[ID]"
    assert [r.type for r in out.redactions] == ["id_number"]


def test_answer_window_ends(make_doc) -> None:
    doc = make_doc([("agent", "What's the card number?")] + [("customer", "hmm")] * 5
                   + [("customer", "one two three four")])
    assert answer_types(doc)[:6] == [None, "card_number", "card_number", "card_number",
                                     "card_number", None]
    out = redact_document(doc)
    assert out.turns[6].text == "one two three four"


def test_answer_to_a_reference_question_stays(make_doc) -> None:
    doc = make_doc([("agent", "订单号再报一下？"),
                    ("customer", "6217 0000 1234 5678，这是订单号，不是卡号。"),
                    ("agent", "请问设备的IMEI后四位？"), ("customer", "后四位是4471。")],
                   language="zh")
    out = redact_document(doc)
    assert out.turns[1].text == "6217 0000 1234 5678，这是订单号，不是卡号。"
    assert out.turns[3].text == "后四位是4471。" and out.redactions == []


def test_blind_dev_corpus_meets_the_goals() -> None:
    """The dev half of the corpus written apart from the redactor (the frozen half is only
    scored by scripts/bench_redaction.py)."""
    import json
    from pathlib import Path

    from hotline.privacy.scoring import score_items

    path = Path(__file__).resolve().parents[1] / "data" / "eval" / "dev" / "redaction.jsonl"
    scores = score_items([json.loads(line) for line in path.open(encoding="utf-8")])
    assert scores.spans >= 150 and scores.negatives >= 60
    assert scores.recall >= 0.97, scores.misses
    assert scores.fp_rate <= 0.03, scores.misses
