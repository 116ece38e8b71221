"""hotline.zh_cut gives jieba's search-mode words exactly (the index's `seg` column), and its
HMM exactly jieba's `finalseg.cut`, on synthetic call text and on random strings of the same
characters (unknown-character runs, names, digits, Latin, CJK outside jieba's range)."""

from __future__ import annotations

import random

import pytest
from jieba import finalseg

from hotline import text as H
from hotline import zh_cut as Z

EXTRA = "㐀㐁豈更\u9fe0\u9fe1鿕 ａｂ１２ abc 123 5G 4.5% +86 \n\t，。！？、…—_-"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    from hotline.synth.scenarios import build_scenarios

    out = [t["text"] for truth in build_scenarios(seed=3, n=60) for t in truth["turns"]]
    rng = random.Random(7)
    chars = sorted({c for t in out for c in t} | set(EXTRA))
    out += ["".join(rng.choice(chars) for _ in range(rng.randint(1, 40))) for _ in range(2000)]
    return out


def test_search_cut_is_jiebas(texts: list[str]) -> None:
    tk = H.jieba_tokenizer()
    assert sum(bool(H.CJK_RE.search(t)) for t in texts) > 500
    for text in texts:
        assert Z.search_cut(tk, text) == list(tk.cut_for_search(text)), text


def test_hmm_words_are_finalsegs(texts: list[str]) -> None:
    rng = random.Random(8)
    bufs = {t[i:i + rng.randint(1, 12)] for t in texts for i in range(0, len(t), 3)}
    for buf in bufs:
        assert Z._hmm_words(buf) == tuple(finalseg.cut(buf)), buf
