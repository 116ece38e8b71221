"""Exact first, then partial words, then close spellings, then any of the terms: the first level
that finds something answers, and says which one it was (`mode`, `matched_terms`).

- exact: every term (a phrase verbatim) in one turn, or with --by-call in one call; function
  words ("not", "my") are optional there: they rank hits, so "not my department" lists the
  turns that say it first and "That is how my department" (misheard) after them;
- partial: terms as parts of words ("refun", a Chinese substring);
- fuzzy: misspelt words replaced by close indexed spellings ("cancle" -> cancel);
- any: no hit holds every term (a misheard word: "not my department" vs "That is how my
  department"): hits holding at least one content word, ranked by the share of terms they hold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from hotline import defaults
from hotline.search import terms as M
from hotline.search import text as T
from hotline.search.query import (
    CALLS,
    TURN_COLS,
    TURNS,
    Search,
    Target,
    call_filter_sql,
    fetch,
    part_of,
    turn_filter_sql,
)
from hotline.search.results import CallHit, CallResults, SearchHit, SearchResults
from hotline.text import has_cjk

LEVELS = ("exact", "partial", "fuzzy", "any")
# Which ways of occurring count at each level when hits and terms are described.
ALLOWED = {"exact": {M.EXACT}, "partial": {M.EXACT, M.PARTIAL}, "fuzzy": {M.EXACT, M.FUZZY},
           "any": {M.EXACT, M.FUZZY}, "filter": set()}


class Cascade:
    """One query over turns or calls; `q` runs SQL, `spell(word)` gives close spellings of a
    word the index does not hold (empty when it holds it), `indexed(token)` says whether any
    turn holds the token."""

    def __init__(self, q: Callable, pg: bool, spell: Callable[[str], list[str]],
                 indexed: Callable[[str], bool]):
        self.q, self.pg, self.spell, self.indexed = q, pg, spell, indexed

    def run(self, target: Target, clauses: list[T.Clause], f: Any, limit: int, offset: int,
            fuzzy: bool = True) -> SearchResults | CallResults:
        if not clauses:
            rows, total = self._fetch(Search(target, [], [], self.pg), f, limit, offset)
            return self._answer(target, clauses, "filter", f, rows, total, limit, offset)
        known: bool | None = None
        for level in LEVELS:
            if level in ("partial", "fuzzy"):
                # every word is in the index, only not together or not under these filters:
                # parts of words and other spellings would only add noise
                known = self._known(clauses) if known is None else known
                if known:
                    continue
            if level == "fuzzy" and not (fuzzy and self._expand(clauses)):
                continue
            if level == "any" and sum(not M.is_stop(c) for c in clauses) < 2:
                continue
            parts = [part_of(c, "fuzzy" if level == "any" else level) for c in clauses]
            s = Search(target, clauses, parts, self.pg, any_of=level == "any")
            rows, total = self._fetch(s, f, limit, offset)
            if total:
                return self._answer(target, clauses, level, f, rows, total, limit, offset)
        empty = self._answer(target, clauses, "exact", f, [], 0, limit, offset)
        empty.matched_terms = M.matched_terms(clauses, [M.NONE] * len(clauses))
        return empty

    def _fetch(self, s: Search, f: Any, limit: int, offset: int) -> tuple[list[dict], int]:
        if s.target is TURNS:
            where, params = turn_filter_sql(f, self.pg)
        else:
            where, params = call_filter_sql(f, s.parts, self.pg)
        return fetch(self.q, s, where, params, limit, offset)

    def _known(self, clauses: list[T.Clause]) -> bool:
        return all(self.indexed(t) for c in clauses if not M.is_stop(c) for t in c.tokens)

    def _expand(self, clauses: list[T.Clause]) -> bool:
        """Close spellings for single words the index does not hold; True if any."""
        changed = False
        for c in clauses:
            if not c.phrase and len(c.tokens) == 1 and c.tokens[0].isascii():
                c.fuzzy = self.spell(c.tokens[0])
                changed |= bool(c.fuzzy)
        return changed

    # ------------------------------------------------------------------------- answers
    def _answer(self, target: Target, clauses: list[T.Clause], level: str, f: Any,
                rows: list[dict], total: int, limit: int, offset: int
                ) -> SearchResults | CallResults:
        marks = _Marks(clauses, level)
        if target is CALLS:
            calls = self._calls(rows, marks, f)
            res: SearchResults | CallResults = CallResults(calls=calls)
            seen = [c.terms for c in calls]
        else:
            hits = [marks.hit(r) for r in rows]
            res = SearchResults(results=hits)
            seen = [h.terms for h in hits]
        res.total, res.total_exact = abs(total), total >= 0
        res.offset, res.limit = offset, limit
        res.mode, res.matched_terms = marks.summary(seen)
        return res

    def _calls(self, rows: list[dict], marks: _Marks, f: Any) -> list[CallHit]:
        """The page's calls, each with the turns that hold the terms (or pass the turn
        filters when there are no terms), best turns first."""
        turns = self._turns_of([r["call_id"] for r in rows], f) \
            if rows and (marks.clauses or f.role or f.emotion) else []
        by_call: dict[str, list[SearchHit]] = defaultdict(list)
        for t in turns:
            hit = marks.hit(t)
            if hit.terms or not marks.clauses:
                by_call[hit.call_id].append(hit)
        out = []
        for r in rows:
            hits = by_call.get(r["call_id"], [])
            terms: dict[str, str] = {}
            for h in hits:
                for raw, st in h.terms.items():
                    terms[raw] = M.best([terms.get(raw, M.NONE), st])
            out.append(CallHit(call_id=r["call_id"], score=round(float(r["score"] or 0.0), 4),
                               hits=hits[:defaults.SEARCH_HITS_PER_CALL], n_hits=len(hits),
                               call_date=r["call_date"], agent_id=r["agent_id"],
                               duration=r["duration"], language=r["language"], terms=terms))
        return out

    def _turns_of(self, call_ids: list[str], f: Any) -> list[dict]:
        where, params = [f"t.call_id IN ({','.join('?' * len(call_ids))})"], list(call_ids)
        for sql, value in (("t.role = ?", f.role), ("t.emotion = ?", f.emotion)):
            if value is not None:
                where.append(sql)
                params.append(str(value))
        return self.q(f"SELECT {TURN_COLS}, 0.0 AS score FROM search_turns t WHERE "
                      f"{' AND '.join(where)} ORDER BY t.call_id, t.turn", params)


class _Marks:
    """How each term occurs in a turn at one level, the turn's snippet, and the answer's
    summary (mode + matched_terms)."""

    def __init__(self, clauses: list[T.Clause], level: str):
        self.clauses, self.level = clauses, level
        self.allowed = ALLOWED[level]
        self.extra = [w for c in clauses for w in c.fuzzy]
        self.prefixes: list[str] = []
        if level == "partial":
            self.extra += [w for c in clauses if has_cjk(c.raw) for w in T.normalise(c.raw).split()]
            self.prefixes = [t for c in clauses for t in c.tokens if t.isascii()]

    def hit(self, r: dict) -> SearchHit:
        text = M.TurnText.of(r["seg"], r["norm"])
        terms = {}
        for c in self.clauses:
            st = M.state_in(c, text)
            if st in self.allowed:
                terms[c.raw] = st
        return SearchHit(call_id=r["call_id"], turn=int(r["turn"]), start=float(r["t_start"]),
                         end=float(r["t_end"]), role=r["role"],
                         snippet=T.highlight(r["text"] or "", self.clauses, self.extra,
                                             prefixes=self.prefixes),
                         score=round(float(r["score"] or 0.0), 4), call_date=r["call_date"],
                         agent_id=r["agent_id"], emotion=r["emotion"], terms=terms)

    def summary(self, seen: list[dict[str, str]]) -> tuple[str, list[dict]]:
        """(mode, matched_terms) of an answer whose hits hold the terms `seen`."""
        if self.level == "filter":
            return "filter", []
        states = []
        needed = not all(M.is_stop(c) for c in self.clauses)
        for c in self.clauses:
            found = M.best(s.get(c.raw, M.NONE) for s in seen)
            required = not M.is_stop(c) or not needed
            if found == M.NONE and required and self.level != "any":
                # a term every hit needs: what the SQL level matched it as
                found = {"exact": M.EXACT, "partial": M.PARTIAL}.get(
                    self.level, M.FUZZY if c.fuzzy else M.EXACT)
            states.append(found)
        if M.FUZZY in states:
            mode = "fuzzy"
        else:
            exact = self.level != "any" and all(s == M.EXACT for s in states)
            mode = "exact" if exact else "partial"
        return mode, M.matched_terms(self.clauses, states)
