"""The index's text preparation is byte-for-byte what it was before it was made cheaper.

`data/prep_golden.json` holds what `rows.prepare` (turn rows, call row, tags, vocabulary, or
the PII refusal) and `text.index_columns` / `text.tokens` made of a varied set of calls and
texts (EN, ZH, mixed, PII-like digits, number words, homophones, unredacted calls) with the
code as it was before the speed-ups; each test rebuilds the same inputs and compares.
Regenerate (only on a deliberate output change): `.venv/bin/python tests/search/test_prep_golden.py`.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from hotline.document import CallDocument, Turn
from hotline.privacy.redact import RedactionFailed, redact_document
from hotline.search import rows as R
from hotline.search import text as T

GOLDEN = Path(__file__).parent / "data" / "prep_golden.json"

# Hand-made turn texts for what synthetic calls seldom hold.
TEXTS = [
    "", "   ", "?!…", "Thank you for calling Skyline, this is Amy.",
    "my code is 1 2 3 4 5 6", "four five six seven eight nine", "one two three",
    "it's four one one one, one one one one, one one one one, one one one one",
    "the cvv is 123", "call me on 138 0013 8000", "5.928 free free tree ate won",
    "too for to fore niner nein", "double five triple eight", "at 10:30one tomorrow",
    "john dot smith at gmail dot com", "mail me at a.b@example.com please", "dot com",
    "我的卡号是六二二八四八零零一二三四五六七八九", "幺三八零零一三八零零零", "验证码是 four 五 six",
    "我要取消套餐，你们信号太差了！", "携号转网要多久？宽带也一起办。", "我在 5G 套餐里用了 20GB 流量",
    "㐀㐁 豈更 \u9fe0\u9fe1 鿕", "ｆｕｌｌｗｉｄｔｈ １２３４５６ （号码）", "under_score snake_case_word",
    "Cancelled cancellations CANCELLING", "Refund, refunds; refunded — refunding?",
    "嗯 呃 啊 额 uh um hmm 我想 um 问一下", "ID 11010519491231002X and 440308199901011234",
    "order number is 8 8 6 4 2 1 9", "伍 陆 柒 捌 玖 零 一 二", "+1 (415) 555-2671 ext. 22",
]
# Streams whose digits run across turns: (customer turns) after an agent's question.
STREAMS = [
    ("What is your card number?", ["four one one one", "one one one one", "one one one one",
                                   "one one one one"]),
    ("请问您的手机号码？", ["一三八", "零零一三", "八零零零"]),
    ("Can you read the code?", ["free free", "ate won", "to too"]),
    ("What is the order number?", ["it is 8", "8 6 4", "2 1 9 7"]),
]


def _synthetic(seed: int, n: int) -> list[CallDocument]:
    """Synthetic EN + ZH calls: unredacted and redacted, with emotions (as the bench)."""
    from hotline.synth.scenarios import build_scenarios
    from hotline.synth.truth import to_index_document

    out = []
    for truth in build_scenarios(seed=seed, n=n):
        doc = to_index_document(truth)
        redacted = redact_document(copy.deepcopy(doc))
        redacted.call_id = doc.call_id + "-r"
        out += [doc, redacted]
    return out


def _varied(doc: CallDocument, vocabulary: list[str]) -> CallDocument:
    """`doc` with each customer turn given two extra words (unique text, as the bench does)."""
    rng = random.Random(doc.call_id)
    varied = copy.copy(doc)
    varied.call_id = doc.call_id + "-v"
    varied.turns = [copy.copy(t) for t in doc.turns]
    for t in varied.turns:
        if t.role == "customer":
            t.text = (t.text or "") + " " + " ".join(rng.sample(vocabulary, 2))
    return varied


def _call(call_id: str, turns: list[Turn]) -> CallDocument:
    lang = "zh" if any(T.CJK_RE.search(t.text) for t in turns) else "en"
    return CallDocument(call_id, f"/calls/{call_id}.wav", 9.0, 16000, 1, lang, "test",
                        turns=turns, metadata={"date": "2026-11-20", "agent_id": "A7"})


def _hand_made() -> list[CallDocument]:
    docs = []
    for i, text in enumerate(TEXTS):
        docs.append(_call(f"text{i}", [
            Turn("S0", "agent", 0.0, 1.0, "Please go ahead."),
            Turn("S1", "customer", 1.0, 2.0, text)]))
    for i, (ask, answers) in enumerate(STREAMS):
        turns = [Turn("S0", "agent", 0.0, 1.0, ask)]
        turns += [Turn("S1", "customer", 1.0 + k, 2.0 + k, a) for k, a in enumerate(answers)]
        docs.append(_call(f"stream{i}", turns))
    return docs


def documents() -> list[CallDocument]:
    """The golden set's calls, the same on every run."""
    docs = _synthetic(seed=11, n=24)
    words = sorted({w for d in docs for t in d.turns for w in (t.text or "").split()})
    docs += [_varied(d, words) for d in docs[:24]]
    return docs + _hand_made()


def prepared_view(doc: CallDocument) -> dict:
    """What `prepare` makes of `doc`, as JSON (the call row's `indexed_at` clock left out)."""
    try:
        p = R.prepare(doc)
    except RedactionFailed as e:
        return {"refused": str(e)}
    call = list(p.call)
    call[R.CALL_COLUMNS.index("indexed_at")] = None
    return {"rows": [list(r) for r in p.rows], "call": call, "tags": [list(t) for t in p.tags],
            "vocab": p.vocab}


def texts() -> list[str]:
    """Every distinct turn text of the golden calls plus the hand-made ones."""
    return sorted({t.text or "" for d in documents() for t in d.turns} | set(TEXTS))


def text_view(text: str) -> dict:
    return {"columns": list(T.index_columns(text)), "query_tokens": T.tokens(text),
            "index_tokens": T.tokens(text, for_index=True)}


def build() -> dict:
    return {"docs": {d.call_id: prepared_view(d) for d in documents()},
            "texts": {t: text_view(t) for t in texts()}}


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_prepared_calls_match_golden(golden: dict) -> None:
    docs = documents()
    assert sorted(d.call_id for d in docs) == sorted(golden["docs"])
    refused = 0
    for d in docs:
        got = json.loads(json.dumps(prepared_view(d), ensure_ascii=False))
        assert got == golden["docs"][d.call_id], d.call_id
        refused += "refused" in got
    assert 0 < refused < len(docs)          # both outcomes of the PII re-check are covered


def test_text_columns_match_golden(golden: dict) -> None:
    assert set(texts()) == set(golden["texts"])
    for text, want in golden["texts"].items():
        assert json.loads(json.dumps(text_view(text), ensure_ascii=False)) == want, text


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(build(), ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                      encoding="utf-8")
