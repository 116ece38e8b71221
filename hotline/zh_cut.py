"""jieba's search-mode cut, word for word, at a fraction of its cost.

The search index segments every turn's Chinese with `Tokenizer.cut_for_search`; on unique
customer text that was the largest part of a worker's text preparation. This is the same
algorithm on jieba's own dictionary and HMM tables — the same route sums in the same order
(ties break alike), the same HMM — with what repeats memoised: a word's log-probability, and
the HMM's words of a run of characters the dictionary does not know; the Viterbi is written
out for jieba's four states with back-pointers instead of a path list per state.
tests/search/test_zh_cut.py compares it with jieba on the corpora and on random text.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from hotline import defaults


def search_cut(tk: Any, sentence: str) -> list[str]:
    """`tk.cut_for_search(sentence)` (HMM on) as a list: each word's known 2- and 3-character
    sub-words, then the word."""
    out: list[str] = []
    freq = tk.FREQ
    for w in _cut(tk, sentence):
        n = len(w)
        if n > 2:
            out += [g for g in (w[i:i + 2] for i in range(n - 1)) if freq.get(g)]
        if n > 3:
            out += [g for g in (w[i:i + 3] for i in range(n - 2)) if freq.get(g)]
        out.append(w)
    return out


def _cut(tk: Any, sentence: str) -> list[str]:
    """`tk.cut(sentence)` (accurate mode, HMM on): jieba's own block split, each Chinese block
    through `_dag_cut`, the rest split at whitespace and into characters as jieba does."""
    import jieba

    out: list[str] = []
    for blk in jieba.re_han_default.split(sentence):
        if not blk:
            continue
        if jieba.re_han_default.match(blk):
            out += _dag_cut(tk, blk)
            continue
        for x in jieba.re_skip_default.split(blk):
            out += [x] if jieba.re_skip_default.match(x) else list(x)
    return out


def _dag_cut(tk: Any, blk: str) -> list[str]:
    """jieba's `__cut_DAG`: the most probable route through the dictionary's words; runs of
    single characters the dictionary does not know as one word go to the HMM (cached per run,
    `_hmm_words`: the HMM's Viterbi was most of jieba's time and its runs repeat)."""
    nxt = _route(tk, blk)
    out: list[str] = []
    x, buf, n = 0, "", len(blk)
    while x < n:
        y = nxt[x] + 1
        if y - x == 1:
            buf += blk[x]
        else:
            if buf:
                out += _flush(tk, buf)
                buf = ""
            out.append(blk[x:y])
        x = y
    if buf:
        out += _flush(tk, buf)
    return out


def _flush(tk: Any, buf: str) -> list[str] | tuple[str, ...]:
    if len(buf) == 1:
        return [buf]
    if not tk.FREQ.get(buf):
        return _hmm_words(buf)
    return list(buf)


@lru_cache(maxsize=defaults.ZH_HMM_CACHE)
def _hmm_words(buf: str) -> tuple[str, ...]:
    """`jieba.finalseg.cut(buf)`: Chinese blocks through the HMM, the rest split as it does."""
    from jieba import finalseg as F

    if F.PrevStatus != _PREV_STATUS:         # a jieba whose HMM `_viterbi` does not mirror
        return tuple(F.cut(buf))
    out: list[str] = []
    for blk in F.re_han.split(buf):
        if F.re_han.match(blk):
            for word in _hmm_cut(blk, _viterbi(blk, F)):
                out += list(word) if word in F.Force_Split_Words else [word]
        else:
            out += [x for x in F.re_skip.split(blk) if x]
    return tuple(out)


def _hmm_cut(sentence: str, states: list[str]) -> list[str]:
    """finalseg's `__cut`: words from the B/M/E/S state of each character."""
    out: list[str] = []
    begin = nexti = 0
    for i, char in enumerate(sentence):
        pos = states[i]
        if pos == "B":
            begin = i
        elif pos == "E":
            out.append(sentence[begin:i + 1])
            nexti = i + 1
        elif pos == "S":
            out.append(char)
            nexti = i + 1
    if nexti < len(sentence):
        out.append(sentence[nexti:])
    return out


