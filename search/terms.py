"""The terms of a query and how each one matched: exact, as part of a word, by a close spelling,
or not at all — so an answer can say "refund" was found only as "funds" instead of hiding it.

A term is one `Clause` of the query (a word or a "quoted phrase"). Function words ("my", "the",
"的") are optional when not every term can be found: they help rank, they never make a hit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from hotline import defaults
from hotline.search import text as T

# Function words: never enough on their own for a partial match (see module doc).
STOPWORDS = frozenset("""
a an the i me my mine you your yours we our us he him his she her it its they them their this
that these those is am are was were be been being do does did have has had to of in on at for
from by with and or but so if as not no yes can could will would should just please
的 了 是 我 你 他 她 它 我们 你们 他们 吗 呢 吧 啊 呀 在 和 就 都 也 很 这 那 这个 那个 一个 有
""".split())

EXACT, PARTIAL, FUZZY, NONE = "exact", "partial", "fuzzy", "none"


def is_stop(clause: T.Clause) -> bool:
    """True for a bare function word (a phrase is always a content term)."""
    return not clause.phrase and all(t in STOPWORDS for t in clause.tokens)


def max_edits(word: str) -> int:
    """Spelling slack for a word: none under FUZZY_MIN_LEN letters, one edit up to six letters,
    two above. Strict on purpose: "refund" -> "fund" is two edits on a six-letter word, so
    "refund" never turns into "funds"."""
    if len(word) < defaults.SEARCH_FUZZY_MIN_LEN:
        return 0
    return 1 if len(word) <= 6 else 2


def close_spellings(word: str, vocabulary: Iterable[str]) -> list[str]:
    """Indexed words within `max_edits` of `word` (Damerau-Levenshtein: "cancle" -> cancel),
    closest first, at most SEARCH_FUZZY_MAX_TERMS; the word itself when it is indexed."""
    word = word.lower()
    edits = max_edits(word)
    if edits == 0 or not word.isascii():
        return []
    found = process.extract(word, list(vocabulary), scorer=DamerauLevenshtein.distance,
                            score_cutoff=edits, limit=defaults.SEARCH_FUZZY_MAX_TERMS)
    return [t for t, _d, _i in sorted(found, key=lambda f: (f[1], f[0]))]


@dataclass
class TurnText:
    """What presence checks need of one turn: its index tokens and its folded text."""

    seg: frozenset[str]
    norm: str

    @classmethod
    def of(cls, seg: str | None, norm: str | None) -> TurnText:
        return cls(frozenset((seg or "").split()), norm or " ")


def state_in(clause: T.Clause, turn: TurnText) -> str:
    """How `clause` occurs in one turn: exact, partial (part of a word), fuzzy (only as a
    close spelling) or none."""
    if clause.phrase:
        body = clause.like_pattern()[1:-1].replace("\\%", "%").replace("\\_", "_") \
            .replace("\\\\", "\\")
        if body in turn.norm:
            return EXACT
        return PARTIAL if clause.substring_pattern()[1:-1] in turn.norm else NONE
    if all(t in turn.seg for t in clause.tokens):
        return EXACT
    if clause.fuzzy and any(f in turn.seg for f in clause.fuzzy):
        return FUZZY
    if all(_part_of_word(t, turn) for t in clause.tokens):
        return PARTIAL
    return NONE


def _part_of_word(token: str, turn: TurnText) -> bool:
    if token.isascii():
        return any(s.startswith(token) for s in turn.seg)
    return token in turn.norm


def best(states: Iterable[str]) -> str:
    """The best of several occurrences (exact beats partial beats fuzzy beats none)."""
    order = (EXACT, PARTIAL, FUZZY, NONE)
    return min(states, key=order.index, default=NONE)


def matched_terms(clauses: list[T.Clause], states: list[str]) -> list[dict]:
    """The answer's `matched_terms`: one entry per query term, e.g.
    {"term": "cancle", "match": "fuzzy", "as": ["cancel"]}; `as` lists the close spellings
    searched for a fuzzy term."""
    out = []
    for c, s in zip(clauses, states, strict=True):
        entry: dict = {"term": c.raw, "match": s}
        if s == FUZZY:
            entry["as"] = list(c.fuzzy)
        out.append(entry)
    return out


def notice_of(matched_terms: list[dict]) -> str:
    """One line for a page or terminal saying which terms did not match exactly (empty when
    all did), from an answer's `matched_terms`."""
    parts = []
    for t in matched_terms:
        if t["match"] == "fuzzy":
            parts.append(f"“{t['term']}” only as a close spelling ({', '.join(t['as'])})")
        elif t["match"] == "partial":
            parts.append(f"“{t['term']}” only as part of a word")
        elif t["match"] == "none":
            parts.append(f"“{t['term']}” not found")
    return ("note: " + "; ".join(parts)) if parts else ""
