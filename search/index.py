"""QA search index in the results database: keyword / exact phrase (EN + ZH), filters, similar.

Tables (created and migrated by `hotline.store.schema`, same database as the results store):
- `search_calls`: one row per call (date, agent, duration, language, MiniLM vector as bytes);
- `search_turns`: one row per turn with the call's filter fields copied in (role, emotion, date,
  agent, duration), the original `text`, the jieba/stemmed `seg` and the folded `norm`;
- `search_tags`: (call, kind, value) for rules violated, intents and language;
- `search_vocab`: every indexed word, for "did you mean" fuzzy expansion;
- SQLite: FTS5 table `search_fts(seg)` keyed by the turn id. PostgreSQL: a generated
  `to_tsvector('simple', seg)` column with a GIN index and a pg_trgm GIN index on `norm`.

Only redacted documents get in: `index_call` refuses a document that still holds card numbers,
IDs, phones or e-mails (`hotline.privacy.redact.assert_redacted`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from hotline.document import CallDocument
from hotline.privacy.redact import assert_redacted
from hotline.search import text as T
from hotline.store.db import Database
from hotline.store.schema import ensure_schema, has_trgm, table_exists

log = logging.getLogger(__name__)

FUZZY_PG_SIMILARITY = 0.4     # pg_trgm similarity for "did you mean" terms
FUZZY_RAPIDFUZZ_RATIO = 80    # the same on SQLite, with rapidfuzz over the vocabulary
FUZZY_MAX_TERMS = 5           # at most this many spellings per misspelled word
EMBED_MAX_CHARS = 2000
RANK_MAX_MATCHES = 3000


@dataclass
class SearchFilters:
    """Who said it and which calls: every field optional, all given ones must hold."""

    role: str | None = None
    date_from: str | None = None    # YYYY-MM-DD, inclusive
    date_to: str | None = None      # YYYY-MM-DD, inclusive
    agent: str | None = None
    emotion: str | None = None      # the matching turn's emotion label
    rule: str | None = None         # a rule the call violated
    intent: str | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    language: str | None = None
    call_id: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SearchFilters:
        aliases = {"from": "date_from", "to": "date_to", "agent_id": "agent"}
        known = {f for f in cls.__dataclass_fields__}
        out = {}
        for k, v in (data or {}).items():
            k = aliases.get(k, k)
            if k not in known:
                raise ValueError(f"unknown search filter {k!r}")
            if v not in (None, ""):
                out[k] = v
        return cls(**out)


@dataclass
class SearchHit:
    call_id: str
    turn: int
    start: float
    role: str
    snippet: str
    score: float
    end: float | None = None
    call_date: str | None = None
    agent_id: str | None = None
    emotion: str | None = None


@dataclass
class SearchResults:
    results: list[SearchHit] = field(default_factory=list)
    total: int = 0
    mode: str = "exact"             # exact | substring | fuzzy | filter | similar
    took_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The contract JSON: {"results": [{call_id, turn, start, role, snippet, score}], "total"}."""
        return {"results": [asdict(h) for h in self.results], "total": self.total,
                "mode": self.mode, "took_ms": round(self.took_ms, 2)}