_PREV_STATUS = {"B": "ES", "M": "MB", "S": "SE", "E": "BM"}


def _viterbi(obs: str, F: Any) -> list[str]:
    """finalseg's `viterbi(obs, "BMES", ...)` state path. Each state's best predecessor is
    jieba's `max` over (probability, state) pairs of `_PREV_STATUS`, written out: a tie goes
    to the later letter, as tuple comparison gives it."""
    low, emit, tr = F.MIN_FLOAT, F.emit_P, F.trans_P
    e_b, e_m, e_e, e_s = emit["B"], emit["M"], emit["E"], emit["S"]
    eb, sb = tr["E"].get("B", low), tr["S"].get("B", low)
    mm, bm = tr["M"].get("M", low), tr["B"].get("M", low)
    ss, es = tr["S"].get("S", low), tr["E"].get("S", low)
    be, me = tr["B"].get("E", low), tr["M"].get("E", low)
    c = obs[0]
    st = F.start_P
    vb, vm = st["B"] + e_b.get(c, low), st["M"] + e_m.get(c, low)
    ve, vs = st["E"] + e_e.get(c, low), st["S"] + e_s.get(c, low)
    back: list[tuple[str, str, str, str]] = []
    for c in obs[1:]:
        em = e_b.get(c, low)
        b1, b2 = ve + eb + em, vs + sb + em
        nb, pb = (b1, "E") if b1 > b2 else (b2, "S")
        em = e_m.get(c, low)
        m1, m2 = vm + mm + em, vb + bm + em
        nm, pm = (m1, "M") if m1 >= m2 else (m2, "B")
        em = e_s.get(c, low)
        s1, s2 = vs + ss + em, ve + es + em
        ns, ps = (s1, "S") if s1 >= s2 else (s2, "E")
        em = e_e.get(c, low)
        e1, e2 = vb + be + em, vm + me + em
        ne, pe = (e1, "B") if e1 > e2 else (e2, "M")
        vb, vm, vs, ve = nb, nm, ns, ne
        back.append((pb, pm, ps, pe))
    state = "E" if ve > vs else "S"
    path = [state]
    for ptr in reversed(back):
        state = ptr["BMSE".index(state)]
        path.append(state)
    return path[::-1]


def _route(tk: Any, sentence: str) -> list[int]:
    """jieba's `calc`: for each position, the end of the word the best route takes there
    (the same floating-point sums in the same order, so ties break the same way; a word's
    log-probability is looked up once per process, `_log_prob`)."""
    dag = tk.get_DAG(sentence)
    n = len(sentence)
    score, nxt = [0.0] * (n + 1), [0] * (n + 1)
    lp = _log_prob(tk)
    for idx in range(n - 1, -1, -1):
        ends = dag[idx]
        if len(ends) == 1:            # one word starts here (most places): no choice to make
            x = ends[0]
            score[idx], nxt[idx] = lp(sentence[idx:x + 1]) + score[x + 1], x
        else:
            score[idx], nxt[idx] = max((lp(sentence[idx:x + 1]) + score[x + 1], x)
                                       for x in ends)
    return nxt


_LOG_PROBS: dict[tuple[int, int, int], Any] = {}


def _log_prob(tk: Any) -> Any:
    """word -> log(frequency or 1) - log(total), memoised for tokenizer `tk`."""
    key = (id(tk), tk.total, len(tk.FREQ))
    if key not in _LOG_PROBS:
        freq, logtotal = tk.FREQ, math.log(tk.total)

        @lru_cache(maxsize=defaults.ZH_LOG_PROB_CACHE)
        def lp(word: str) -> float:
            return math.log(freq.get(word) or 1) - logtotal

        _LOG_PROBS.clear()
        _LOG_PROBS[key] = lp
    return _LOG_PROBS[key]
