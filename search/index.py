"""QA search index in the results database: keyword / exact phrase (EN + ZH), filters, similar.

Tables (created and migrated by `hotline.store.schema`, same database as the results store):
- `search_calls`: one row per call (date, agent, duration, language; all its turns' tokens for
  --by-call: PostgreSQL as the row's tsvectors, made from its turns', SQLite in the FTS5 table
  `search_call_fts`);
- `search_vectors`: MiniLM call vectors for "similar calls";
- `search_turns`: one row per turn with the call's filter fields copied in (role, emotion, date,
  agent, duration), the original `text`, the jieba/stemmed `seg` and the folded `norm`;
- `search_tags`: (call, kind, value) for rules violated, intents and language;
- `search_vocab`: every indexed word, for "did you mean" fuzzy expansion;
- SQLite: FTS5 table `search_fts(seg, grams)` keyed by the turn id. PostgreSQL: generated
  tsvector columns of `seg`/`grams` on the turns (the calls' concatenated from them, schema
  v11) with GIN indexes, pg_trgm on the vocabulary.
Rows are made by `rows.prepare` and written by `bulk.write`; queries by `cascade`/`query`.

Only redacted documents get in: `index_call` refuses a document whose indexed text (turns,
agent, speakers, rule and intent ids) still holds card numbers, IDs, phones or e-mails
(`hotline.search.rows.assert_indexable`).
"""

from __future__ import annotations

import copy
import gc
import logging
import multiprocessing as mp
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from hotline import defaults
from hotline.analytics.rulebook import load_rulebook
from hotline.document import CallDocument
from hotline.privacy.redact import RedactionFailed
from hotline.search import bulk
from hotline.search import text as T
from hotline.search.cascade import Cascade
from hotline.search.query import CALLS, TURNS, call_fields_sql
from hotline.search.results import CallHit, CallResults, SearchHit, SearchResults
from hotline.search.rows import PreparedCall, prepare, vocab
from hotline.search.terms import close_spellings, max_edits
from hotline.store.db import Database
from hotline.store.schema import ensure_schema, has_trgm, table_exists

__all__ = ["CallHit", "CallResults", "SearchFilters", "SearchHit", "SearchIndex",
           "SearchResults", "delete_calls", "rulebook_rule_ids"]

log = logging.getLogger(__name__)

EMBED_MAX_CHARS = 2000        # text per call fed to the embedder (customer turns first)


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