class SearchIndex:
    """Index + query over stored calls; `db` is the results store's `Database`."""

    def __init__(self, db: Database, embedder: Any = None):
        self.db = db
        self.embedder = embedder
        self.pg = db.dialect == "postgresql"
        self._matrix: tuple | None = None      # (key, ids, positions, vectors) for similar()
        ensure_schema(db)                       # tables: hotline.store.schema
        self.trgm = has_trgm(db)                # pg_trgm for substring/fuzzy (PostgreSQL)

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """One statement, rows back (via a transaction cursor: `Database.execute` as written
        fetches the rows twice and so returns [] for SELECTs)."""
        with self.db.transaction() as cur:
            return cur.execute(sql, params)

    # ---------------------------------------------------------------- indexing
    def index_call(self, doc: CallDocument) -> None:
        """Insert or replace one call (idempotent). Refuses documents that hold PII."""
        self.index_many([doc], batch=1)

    def index_many(self, docs: Iterable[CallDocument], batch: int = 200) -> int:
        """Index many calls, `batch` per transaction (bulk loads and rebuilds); returns how
        many. Every document is checked for PII before anything of its batch is written."""
        n, chunk = 0, []
        for doc in docs:
            chunk.append(self._prepare(doc))
            if len(chunk) >= batch:
                n += self._write(chunk)
                chunk = []
        if chunk:
            n += self._write(chunk)
        return n

    def _prepare(self, doc: CallDocument) -> dict[str, Any]:
        assert_redacted(doc)
        rows = self._turn_rows(doc)
        vector = self._embed_doc(doc) if self.embedder is not None else None
        meta = doc.metadata or {}
        tags = [("rule", r) for r in sorted({v.rule for v in doc.violations})]
        tags += [("intent", i) for i in sorted(set(doc.intents))]
        if doc.language:
            tags.append(("language", doc.language))
        call = (doc.call_id, _date(meta, doc.source), meta.get("agent_id"), float(doc.duration or 0.0),
                doc.language, len(doc.turns), dt.datetime.now(dt.timezone.utc).isoformat())
        return {"call_id": doc.call_id, "call": call, "rows": rows, "tags": tags,
                "vector": vector,
                "vocab": _vocab(r[7] for r in rows)}

    def _write(self, chunk: list[dict[str, Any]]) -> int:
        with self.db.transaction() as cur:
            if self.pg:     # the index is rebuildable from the store: no fsync wait per call
                cur.execute("SET LOCAL synchronous_commit TO OFF")
            vocab: dict[str, str] = {}
            for item in chunk:
                self._write_call(cur, item)
                vocab.update(item["vocab"])
            conflict = "ON CONFLICT (term) DO NOTHING" if self.pg else ""
            verb = "INSERT" if self.pg else "INSERT OR IGNORE"
            cur.executemany(f"{verb} INTO search_vocab (term, stem) VALUES (?, ?) {conflict}",
                            sorted(vocab.items()))
        return len(chunk)

    def _write_call(self, cur: Any, item: dict[str, Any]) -> None:
        call_id, rows = item["call_id"], item["rows"]
        self._delete(cur, call_id)
        cur.execute("INSERT INTO search_calls (call_id, call_date, agent_id, duration, language, "
                    "n_turns, indexed_at) VALUES (?,?,?,?,?,?,?)", item["call"])
        if item["vector"] is not None:
            cur.execute("INSERT INTO search_vectors (call_id, dim, embedding) VALUES (?,?,?)",
                        (call_id, int(item["vector"].shape[0]), item["vector"].tobytes()))
        cur.executemany(
            "INSERT INTO search_turns (call_id, turn, role, speaker, t_start, t_end, text, "
            "seg, norm, grams, emotion, call_date, agent_id, duration) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        if not self.pg:
            ids = cur.execute("SELECT id, turn FROM search_turns WHERE call_id = ?", (call_id,))
            cur.executemany("INSERT INTO search_fts (rowid, seg, grams) VALUES (?, ?, ?)",
                            [(r["id"], rows[r["turn"]][7], rows[r["turn"]][9]) for r in ids])
        cur.executemany("INSERT INTO search_tags (call_id, kind, value) VALUES (?,?,?)",
                        [(call_id, k, v) for k, v in item["tags"]])

    def rebuild(self, documents: Iterable[CallDocument]) -> tuple[int, list[str]]:
        """(Re)index stored documents, e.g. `ResultsStore.iter_documents()`; a document that
        still holds PII is skipped and its call id returned, never indexed."""
        from hotline.privacy.redact import RedactionFailed

        done, refused = 0, []
        for doc in documents:
            try:
                self.index_call(doc)
                done += 1
            except RedactionFailed:
                refused.append(doc.call_id)
        return done, refused

    def delete_call(self, call_id: str) -> None:
        delete_calls(self.db, [call_id])

    def _delete(self, cur: Any, call_id: str) -> None:
        _delete_rows(cur, [call_id], self.pg)

    def _turn_rows(self, doc: CallDocument) -> list[tuple]:
        meta = doc.metadata or {}
        day, agent = _date(meta, doc.source), meta.get("agent_id")
        duration = float(doc.duration or 0.0)
        rows = []
        for i, t in enumerate(doc.turns):
            text = t.text or ""
            emotion = t.emotion.label if t.emotion else None
            rows.append((doc.call_id, i, t.role, t.speaker, float(t.start), float(t.end), text,
                         T.segment(text), T.normalise(text), T.grams(text), emotion, day, agent,
                         duration))
        return rows

    # ---------------------------------------------------------------- search
    def search(self, query: str, filters: SearchFilters | dict[str, Any] | None = None,
               limit: int = 20, offset: int = 0, fuzzy: bool = True) -> SearchResults:
        """Turns matching every word / "exact phrase" of `query` and every filter, best first.

        No exact hit: retried as a substring (e.g. part of a Chinese word), then, with `fuzzy`,
        with close spellings from the vocabulary. An empty query lists turns by filters only.
        """
        t0 = time.perf_counter()
        f = filters if isinstance(filters, SearchFilters) else SearchFilters.from_dict(filters)
        clauses = T.parse_query(query)
        if not clauses:
            res = self._run(None, [], f, limit, offset, "filter")
        else:
            res = self._run("exact", clauses, f, limit, offset, "exact")
            if res.total == 0:
                res = self._run("substring", clauses, f, limit, offset, "substring")
            if res.total == 0 and fuzzy:
                expanded = self._expand(clauses)
                if expanded:
                    res = self._run("fuzzy", expanded, f, limit, offset, "fuzzy")
            if res.total == 0:
                res.mode = "exact"
        res.took_ms = (time.perf_counter() - t0) * 1000
        return res

    def _run(self, how: str | None, clauses: list[T.Clause], f: SearchFilters, limit: int,
             offset: int, mode: str) -> SearchResults:
        """One query: `how` is exact | fuzzy (token match), substring, or None (filters only)."""
        where, params = self._filter_sql(f)
        has_filters = bool(where)
        match: str | None = None
        likes: list[str] = []
        if how in ("exact", "fuzzy"):
            match = _match_expr(clauses, self.pg)
            likes = [c.like_pattern() for c in clauses if c.phrase]
        elif how == "substring":
            seg_q, gram_q, likes = _substring_parts(clauses, self.pg)
            if self.pg:
                match = seg_q
                if gram_q:
                    where.append("t.gtsv @@ to_tsquery('simple', ?)")
                    params.append(gram_q)
            else:
                match = " AND ".join(q for q in (seg_q, gram_q) if q) or None
        for pattern in likes:
            where.append("t.norm LIKE ? ESCAPE '\\'")
            params.append(pattern)
        if match is not None and not self.pg and not has_filters and not likes:
            rows, total = self._fts_top(match, limit, offset)
        else:
            rows, total = self._joined(match, where, params, limit, offset)
        extra: list[str] = []
        prefixes: list[str] = []
        if how == "fuzzy":
            extra = [t for c in clauses for t in c.tokens]
        elif how == "substring":
            extra = [normalise_cjk for c in clauses if T.has_cjk(c.raw)
                     for normalise_cjk in T.normalise(c.raw).split()]
            prefixes = [t for c in clauses for t in c.tokens if t.isascii()]
        hits = [SearchHit(call_id=r["call_id"], turn=int(r["turn"]), start=float(r["t_start"]),
                          end=float(r["t_end"]), role=r["role"],
                          snippet=T.highlight(r["text"] or "", clauses, extra, prefixes=prefixes),
                          score=round(float(r["score"] or 0.0), 4), call_date=r["call_date"],
                          agent_id=r["agent_id"], emotion=r["emotion"]) for r in rows]
        return SearchResults(results=hits, total=total, mode=mode)

    _COLS = ("t.id, t.call_id, t.turn, t.t_start, t.t_end, t.role, t.text, t.call_date, "
             "t.agent_id, t.emotion")

    def _fts_top(self, match: str, limit: int, offset: int) -> tuple[list[dict], int]:
        """SQLite, no filters: rank inside FTS5 and join only the page (frequent words)."""
        rows = self._q(
            f"SELECT {self._COLS}, f.score FROM (SELECT rowid, -rank AS score FROM search_fts "
            f"WHERE search_fts MATCH ? ORDER BY rank, rowid LIMIT ? OFFSET ?) f "
            f"JOIN search_turns t ON t.id = f.rowid ORDER BY f.score DESC, t.id",
            (match, int(limit), int(offset)))
        if offset == 0 and len(rows) < limit:
            return rows, len(rows)
        n = self._q("SELECT COUNT(*) AS n FROM search_fts WHERE search_fts MATCH ?", (match,))
        return rows, int(n[0]["n"])

    def _joined(self, match: str | None, where: list[str], params: list[Any], limit: int,
                offset: int) -> tuple[list[dict], int]:
        """Token match joined with the turn filters; filters-only lists newest calls first."""
        where, params = list(where), list(params)
        source, score_params = "search_turns t", []
        if match is None:
            score, order = "0.0", "t.call_date DESC, t.call_id, t.turn"
        elif self.pg:
            where.insert(0, "t.tsv @@ to_tsquery('simple', ?)")
            params.insert(0, match)
            score, order = "ts_rank_cd(t.tsv, to_tsquery('simple', ?))", "score DESC, t.id"
            score_params = [match]
            total = self._total("search_turns t", where, params)
            if total > RANK_MAX_MATCHES:      # ranking every match costs more than it is worth
                order = "t.call_date DESC, t.id"
            rows = self._q(f"SELECT {self._COLS}, {score} AS score FROM search_turns t "
                           f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ? OFFSET ?",
                           [*score_params, *params, int(limit), int(offset)])
            return rows, total
        else:
            source = "search_fts JOIN search_turns t ON t.id = search_fts.rowid"
            where.insert(0, "search_fts MATCH ?")
            params.insert(0, match)
            score, order = "-bm25(search_fts)", "score DESC, t.id"
        cond = " AND ".join(where) or "1=1"
        rows = self._q(f"SELECT {self._COLS}, {score} AS score FROM {source} WHERE {cond} "
                       f"ORDER BY {order} LIMIT ? OFFSET ?",
                       [*score_params, *params, int(limit), int(offset)])
        if offset == 0 and len(rows) < limit:
            return rows, len(rows)
        return rows, self._total(source, where, params)

    def _total(self, source: str, where: list[str], params: list[Any]) -> int:
        n = self._q(f"SELECT COUNT(*) AS n FROM {source} WHERE {' AND '.join(where) or '1=1'}",
                    params)
        return int(n[0]["n"])

    def _filter_sql(self, f: SearchFilters) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        simple = (("t.role = ?", f.role), ("t.call_date >= ?", f.date_from),
                  ("t.call_date <= ?", f.date_to), ("t.agent_id = ?", f.agent),
                  ("t.emotion = ?", f.emotion), ("t.duration >= ?", f.min_duration),
                  ("t.duration <= ?", f.max_duration), ("t.call_id = ?", f.call_id))
        for sql, value in simple:
            if value is not None:
                where.append(sql)
                params.append(float(value) if "duration" in sql else str(value))
        for kind, value in (("rule", f.rule), ("intent", f.intent), ("language", f.language)):
            if value is not None:
                where.append("t.call_id IN (SELECT call_id FROM search_tags "
                             "WHERE kind = ? AND value = ?)")
                params += [kind, str(value)]
        return where, params

    def _expand(self, clauses: list[T.Clause]) -> list[T.Clause]:
        """Each plain word replaced by the indexed words spelled like it ("cancle" -> cancel)."""
        out, changed = [], False
        for c in clauses:
            if c.phrase:
                out.append(c)
                continue
            stems = self._similar_terms(c.tokens[0]) if len(c.tokens) == 1 else []
            if stems and stems != c.tokens:
                changed = True
                out.append(T.Clause(c.raw, False, stems, any_of=True))
            else:
                out.append(c)
        return out if changed else []

    def _similar_terms(self, word: str) -> list[str]:
        word = word.lower()
        if self.pg and self.trgm:
            rows = self._q(
                "SELECT DISTINCT stem, similarity(term, ?) AS s FROM search_vocab "
                "WHERE similarity(term, ?) >= ? ORDER BY s DESC LIMIT ?",
                (word, word, FUZZY_PG_SIMILARITY, FUZZY_MAX_TERMS))
            return [r["stem"] for r in rows]
        from rapidfuzz import fuzz, process

        vocab = self._q("SELECT term, stem FROM search_vocab")
        terms = [r["term"] for r in vocab]
        stems = {r["term"]: r["stem"] for r in vocab}
        best = process.extract(word, terms, scorer=fuzz.ratio, limit=FUZZY_MAX_TERMS,
                               score_cutoff=FUZZY_RAPIDFUZZ_RATIO)
        return list(dict.fromkeys(stems[t] for t, _s, _i in best))

    # ---------------------------------------------------------------- similar calls
    def similar(self, call_id: str, k: int = 5,
                filters: SearchFilters | dict[str, Any] | None = None) -> SearchResults:
        """The `k` calls closest in meaning to `call_id` (cosine of MiniLM call vectors)."""
        t0 = time.perf_counter()
        f = filters if isinstance(filters, SearchFilters) else SearchFilters.from_dict(filters)
        self.ensure_embeddings()          # calls indexed without an embedder, once
        target = self._vector(call_id)
        if target is None:
            from hotline.errors import HotlineError
            raise HotlineError(f"call {call_id!r} is not in the search index")
        ids, matrix = self._vectors(f)
        keep = [i for i, c in enumerate(ids) if c != call_id]
        ids, matrix = [ids[i] for i in keep], matrix[keep] if keep else matrix[:0]
        if not ids:
            return SearchResults(mode="similar", took_ms=(time.perf_counter() - t0) * 1000)
        scores = matrix @ target
        order = np.argsort(-scores)[:k]
        hits = [self._call_hit(ids[i], float(scores[i])) for i in order]
        return SearchResults(results=hits, total=len(ids), mode="similar",
                             took_ms=(time.perf_counter() - t0) * 1000)

    def ensure_embeddings(self, call_ids: Sequence[str] | None = None) -> int:
        """Embed calls indexed without an embedder (e.g. by a batch job); returns how many."""
        if self.embedder is None:
            return 0
        sql = ("SELECT c.call_id FROM search_calls c LEFT JOIN search_vectors v "
               "ON v.call_id = c.call_id WHERE v.call_id IS NULL")
        params: list[Any] = []
        if call_ids is not None:
            if not call_ids:
                return 0
            sql += f" AND c.call_id IN ({','.join('?' * len(call_ids))})"
            params = list(call_ids)
        todo = [r["call_id"] for r in self._q(sql, params)]
        for cid in todo:
            turns = self._q("SELECT role, text FROM search_turns WHERE call_id = ? "
                            "ORDER BY turn", (cid,))
            vec = self._embed_texts([(r["role"], r["text"] or "") for r in turns])
            with self.db.transaction() as cur:
                cur.execute("DELETE FROM search_vectors WHERE call_id = ?", (cid,))
                cur.execute("INSERT INTO search_vectors (call_id, dim, embedding) "
                            "VALUES (?,?,?)", (cid, int(vec.shape[0]), vec.tobytes()))
        return len(todo)

    def _embed_doc(self, doc: CallDocument) -> np.ndarray:
        return self._embed_texts([(t.role, t.text or "") for t in doc.turns])

    def _embed_texts(self, turns: list[tuple[str, str]]) -> np.ndarray:
        """One unit vector per call: the mean of its customer turns' embeddings (what the call
        is about; the agent's greeting and closing are the same on every call)."""
        texts = [t for r, t in turns if r == "customer" and t.strip()] or \
            [t for _r, t in turns if t.strip()] or [""]
        budget, chosen = EMBED_MAX_CHARS, []
        for t in texts:
            if budget <= 0:
                break
            chosen.append(t[:budget])
            budget -= len(t)
        vecs = np.asarray(self.embedder.encode(chosen, normalize_embeddings=True),
                          dtype=np.float32)
        v = vecs.mean(axis=0)
        return (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)

    def _vector(self, call_id: str) -> np.ndarray | None:
        rows = self._q("SELECT embedding FROM search_vectors WHERE call_id = ?", (call_id,))
        if not rows:
            return None
        return np.frombuffer(bytes(rows[0]["embedding"]), dtype=np.float32)

    def _all_vectors(self) -> tuple[list[str], dict[str, int], np.ndarray]:
        """Every call vector as one matrix, cached in this process until a vector is added or
        removed (count and newest sequence number change)."""
        key_row = self._q("SELECT COUNT(*) AS n, MAX(seq) AS m FROM search_vectors")[0]
        key = (int(key_row["n"]), key_row["m"])
        if self._matrix is not None and self._matrix[0] == key:
            return self._matrix[1], self._matrix[2], self._matrix[3]
        rows = self._q("SELECT call_id, embedding FROM search_vectors ORDER BY seq")
        ids = [r["call_id"] for r in rows]
        matrix = (np.stack([np.frombuffer(bytes(r["embedding"]), dtype=np.float32)
                            for r in rows]) if rows else np.zeros((0, 1), dtype=np.float32))
        pos = {c: i for i, c in enumerate(ids)}
        self._matrix = (key, ids, pos, matrix)
        return ids, pos, matrix

    def _vectors(self, f: SearchFilters) -> tuple[list[str], np.ndarray]:
        ids, pos, matrix = self._all_vectors()
        where, params = self._filter_sql(SearchFilters(
            date_from=f.date_from, date_to=f.date_to, agent=f.agent, rule=f.rule,
            intent=f.intent, min_duration=f.min_duration, max_duration=f.max_duration,
            language=f.language))
        if not where:
            return ids, matrix
        rows = self._q("SELECT DISTINCT t.call_id FROM search_turns t WHERE "
                       + " AND ".join(where), params)
        keep = [pos[r["call_id"]] for r in rows if r["call_id"] in pos]
        return [ids[i] for i in keep], matrix[keep]

    def _call_hit(self, call_id: str, score: float) -> SearchHit:
        rows = self._q(
            "SELECT turn, t_start, t_end, role, text, call_date, agent_id, emotion "
            "FROM search_turns WHERE call_id = ? ORDER BY turn", (call_id,))
        pick = next((r for r in rows if r["role"] == "customer" and (r["text"] or "").strip()),
                    rows[0] if rows else None)
        if pick is None:
            return SearchHit(call_id, 0, 0.0, "unknown", "", round(score, 4))
        return SearchHit(call_id=call_id, turn=int(pick["turn"]), start=float(pick["t_start"]),
                         end=float(pick["t_end"]), role=pick["role"],
                         snippet=T.highlight(pick["text"] or "", []), score=round(score, 4),
                         call_date=pick["call_date"], agent_id=pick["agent_id"],
                         emotion=pick["emotion"])

    # ---------------------------------------------------------------- info
    def warm(self) -> None:
        """Load jieba's dictionary now (about a second) instead of on the first Chinese query;
        for long-lived processes (web server, workers)."""
        T.tokens("预热", for_index=True)

    def stats(self) -> dict[str, int]:
        calls = self._q("SELECT COUNT(*) AS n FROM search_calls")[0]["n"]
        turns = self._q("SELECT COUNT(*) AS n FROM search_turns")[0]["n"]
        return {"calls": int(calls), "turns": int(turns)}


DELETE_BATCH = 500            # call ids per DELETE ... IN (...) statement


def delete_calls(db: Database, call_ids: Iterable[str], compact: bool = True) -> int:
    """Remove every index row of `call_ids` (purge, right to be forgotten); returns how many of
    them were indexed. Words only those calls used leave the fuzzy vocabulary too. With
    `compact` on SQLite the FTS5 segments are merged, so deleted words do not linger in the
    file (run `secure_delete` + a WAL checkpoint on the store afterwards); on PostgreSQL the
    rows are gone at once and VACUUM reclaims their index entries. A store without a search
    index answers 0."""
    ids = sorted(set(call_ids))
    pg = db.dialect == "postgresql"
    with db.transaction() as cur:
        if not table_exists(cur, db.dialect, "search_calls") or not ids:
            return 0
        found, words = 0, set()
        for i in range(0, len(ids), DELETE_BATCH):
            part = ids[i:i + DELETE_BATCH]
            marks = ",".join("?" * len(part))
            found += int(cur.execute(f"SELECT COUNT(*) AS n FROM search_calls WHERE call_id IN "
                                     f"({marks})", part)[0]["n"])
            for r in cur.execute(f"SELECT seg FROM search_turns WHERE call_id IN ({marks})", part):
                words.update(_vocab([r["seg"] or ""]))
            _delete_rows(cur, part, pg)
        _drop_unused_vocab(cur, sorted(words), pg)
        if compact and not pg:
            cur.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    return found


def _delete_rows(cur: Any, call_ids: Sequence[str], pg: bool) -> None:
    marks = ",".join("?" * len(call_ids))
    if not pg:
        cur.execute(f"DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_turns "
                    f"WHERE call_id IN ({marks}))", call_ids)
    for table in ("search_turns", "search_tags", "search_vectors", "search_calls"):
        cur.execute(f"DELETE FROM {table} WHERE call_id IN ({marks})", call_ids)


def _drop_unused_vocab(cur: Any, words: list[str], pg: bool) -> None:
    """Vocabulary words no remaining turn holds (a deleted caller's name must not survive)."""
    for word in words:
        if pg:
            used = cur.execute("SELECT 1 AS x FROM search_turns WHERE tsv @@ "
                               "to_tsquery('simple', ?) LIMIT 1", (f"'{word}'",))
        else:
            used = cur.execute("SELECT 1 AS x FROM search_fts WHERE search_fts MATCH ? LIMIT 1",
                               (f'seg : "{word}"',))
        if not used:
            cur.execute("DELETE FROM search_vocab WHERE term = ?", (word,))


def _date(meta: dict[str, Any], source: str = "") -> str | None:
    """The call date, as the results store computes it (metadata date, else the file date)."""
    day = meta.get("date")
    if day:
        return str(day)[:10]
    try:
        from hotline.store.results import call_date_of
    except ImportError:
        return None
    return call_date_of(meta, source)


def _vocab(segs: Iterable[str]) -> dict[str, str]:
    """term -> stem for the fuzzy vocabulary (the seg column already holds stems; words of
    four or more letters only: short words are not worth correcting)."""
    out: dict[str, str] = {}
    for seg in segs:
        for tok in seg.split():
            if len(tok) >= 4 and tok.isascii() and tok.isalpha():
                out.setdefault(tok, tok)
    return out


def _substring_parts(clauses: list[T.Clause], pg: bool
                     ) -> tuple[str | None, str | None, list[str]]:
    """Fallback for words that are not whole tokens: English words as token prefixes
    ("refun" -> refund), Chinese as true substrings: narrowed through the index of character
    bigrams (`grams`), then checked with LIKE on `norm`. Returns (seg query, grams query,
    LIKE patterns)."""
    seg, grams, likes = [], [], []
    for c in clauses:
        if T.has_cjk(c.raw):
            likes.append(c.substring_pattern())
            grams += T.query_grams(c.raw)
            continue
        if c.phrase:
            likes.append(c.substring_pattern())
        seg += [t for t in c.tokens if t.isascii()]
    if pg:
        return (" & ".join(f"'{t}':*" for t in seg) or None,
                " & ".join(f"'{g}'" for g in grams) or None, likes)
    return ("seg : (" + " AND ".join(f'"{t}"*' for t in seg) + ")" if seg else None,
            "grams : (" + " AND ".join(f'"{g}"' for g in grams) + ")" if grams else None,
            likes)


def _match_expr(clauses: list[T.Clause], pg: bool) -> str:
    """FTS query: every clause and all its tokens required (LIKE checks a phrase's order);
    a fuzzy clause accepts any of its spellings."""
    parts = []
    for c in clauses:
        toks = list(dict.fromkeys(c.tokens))
        if pg:
            quoted = [f"'{t.replace(chr(39), '')}'" for t in toks]
            parts.append("(" + (" | " if c.any_of else " & ").join(quoted) + ")")
        else:
            quoted = [f'"{t.replace(chr(34), "")}"' for t in toks]
            parts.append("(" + (" OR " if c.any_of else " AND ").join(quoted) + ")")
    if pg:
        return " & ".join(parts)
    return "seg : (" + " AND ".join(parts) + ")"    # not the grams column
