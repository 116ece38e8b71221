"""The "cannot hold PII" shortcut of the re-check (hotline.privacy.inert) never hides PII.

Exactness rests on two facts, both checked here: the scanner never calls a run of fewer than
`MIN_PII_DIGITS` digits anything but a CVV, and no stream called inert yields a hit when
scanned in full — on the dev redaction corpus (alone, with its question, split into turns at
every space), the synthetic PII calls and generated number-heavy streams.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from hotline.privacy import redact as R
from hotline.privacy.inert import MIN_PII_DIGITS, MIN_PII_DIGITS_NO_CARD, segment, stream_is_inert

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/data/eval/dev/redaction.jsonl"     # dev only: frozen stays held out
CONTEXTS = ["", "card number", "my phone", "call me on", "ID number", "security code",
            "order number", "+", "卡号", "手机号码", "身份证", "visa debit", "contact"]
PIECES = ["one", "two", "oh", "o", "double", "triple", "twenty", "nineteen", "ten", "eleven",
          "4", "41", "411", "1234", "12345", "123456", "2026-11-21", "10:30", "一", "二", "零",
          "幺", "两", "十", "uh", "um", ",", ".", "-", "(", ")", "/", " ", "  ", "\n", "x", "X",
          "phone", "at", "dot", "com", "gmail", "@", "me", "us", "5G", "yuan", "四", "嗯", "．",
          "４", "１２３", "card", "cvv", "number", "is", "my", "order"]


def _full(texts: list[str]) -> list[tuple[str, int, int]]:
    """What the scanner finds, CVVs aside, in `texts` joined as a stream joins turns."""
    return [h for h in R.find_pii("\n".join(texts)) if h[0] != "cvv"]


def _assert_runs_at_most_cvv(rng: random.Random, below: int, contexts: list[str]) -> None:
    """4,000 random runs of fewer than `below` digits (X for a masked one), in random contexts,
    with or without a plus sign or a card before: `_classify` gives each a CVV at most."""
    for _ in range(4000):
        n = rng.randint(1, below - 1)
        digits = "".join(rng.choice("0123456789X") for _ in range(n))
        run = R._Run([R._Piece(digits, 0, n)], plus=rng.random() < 0.3)
        kind = R._classify(run, rng.choice(contexts), rng.random() < 0.5, rng.random() < 0.5)
        assert kind in (None, "cvv"), (digits, kind)


def test_short_runs_are_at_most_a_cvv() -> None:
    """The bound the shortcut rests on: `_classify` gives nothing but a CVV to a run of fewer
    than MIN_PII_DIGITS digits, whatever the context, plus sign or card before it."""
    _assert_runs_at_most_cvv(random.Random(3), MIN_PII_DIGITS, CONTEXTS)


def test_runs_without_a_card_word_need_one_digit_more() -> None:
    """The second bound: with no card word (`_CARD_CTX`) in the context, a run of fewer than
    MIN_PII_DIGITS_NO_CARD digits is at most a CVV; with one, a run of MIN_PII_DIGITS is a
    card (so the card word is what the shortcut must look for)."""
    plain = [c for c in CONTEXTS if not R._CARD_CTX.search(c)]
    assert len(plain) > 5
    _assert_runs_at_most_cvv(random.Random(4), MIN_PII_DIGITS_NO_CARD, plain)
    six = R._Run([R._Piece("406318", 0, 6)], plus=False)
    assert R._classify(six, "card number", False, False) == "card_number"


def test_corpus_streams_called_inert_hold_nothing() -> None:
    """Every dev corpus text alone, after its question, and cut into two turns at each
    space: inert ones hold no PII in full; and the shortcut does skip some of them."""
    inert = 0
    for line in CORPUS.read_text().splitlines():
        item = json.loads(line)
        text = item["text"]
        cases = [[text], [item["context"], text]]
        cases += [[text[:i], text[i + 1:]] for i, ch in enumerate(text) if ch == " "]
        for texts in cases:
            if stream_is_inert(texts):
                inert += 1
                assert not _full(texts), texts
            elif not _full(texts):
                continue
    assert inert > 100


def test_pii_calls_are_never_inert(synth_pii_calls) -> None:
    """Synthetic calls that read cards, phones, IDs and e-mails out: each speaker's stream
    with a hit is scanned (never called inert), split into turns as the call is."""
    with_pii = 0
    for truth in synth_pii_calls:
        for role in ("agent", "customer"):
            texts = [t["text"] for t in truth["turns"] if t["role"] == role]
            if _full(texts):
                with_pii += 1
                assert not stream_is_inert(texts), texts
    assert with_pii >= 30


def test_generated_number_streams() -> None:
    """Random streams of number words, digits, Chinese numerals, joiners, dates and e-mail
    parts cut into turns: none called inert holds a hit."""
    rng = random.Random(11)
    inert = hits = 0
    for _ in range(20000):
        words = [rng.choice(PIECES) for _ in range(rng.randint(1, 24))]
        glue = [rng.choice(["", " ", " ", ", "]) for _ in words]
        text = "".join(g + w for g, w in zip(glue, words, strict=True))
        cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(0, 3))))
        texts = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        found = _full(texts)
        hits += bool(found)
        if stream_is_inert(texts):
            inert += 1
            assert not found, texts
    assert inert > 5000 and hits > 2000


def test_segment_facts() -> None:
    assert segment("Thank you for calling.")[:4] == (False, False, 0, 0)
    assert segment("one two")[:4] == (False, True, 2, 2)
    assert segment("uh, ")[:4] == (False, True, 0, 0)
    assert segment("my email is bob at example dot com").blocked
    assert segment("the 2026-11-21 call").blocked
    assert segment("it's double five").blocked
    assert segment("it was 128 yuan for 5G")[:4] == (False, False, 0, 0)
    assert segment("four one one one one one one").blocked
    assert segment("four one one one one one").peak == 6
    assert not stream_is_inert(["[CARD] ok", "one two three four five six"])
    assert stream_is_inert(["it ends in one two", "three four", "okay"])
    # six digits across turns: a card only after a card word, in any turn of the stream
    assert stream_is_inert(["it ends in one two", "three four", "five six"])
    assert not stream_is_inert(["my card", "it ends in one two", "three four", "five six"])
    assert not stream_is_inert(["the code is", "1 2 3 4 5 6 7"])
    assert stream_is_inert(["the code is 1 2 3 4 5 6"])
    assert not stream_is_inert(["卡号", "验证码是三零二零三零"])


def test_recheck_with_the_shortcut_reports_the_same(make_doc, truth_doc, synth_pii_calls
                                                    ) -> None:
    """`residual_pii(..., inert=stream_is_inert)` (what the search index runs) reports what
    the re-check without it reports, on unredacted synthetic PII calls and the dev corpus
    (each item after its question), and the redacted ones stay clean."""
    docs = [truth_doc(t) for t in synth_pii_calls]
    for line in CORPUS.read_text().splitlines():
        item = json.loads(line)
        turns = [("agent", item["context"])] if item["context"] else []
        docs.append(make_doc(turns + [("customer", item["text"])], item["language"]))
    for doc in docs:
        assert R.residual_pii(doc, inert=stream_is_inert) == R.residual_pii(doc)
    assert sum(bool(R.residual_pii(d, inert=stream_is_inert)) for d in docs) >= len(docs) // 3