class SearchIndex:
    """Index + query over stored calls; `db` is the results store's `Database`."""

    def __init__(self, db: Database, embedder: Any = None,
                 rule_ids: Collection[str] | None = None):
        """`rule_ids`: the loaded rulebook's ids, so a rule filter can be checked (None: any)."""
        self.db = db
        self.embedder = embedder
        self.rule_ids = rule_ids
        self.pg = db.dialect == "postgresql"
        self._matrix: tuple | None = None      # (key, ids, positions, vectors) for similar()
        ensure_schema(db)                       # tables: hotline.store.schema
        self.trgm = has_trgm(db)                # pg_trgm for substring/fuzzy (PostgreSQL)
        bulk.restore_indexes(db)                # indexes a crashed bulk load left dropped
        self._vocab_cache: tuple[int, list[str]] | None = None

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """One statement, rows back (via a transaction cursor: `Database.execute` as written
        fetches the rows twice and so returns [] for SELECTs)."""
        with self.db.transaction() as cur:
            return cur.execute(sql, params)

    # ---------------------------------------------------------------- indexing
    def index_call(self, doc: CallDocument) -> None:
        """Insert or replace one call (idempotent). Refuses documents that hold PII."""
        bulk.write(self.db, [self._prepared(prepare(doc), doc)])

    def index_many(self, docs: Iterable[CallDocument], batch: int | None = None,
                   workers: int = 1) -> int:
        """Index many calls, `batch` per transaction (bulk loads, rebuilds); returns how many.
        Every document is checked for PII before anything of its batch is written. `workers`
        > 1 prepares the text (jieba, stemming, the PII check) in that many processes while
        this one writes. A load bigger than the index rebuilds PostgreSQL's GIN indexes once
        at the end (`bulk.big_load`)."""
        return self._load(docs, batch, workers, skip_pii=False)[0]

    def rebuild(self, documents: Iterable[CallDocument], workers: int = 1
                ) -> tuple[int, list[str]]:
        """(Re)index stored documents, e.g. `ResultsStore.iter_documents()`; a document that
        still holds PII is skipped and its call id returned, never indexed."""
        return self._load(documents, None, workers, skip_pii=True)

    def _load(self, docs: Iterable[CallDocument], batch: int | None, workers: int,
              skip_pii: bool) -> tuple[int, list[str]]:
        """Prepare and write `docs` streamed in chunks (a store's worth of documents is never
        held in memory at once; word timings are dropped from the held chunk)."""
        n_turns = sum(len(d.turns) for d in docs) if isinstance(docs, Sequence) else None
        refused: list[str] = []

        def items() -> Iterator[PreparedCall]:
            for chunk in _chunks(docs, defaults.SEARCH_PREPARE_TURNS, workers > 1):
                for doc, item in zip(chunk, _prepare_all(chunk, workers, skip_pii, self.pg),
                                     strict=True):
                    if isinstance(item, str):
                        refused.append(item)
                    else:
                        yield self._prepared(item, doc)

        done = self.write_prepared(items(), n_turns, batch)
        return done, refused

    def write_prepared(self, items: Iterable[PreparedCall], n_turns: int | None,
                       batch: int | None = None) -> int:
        """Write prepared calls, `batch` per transaction; a load of `n_turns` bigger than the
        index drops PostgreSQL's GIN indexes first and builds them once at the end."""
        return bulk.load(self.db, items, n_turns, batch)

    def _prepared(self, item: PreparedCall, doc: CallDocument) -> PreparedCall:
        """`item` with its MiniLM vector when this index has an embedder."""
        if self.embedder is not None:
            item.vector = self._embed_doc(doc)
        return item

    def delete_call(self, call_id: str) -> None:
        delete_calls(self.db, [call_id])

    # ---------------------------------------------------------------- search
    def search(self, query: str, filters: SearchFilters | dict[str, Any] | None = None,
               limit: int = 20, offset: int = 0, fuzzy: bool = True, by: str = "turn"
               ) -> SearchResults | CallResults:
        """Turns (`by="turn"`) or calls (`by="call"`: the call's turns together hold the
        terms) matching every word / "exact phrase" of `query` and every filter, best first.

        Nothing holds every term exactly: partial words, then close spellings (with `fuzzy`),
        then hits holding some of the terms are tried (`cascade`); the answer's `mode` and
        `matched_terms` say which. An empty query lists by filters only, newest first.
        """
        t0 = time.perf_counter()
        if by not in ("turn", "call"):
            raise ValueError(f"by must be 'turn' or 'call', not {by!r}")
        if offset < 0 or limit < 1:
            raise ValueError("offset must be >= 0 and limit >= 1")
        f = self.filters(filters)
        res = Cascade(self._q, self.pg, self._spell, self._indexed).run(
            CALLS if by == "call" else TURNS, T.parse_query(query), f, limit, offset, fuzzy)
        res.took_ms = (time.perf_counter() - t0) * 1000
        return res

    def filters(self, filters: SearchFilters | dict[str, Any] | None) -> SearchFilters:
        """Checked filters: a rule id must be one of the loaded rulebook's (or of a rule some
        indexed call violated) — an unknown one is an error that lists the valid ids."""
        f = filters if isinstance(filters, SearchFilters) else SearchFilters.from_dict(filters)
        if f.rule is not None and self.rule_ids is not None:
            valid = set(self.rule_ids) | {r["value"] for r in self._q(
                "SELECT DISTINCT value FROM search_tags WHERE kind = 'rule'")}
            if f.rule not in valid:
                raise ValueError(f"unknown rule id {f.rule!r}; valid rule ids: "
                                 + ", ".join(sorted(valid)))
        return f

    def _indexed(self, token: str) -> bool:
        """Does some turn hold `token` (an index token: a stem, a jieba word)?"""
        if self.pg:
            sql = "SELECT 1 AS x FROM search_turns WHERE tsv @@ to_tsquery('simple', ?) LIMIT 1"
            return bool(self._q(sql, (f"'{token.replace(chr(39), '')}'",)))
        return bool(self._q("SELECT 1 AS x FROM search_fts WHERE search_fts MATCH ? LIMIT 1",
                            (f'seg : "{token.replace(chr(34), "")}"',)))

    def _spell(self, word: str) -> list[str]:
        """Close spellings of `word` among indexed words; [] when the index holds `word`."""
        word = word.lower()
        if max_edits(word) == 0 or self._q("SELECT term FROM search_vocab WHERE term = ?",
                                          (word,)):
            return []
        if self.pg and self.trgm:
            rows = self._q("SELECT term FROM search_vocab WHERE term %% ? "
                           "ORDER BY similarity(term, ?) DESC LIMIT 50", (word, word))
            return close_spellings(word, [r["term"] for r in rows])
        return close_spellings(word, self._vocabulary())

    def _vocabulary(self) -> list[str]:
        """Every indexed word, cached until the vocabulary grows or shrinks."""
        n = int(self._q("SELECT COUNT(*) AS n FROM search_vocab")[0]["n"])
        if self._vocab_cache is None or self._vocab_cache[0] != n:
            self._vocab_cache = (n, [r["term"] for r in self._q("SELECT term FROM search_vocab")])
        return self._vocab_cache[1]

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
        vecs = np.asarray(self.embedder.encode(chosen),
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
        where, params = call_fields_sql(SearchFilters(
            date_from=f.date_from, date_to=f.date_to, agent=f.agent, rule=f.rule,
            intent=f.intent, min_duration=f.min_duration, max_duration=f.max_duration,
            language=f.language), self.pg, "t")
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




def rulebook_rule_ids(path: str | None = None) -> list[str]:
    """The rule ids of the configured rulebook (HOTLINE_RULEBOOK; default: telecom), for
    `SearchIndex(rule_ids=...)`."""
    return [r.id for r in load_rulebook(path or None).rules]


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
        step = defaults.SEARCH_DELETE_BATCH
        for i in range(0, len(ids), step):
            part = ids[i:i + step]
            marks = ",".join("?" * len(part))
            found += int(cur.execute(f"SELECT COUNT(*) AS n FROM search_calls WHERE call_id IN "
                                     f"({marks})", part)[0]["n"])
            for r in cur.execute(f"SELECT seg FROM search_turns WHERE call_id IN ({marks})", part):
                words.update(vocab([r["seg"] or ""]))
            bulk.delete_rows(cur, part, pg)
        _drop_unused_vocab(cur, sorted(words), pg)
        if compact and not pg:
            for table in ("search_fts", "search_call_fts"):
                cur.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
    return found


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


_FORKED: list[Sequence[CallDocument]] = []   # the chunk the pool being started forks with
_FORK_LOCK = threading.Lock()


def _prepare_all(docs: Sequence[CallDocument], workers: int, skip_pii: bool, pg: bool = False
                 ) -> Iterator[PreparedCall | str]:
    """Prepared calls in order (a refused call id in place of a document holding PII when
    `skip_pii`, else RedactionFailed), in `workers` processes when more than one. The workers
    are forked with the chunk in memory and are sent positions, not documents: pickling a
    document to a worker cost more than preparing its text. For PostgreSQL (`pg`) a worker
    hands its calls back as COPY text (`PreparedCall.for_copy`)."""
    if workers <= 1 or len(docs) < 2 * workers:
        yield from (_prepare_one(d, skip_pii) for d in docs)
        return
    gc.freeze()     # the chunk held: no collection walks it again (a full one, here and in
    try:            # each worker, cost ~1 us a turn) nor touches its pages in the workers
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            with _FORK_LOCK:        # every worker forks in the first submit, with this chunk
                _FORKED[:] = [docs]
                try:
                    results = pool.map(_prepare_at, range(len(docs)), [skip_pii] * len(docs),
                                       [pg] * len(docs), chunksize=32)
                finally:
                    _FORKED.clear()
            yield from results
    finally:
        gc.unfreeze()


def _prepare_at(position: int, skip_pii: bool, pg: bool) -> PreparedCall | str:
    """In a forked worker: the document at `position` of the chunk it was forked with (with
    its rows as COPY text for PostgreSQL)."""
    item = _prepare_one(_FORKED[0][position], skip_pii)
    return item.for_copy(bulk.copy_text(item)) if pg and not isinstance(item, str) else item


def _prepare_one(doc: CallDocument, skip_pii: bool) -> PreparedCall | str:
    if not skip_pii:
        return prepare(doc)
    try:
        return prepare(doc)
    except RedactionFailed:
        return doc.call_id


def _chunks(docs: Iterable[CallDocument], max_turns: int, slim: bool
            ) -> Iterator[list[CallDocument]]:
    """`docs` in chunks of about `max_turns` turns; with `slim`, each held without its word
    timings (never indexed), so a chunk big enough to keep worker processes — and their
    per-text caches — busy for long stays small in memory."""
    chunk: list[CallDocument] = []
    turns = 0
    for doc in docs:
        chunk.append(_without_words(doc) if slim else doc)
        turns += len(doc.turns)
        if turns >= max_turns:
            yield chunk
            chunk, turns = [], 0
    if chunk:
        yield chunk


def _without_words(doc: CallDocument) -> CallDocument:
    """A shallow copy of `doc` whose turns have no word timings (`doc` itself when none has)."""
    if not any(t.words for t in doc.turns):
        return doc
    out = copy.copy(doc)
    out.turns = [copy.copy(t) for t in doc.turns]
    for t in out.turns:
        t.words = []
    return out
