"""A query's terms as SQL over turns or over whole calls, on SQLite (FTS5) or PostgreSQL.

A hit is a turn, or with --by-call a call: the call's turns together (one `seg` document per
call) must hold the terms, a phrase inside one turn. Each term becomes a `Part` at one level:
- exact: its index tokens (a phrase also verbatim, LIKE on the turn's `norm`);
- partial: English token prefixes ("refun"), Chinese substrings through character bigrams;
- fuzzy: any of its close spellings.
A hit needs every content part (function words such as "my" only rank: `Search.content`);
with `any_of` (when no hit holds every term) one content part will do. Either way, when some
terms are optional the order is by coverage: the weighted share of the terms a hit holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hotline import defaults
from hotline.search import text as T
from hotline.search.terms import is_stop
from hotline.text import has_cjk


@dataclass(frozen=True)
class Target:
    """What a hit is: a turn or a whole call."""

    name: str       # turn | call
    table: str
    alias: str
    fts: str        # SQLite FTS5 table whose rowid is `rowid`
    rowid: str


TURNS = Target("turn", "search_turns", "t", "search_fts", "t.id")
CALLS = Target("call", "search_calls", "c", "search_call_fts", "c.rowid")
INNER = Target("turn", "search_turns", "x", "search_fts", "x.id")   # turns inside a call filter

TURN_COLS = ("t.id, t.call_id, t.turn, t.t_start, t.t_end, t.role, t.text, t.seg, t.norm, "
             "t.call_date, t.agent_id, t.emotion")
CALL_COLS = "c.call_id, c.call_date, c.agent_id, c.duration, c.language"


@dataclass
class Part:
    """One term as index conditions."""

    seg: list[str] = field(default_factory=list)
    any_of: bool = False        # any one of `seg` (close spellings)
    prefix: bool = False        # `seg` tokens as word beginnings
    grams: list[str] = field(default_factory=list)     # Chinese bigrams (substrings)
    like: str | None = None     # LIKE pattern on a turn's `norm`

    def fts(self) -> str:
        """The FTS5 expression (column filters on `seg` / `grams`)."""
        pieces = []
        if self.seg:
            star = "*" if self.prefix else ""
            toks = [f'"{t.replace(chr(34), "")}"{star}' for t in dict.fromkeys(self.seg)]
            pieces.append("seg : (" + (" OR " if self.any_of else " AND ").join(toks) + ")")
        if self.grams:
            pieces.append("grams : (" + " AND ".join(f'"{g}"' for g in self.grams) + ")")
        return "(" + " AND ".join(pieces) + ")"

    def tsquery(self) -> tuple[str | None, str | None]:
        """PostgreSQL tsqueries on (`tsv`, `gtsv`)."""
        star = ":*" if self.prefix else ""
        toks = [f"'{t.replace(chr(39), '')}'{star}" for t in dict.fromkeys(self.seg)]
        seg = (" | " if self.any_of else " & ").join(toks) or None
        grams = " & ".join(f"'{g}'" for g in self.grams) or None
        return seg, grams


def part_of(clause: T.Clause, level: str) -> Part:
    """`clause` at `level` (exact | partial | fuzzy)."""
    if level == "partial":
        if has_cjk(clause.raw):
            return Part(grams=T.query_grams(clause.raw), like=clause.substring_pattern())
        return Part(seg=[t for t in clause.tokens if t.isascii()], prefix=True,
                    like=clause.substring_pattern() if clause.phrase else None)
    if level == "fuzzy" and clause.fuzzy:
        return Part(seg=list(clause.fuzzy), any_of=True)
    return Part(seg=list(clause.tokens), like=clause.like_pattern() if clause.phrase else None)


def cond(p: Part, target: Target, pg: bool) -> tuple[str, list[Any]]:
    """SQL true when a row of `target` holds `p` (for WHERE and coverage). A phrase of a call
    is found through its turns (tokens + LIKE inside one turn)."""
    if p.like and target.name == "call":
        inner, inner_params = cond(p, INNER, pg)
        return semi_join("x", inner, pg), inner_params
    sqls: list[str] = []
    params: list[Any] = []
    if pg:
        seg, grams = p.tsquery()
        for col, q in (("tsv", seg), ("gtsv", grams)):
            if q:
                sqls.append(f"{target.alias}.{col} @@ to_tsquery('simple', ?)")
                params.append(q)
    elif p.seg or p.grams:
        sqls.append(f"{target.rowid} IN (SELECT rowid FROM {target.fts} "
                    f"WHERE {target.fts} MATCH ?)")
        params.append(p.fts())
    if p.like:
        sqls.append(f"{target.alias}.norm LIKE ? ESCAPE '\\'")
        params.append(p.like)
    return "(" + (" AND ".join(sqls) or "1=1") + ")", params


def semi_join(alias: str, where: str, pg: bool) -> str:
    """`c.call_id` among the calls of the turns `where` holds. On PostgreSQL, OFFSET 0 keeps
    the subquery from being pulled up into a join planned from a (badly) estimated row count
    (5 s at 1M turns): it runs once, hashed — as SQLite runs an IN subquery anyway."""
    fence = " OFFSET 0" if pg else ""
    return (f"c.call_id IN (SELECT {alias}.call_id FROM search_turns {alias} WHERE {where}"
            f"{fence})")


@dataclass
class Search:
    """One SQL search: `parts` (one per clause) over `target`, all or any of them."""

    target: Target
    clauses: list[T.Clause]
    parts: list[Part]
    pg: bool
    any_of: bool = False

    @property
    def content(self) -> list[Part]:
        """The parts a hit needs (all, or with `any_of` one): every part but function words
        (they only rank), or all of them when the query is nothing but function words."""
        out = [p for c, p in zip(self.clauses, self.parts, strict=True) if not is_stop(c)]
        return out or self.parts

    @property
    def by_coverage(self) -> bool:
        """Ranked by the share of terms held (some terms are optional), not by bm25 alone."""
        return self.any_of or len(self.content) < len(self.parts)

    def source(self) -> tuple[str, str | None, list[Any], str, list[Any]]:
        """(FROM, MATCH condition or None, its params, score SQL, score params)."""
        t = self.target
        if not self.parts:
            return f"{t.table} {t.alias}", None, [], "0.0", []
        use = self.content
        if not self.pg:
            joiner = " OR " if self.any_of else " AND "
            match = joiner.join(p.fts() for p in use if p.seg or p.grams)
            if not match:
                return f"{t.table} {t.alias}", None, [], "0.0", []
            return (f"{t.fts} JOIN {t.table} {t.alias} ON {t.rowid} = {t.fts}.rowid",
                    f"{t.fts} MATCH ?", [match], f"-bm25({t.fts})", [])
        conds = [cond(Part(seg=p.seg, any_of=p.any_of, prefix=p.prefix, grams=p.grams), t, True)
                 for p in use]
        where = ("(" + (" OR " if self.any_of else " AND ").join(s for s, _ in conds) + ")")
        params = [v for _, ps in conds for v in ps]
        segs = [p.tsquery()[0] for p in use if p.tsquery()[0]]
        if not segs:
            return f"{t.table} {t.alias}", where, params, "0.0", []
        rank_q = (" | " if self.any_of else " & ").join(f"({s})" for s in segs)
        return (f"{t.table} {t.alias}", where, params,
                f"ts_rank_cd({t.alias}.tsv, to_tsquery('simple', ?))", [rank_q])

    def likes(self) -> tuple[list[str], list[Any]]:
        """Phrase / substring checks: every part's (all_of) or one content part's (any_of)."""
        if not self.any_of:     # turns: the tokens are in the match already; calls: the
            # phrase's turns are found through their own index (tokens + LIKE)
            out = [cond(Part(like=p.like) if self.target is TURNS else p, self.target, self.pg)
                   for p in self.content if p.like]
            return [s for s, _ in out], [v for _, ps in out for v in ps]
        if not any(p.like for p in self.content):
            return [], []
        out = [cond(p, self.target, self.pg) for p in self.content]
        return ["(" + " OR ".join(s for s, _ in out) + ")"], [v for _, ps in out for v in ps]

    def coverage(self) -> tuple[str, list[Any]]:
        """Weighted share (0..1) of the clauses a row holds; function words weigh less."""
        terms, params, total = [], [], 0.0
        for c, p in zip(self.clauses, self.parts, strict=True):
            w = defaults.SEARCH_STOP_WEIGHT if is_stop(c) else 1.0
            sql, ps = cond(p, self.target, self.pg)
            terms.append(f"(CASE WHEN {sql} THEN {w} ELSE 0 END)")
            params += ps
            total += w
        return f"(({' + '.join(terms)}) / {total or 1.0})", params


def call_filter_sql(f: Any, parts: list[Part], pg: bool) -> tuple[list[str], list[Any]]:
    """Filters on whole calls. Turn filters (role, emotion): some turn of that kind must hold
    one of the terms (with no terms: exist)."""
    where, params = call_fields_sql(f, pg)
    turn_where, turn_params = [], []
    for sql, value in (("x.role = ?", f.role), ("x.emotion = ?", f.emotion)):
        if value is not None:
            turn_where.append(sql)
            turn_params.append(str(value))
    if turn_where:
        used = [p for p in parts if p.seg or p.grams]
        if used:
            conds = [cond(Part(seg=p.seg, any_of=p.any_of, prefix=p.prefix, grams=p.grams),
                          INNER, pg) for p in used]
            turn_where.append("(" + " OR ".join(s for s, _ in conds) + ")")
            turn_params += [v for _, ps in conds for v in ps]
        where.append(semi_join("x", " AND ".join(turn_where), pg))
        params += turn_params
    return where, params


def call_fields_sql(f: Any, pg: bool, alias: str = "c") -> tuple[list[str], list[Any]]:
    """Filters on a call's own fields and tags (date, agent, duration, id, rule, intent,
    language); `alias` is search_calls or search_turns (both carry the call's fields)."""
    where: list[str] = []
    params: list[Any] = []
    simple = ((f"{alias}.call_date >= ?", f.date_from), (f"{alias}.call_date <= ?", f.date_to),
              (f"{alias}.agent_id = ?", f.agent), (f"{alias}.duration >= ?", f.min_duration),
              (f"{alias}.duration <= ?", f.max_duration), (f"{alias}.call_id = ?", f.call_id))
    for sql, value in simple:
        if value is not None:
            where.append(sql)
            params.append(float(value) if "duration" in sql else str(value))
    for kind, value in (("rule", f.rule), ("intent", f.intent), ("language", f.language)):
        if value is None:
            continue
        if pg:      # the call's tags copied into each row: GIN, ANDed with the text's bitmap
            where.append(f"{alias}.tags @> ARRAY[?]::text[]")
            params.append(f"{kind}:{value}")
        else:
            where.append(f"{alias}.call_id IN (SELECT call_id FROM search_tags "
                         "WHERE kind = ? AND value = ?)")
            params += [kind, str(value)]
    return where, params


def turn_filter_sql(f: Any, pg: bool) -> tuple[list[str], list[Any]]:
    """Filters on turns: who said it and the turn's emotion, plus the call's fields."""
    where, params = [], []
    for sql, value in (("t.role = ?", f.role), ("t.emotion = ?", f.emotion)):
        if value is not None:
            where.append(sql)
            params.append(str(value))
    more, more_params = call_fields_sql(f, pg, "t")
    return where + more, params + more_params


def fetch(q: Any, s: Search, where: list[str], params: list[Any], limit: int, offset: int
          ) -> tuple[list[dict[str, Any]], int]:
    """One page of `s` under the filters `where`, best first, and the total — counted up to
    SEARCH_COUNT_MAX hits past the page (more: -(that bound), "at least").

    Without terms: newest calls first. PostgreSQL orders newest first above
    SEARCH_RANK_MAX_MATCHES matches: ranking (bm25 or coverage) every match of a frequent word
    reads every matching row, which costs more than it is worth at a million turns."""
    t = s.target
    cols = TURN_COLS if t.name == "turn" else CALL_COLS
    source, match, match_params, score, score_params = s.source()
    likes, like_params = s.likes()
    where = ([match] if match else []) + likes + list(where)
    params = match_params + like_params + list(params)
    cond_sql = " AND ".join(where) or "1=1"
    newest = f"{t.alias}.call_date DESC, {t.alias}.call_id" + (", t.turn" if t.name == "turn"
                                                               else "")
    if match is None:
        order = newest
    elif s.by_coverage:
        cov, cov_params = s.coverage()
        score, score_params = f"{cov} + 0.001 * {score}", cov_params + score_params
        order = "score DESC, " + newest
    else:
        order = "score DESC, " + newest
    if not s.pg and match and not s.by_coverage and len(where) == 1:
        return _fts_top(q, s, match_params[0], cols, limit, offset)
    total = _count(q, source, cond_sql, params, offset) if s.pg else None
    if s.pg and match and (total < 0 or total > defaults.SEARCH_RANK_MAX_MATCHES):
        order = newest          # scores still computed, for the page's rows only
    if s.pg and order == newest:
        rows = q(_newest_page(t, cols, score, source, cond_sql, newest),
                 [*score_params, *params, int(limit), int(offset)])
    else:
        rows = q(f"SELECT {cols}, {score} AS score FROM {source} WHERE {cond_sql} "
                 f"ORDER BY {order} LIMIT ? OFFSET ?",
                 [*score_params, *params, int(limit), int(offset)])
    if total is None:
        total = len(rows) if offset == 0 and len(rows) < limit else \
            _count(q, source, cond_sql, params, offset)
    return rows, total


def _newest_page(t: Target, cols: str, score: str, source: str, cond_sql: str, newest: str
                 ) -> str:
    """PostgreSQL, newest first: the page's keys picked from the matches by their sort
    columns alone, then its rows and scores read. When the planner misjudges a match count
    (a Chinese phrase: 12k turns estimated as 9) it sorts every match, and reading each
    one's text and scoring it was three quarters of the query."""
    key = f"{t.alias}.{'id' if t.name == 'turn' else 'call_id'}"
    return (f"SELECT {cols}, {score} AS score FROM {t.table} {t.alias} WHERE {key} IN "
            f"(SELECT {key} FROM {source} WHERE {cond_sql} ORDER BY {newest} "
            f"LIMIT ? OFFSET ?) ORDER BY {newest}")


def _fts_top(q: Any, s: Search, match: str, cols: str, limit: int, offset: int
             ) -> tuple[list[dict[str, Any]], int]:
    """SQLite, nothing but the match: rank inside FTS5 and join only the page (fast for
    frequent words)."""
    t = s.target
    rows = q(f"SELECT {cols}, f.score FROM (SELECT rowid, -rank AS score FROM {t.fts} "
             f"WHERE {t.fts} MATCH ? ORDER BY rank, rowid LIMIT ? OFFSET ?) f "
             f"JOIN {t.table} {t.alias} ON {t.rowid} = f.rowid ORDER BY f.score DESC, f.rowid",
             (match, int(limit), int(offset)))
    if offset == 0 and len(rows) < limit:
        return rows, len(rows)
    return rows, _count(q, t.fts, f"{t.fts} MATCH ?", [match], offset)


def _count(q: Any, source: str, cond_sql: str, params: list[Any], offset: int) -> int:
    """How many rows match, counted no further than SEARCH_COUNT_MAX past `offset` (a
    frequent word on a big index would otherwise visit every match); a negative number is
    that lower bound."""
    bound = offset + defaults.SEARCH_COUNT_MAX
    n = int(q(f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {source} WHERE {cond_sql} "
              f"LIMIT {bound + 1}) s", params)[0]["n"])
    return -bound if n > bound else n
