"""Writing prepared calls into the index, many per transaction (the batch job and rebuilds).

PostgreSQL: the calls being replaced go in one `DELETE ... = ANY(...)` per table, then COPY for
turns and tags (the turns' generated tsvector columns fill themselves), the rows formatted as
COPY text here (psycopg's per-value dumping cost more than the server's insert); the call rows
follow in one INSERT ... SELECT that makes each call's tsvectors from its turns' just written
(`CALL_INSERT`: concatenated in turn order, not parsed again). A load
streams its batches through `SEARCH_BULK_CONNECTIONS` connections at once: the server's
tsvector work is most of a load's CPU and one backend uses one core. A load larger than what
the index already holds (a first load, a rebuild) drops the GIN indexes and the turns' date and
agent B-trees and builds each once at the end, spread over the same connections — one sorted
build instead of millions of pending-list and random B-tree inserts; smaller loads keep them
(GIN's fast-update list absorbs the inserts).
The index is derived data, rebuildable from the results store, so a load does not wait for
fsync (`synchronous_commit off`).
SQLite: executemany per table; the FTS rows copied from the turn rows by one INSERT ... SELECT.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import Any, NamedTuple

from hotline import defaults
from hotline.search.rows import CALL_COLUMNS, TURN_COLUMNS, PreparedCall
from hotline.store.db import Database
from hotline.store.schema import (
    CALL_TSV_AGG,
    SEARCH_ANALYZE,
    SEARCH_BULK_INDEXES,
    SEARCH_LOAD_LOCK,
    build_search_indexes,
    drop_search_indexes,
    missing_search_indexes,
)

log = logging.getLogger(__name__)

CALL_SEG = CALL_COLUMNS.index("seg")
_TURN_SHARED = TURN_COLUMNS.index("call_date")   # this and later turn columns are the call's
INDEX_TABLES = ("search_turns", "search_tags", "search_vectors", "search_calls")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# PostgreSQL's tsvector limits (not tunables): a lexeme keeps its first 256 positions, and
# positions stop at 16,383
TSV_MAX_POSITIONS, TSV_LAST_POSITION = 256, 16383

# A batch's call rows, their tsvectors made from the turn rows the batch just wrote: the
# turns' `tsv` concatenated in turn order (tsvector_concat shifts each by the positions
# before it: the vector to_tsvector makes of the call's whole `seg`), their `gtsv` merged.
# A call whose positions reach tsvector's limits ships its `seg` and is parsed as before
# (`concat_is_exact`). Values travel as text arrays, cast as COPY would read them.
_CALL_FIELDS = (*CALL_COLUMNS[:CALL_SEG], "tags", "seg")
CALL_INSERT = (
    f"INSERT INTO search_calls ({', '.join(CALL_COLUMNS[:CALL_SEG])}, tags, tsv, gtsv) "
    "SELECT m.call_id, m.call_date, m.agent_id, m.duration::real, m.language, "
    "m.n_turns::integer, m.indexed_at, m.tags::text[], "
    "COALESCE(to_tsvector('simple', m.seg), t.tsv, ''), COALESCE(t.gtsv, '') "
    f"FROM unnest({', '.join(['?::text[]'] * len(_CALL_FIELDS))}) "
    f"AS m ({', '.join(_CALL_FIELDS)}) "
    f"LEFT JOIN (SELECT call_id, {CALL_TSV_AGG}(tsv ORDER BY turn) AS tsv, "
    f"{CALL_TSV_AGG}(gtsv) AS gtsv FROM search_turns WHERE call_id = ANY(?::text[]) "
    "GROUP BY call_id) t USING (call_id)")


@dataclass
class LoadState:
    """What one load has written so far, shared by its batches."""

    vocab: set[str] = field(default_factory=set)   # vocabulary words (not written again)
    calls: set[str] | None = None   # into an index that was empty: the call ids written
    # (only these can have rows to replace, up to SEARCH_BULK_TRACK_CALLS of them; a batch
    # that meets another's rows is written again with the delete); None: every batch
    # deletes its calls first


def write(db: Database, items: Sequence[PreparedCall], state: LoadState | None = None
          ) -> int:
    """Insert or replace `items` (the last one wins when a call repeats) in one transaction;
    returns how many were given."""
    given = len(items)
    latest = {it.call_id: it for it in items}
    items = list(latest.values())
    if not items:
        return 0
    ids = list(latest)
    if state is None or state.calls is None:
        _write_batch(db, items, ids, state)
        return given
    from psycopg import IntegrityError  # only PostgreSQL's big loads track `calls`

    again = [i for i in ids if i in state.calls]
    if len(state.calls) < defaults.SEARCH_BULK_TRACK_CALLS:
        state.calls.update(ids)
    try:
        _write_batch(db, items, again, state)
    except IntegrityError:  # a call indexed meanwhile (the batch job), or one written
        _write_batch(db, items, ids, state)    # before past the tracking bound
    return given


def _write_batch(db: Database, items: Sequence[PreparedCall], replace: Sequence[str],
                 state: LoadState | None) -> None:
    """One transaction: the rows of the calls `replace` deleted, `items` written."""
    pg = db.dialect == "postgresql"
    with db.transaction() as cur:
        if pg:
            cur.execute("SET LOCAL synchronous_commit TO OFF")
        if replace:
            delete_rows(cur, replace, pg)
        if pg:
            _pg_write(cur, items)
        else:
            _sqlite_write(cur, items)
        _write_vocab(cur, items, pg, None if state is None else state.vocab)


def load(db: Database, items: Iterable[PreparedCall], n_turns: int | None,
         batch: int | None = None) -> int:
    """Write `items`, `batch` calls per transaction; returns how many. A load of `n_turns`
    bigger than the index drops PostgreSQL's secondary indexes first and builds them at the
    end (holding SEARCH_LOAD_LOCK meanwhile); any other load first rebuilds indexes a
    crashed big load left dropped."""
    writers = defaults.SEARCH_BULK_CONNECTIONS if db.dialect == "postgresql" else 1
    if not big_load(db, n_turns):
        restore_indexes(db)
        return _write_all(db, items, batch, writers, LoadState())
    with _load_lock(db, wait=True):
        drop_search_indexes(db)
        try:
            return _write_all(db, items, batch, writers,
                              LoadState(calls=set() if _index_empty(db) else None))
        finally:
            build_gin(db, writers)


def _index_empty(db: Database) -> bool:
    """No call in the index (read under SEARCH_LOAD_LOCK: a big load is the only writer
    then — the batch job's `index_call` waits for nothing, so it is not counted on)."""
    with db.transaction() as cur:
        return not cur.execute("SELECT EXISTS (SELECT 1 FROM search_calls) AS any")[0]["any"]


def restore_indexes(db: Database) -> list[str]:
    """Build the search indexes a big load dropped and never built (it crashed): the ones
    the catalog lacks while no big load holds SEARCH_LOAD_LOCK; returns their names. One
    catalog read when nothing is missing (SearchIndex runs it when it opens a store)."""
    if not missing_search_indexes(db):
        return []
    with _load_lock(db, wait=False) as held:
        missing = missing_search_indexes(db) if held else []   # read again under the lock
        if missing:
            log.warning("search: rebuilding %d indexes a crashed bulk load left dropped: %s",
                        len(missing), ", ".join(missing))
            build_gin(db, defaults.SEARCH_BULK_CONNECTIONS, missing)
    return missing


@contextmanager
def _load_lock(db: Database, wait: bool) -> Iterator[bool]:
    """SEARCH_LOAD_LOCK on `db`'s session (released if the process dies): taken, waiting for
    it with `wait`, else only if free; yields whether it is held."""
    with db.transaction() as cur:
        if wait:
            cur.execute("SELECT pg_advisory_lock(?)", (SEARCH_LOAD_LOCK,))
            held = True
        else:
            held = bool(cur.execute("SELECT pg_try_advisory_lock(?) AS held",
                                    (SEARCH_LOAD_LOCK,))[0]["held"])
    try:
        yield held
    finally:
        if held:
            with db.transaction() as cur:
                cur.execute("SELECT pg_advisory_unlock(?)", (SEARCH_LOAD_LOCK,))


def _write_all(db: Database, items: Iterable[PreparedCall], batch: int | None,
               writers: int, state: LoadState) -> int:
    """`items` in batches of `batch` through `writers` connections; how many were written."""
    size = batch or defaults.SEARCH_BATCH_CALLS
    if writers <= 1:
        return sum(write(db, chunk, state) for chunk in _batches(items, size))
    with _Writers(db, writers, state) as out:
        for chunk in _batches(items, size):
            out.submit(chunk)
        return out.done()


class _Writers:
    """Batches written by `n` connections at once (the caller's and `n - 1` more). A batch
    holding a call still being written by another waits for it: the last one still wins."""

    def __init__(self, db: Database, n: int, state: LoadState):
        self.conns: SimpleQueue[Database] = SimpleQueue()
        self.extra = [Database(db.url) for _ in range(n - 1)]
        for conn in (db, *self.extra):
            self.conns.put(conn)
        self.pool = ThreadPoolExecutor(n, thread_name_prefix="search-bulk")
        self.pending: dict[Future[int], set[str]] = {}
        self.state = state
        self.n, self.total = n, 0

    def __enter__(self) -> _Writers:
        return self

    def submit(self, chunk: list[PreparedCall]) -> None:
        ids = {it.call_id for it in chunk}
        self._wait([f for f, held in self.pending.items() if held & ids])
        while len(self.pending) >= self.n:
            self._wait(wait(self.pending, return_when=FIRST_COMPLETED).done)
        self.pending[self.pool.submit(self._write, chunk)] = ids

    def _write(self, chunk: list[PreparedCall]) -> int:
        conn = self.conns.get()
        try:
            return write(conn, chunk, self.state)
        finally:
            self.conns.put(conn)

    def _wait(self, futures: Iterable[Future[int]]) -> None:
        for f in list(futures):
            self.pending.pop(f)
            self.total += f.result()

    def done(self) -> int:
        self._wait(list(self.pending))
        return self.total

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True)
        for conn in self.extra:
            conn.close()


def _batches(items: Iterable[PreparedCall], size: int) -> Iterable[list[PreparedCall]]:
    chunk: list[PreparedCall] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def big_load(db: Database, n_turns: int | None) -> bool:
    """PostgreSQL: is a load of `n_turns` big enough to rebuild the GIN indexes instead
    (more than SEARCH_BULK_REBUILD_RATIO of the turns already indexed, and at least
    SEARCH_BULK_REBUILD_MIN turns)? A load of unknown size (a stream from the store) is big
    when the index is empty: a first load or a rebuild from scratch."""
    if db.dialect != "postgresql" or (n_turns is not None
                                      and n_turns < defaults.SEARCH_BULK_REBUILD_MIN):
        return False
    with db.transaction() as cur:
        have = cur.execute("SELECT EXISTS (SELECT 1 FROM search_turns) AS any, "
                           "(SELECT GREATEST(reltuples, 0)::bigint FROM pg_class "
                           "WHERE relname = 'search_turns') AS n")[0]
    if n_turns is None:
        return not have["any"]
    return n_turns > defaults.SEARCH_BULK_REBUILD_RATIO * int(have["n"] or 0)


def build_gin(db: Database, connections: int = 1, names: Sequence[str] | None = None) -> None:
    """The secondary indexes `names` (default: all) and the planner's statistics,
    `connections` builds at a time (one backend builds one index; each connection also
    ANALYZEs a table when done)."""
    names = list(SEARCH_BULK_INDEXES if names is None else names)
    n = max(1, min(connections, len(names)))
    jobs = [(names[i::n], SEARCH_ANALYZE[i::n]) for i in range(n)]
    if n == 1:
        build_search_indexes(db, defaults.SEARCH_BULK_INDEX_MEMORY, *jobs[0])
        return
    extra = [Database(db.url) for _ in jobs[1:]]
    try:
        with ThreadPoolExecutor(n) as pool:
            for f in [pool.submit(build_search_indexes, conn, defaults.SEARCH_BULK_INDEX_MEMORY,
                                  group, tables)
                      for conn, (group, tables) in zip((db, *extra), jobs, strict=True)]:
                f.result()
    finally:
        for conn in extra:
            conn.close()


def delete_rows(cur: Any, call_ids: Sequence[str], pg: bool) -> None:
    """Every index row of `call_ids` (inside the caller's transaction)."""
    if pg:
        for table in INDEX_TABLES:
            cur.execute(f"DELETE FROM {table} WHERE call_id = ANY(?)", (list(call_ids),))
        return
    for part in range(0, len(call_ids), defaults.SEARCH_DELETE_BATCH):
        chunk = list(call_ids[part:part + defaults.SEARCH_DELETE_BATCH])
        marks = ",".join("?" * len(chunk))
        cur.execute(f"DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_turns "
                    f"WHERE call_id IN ({marks}))", chunk)
        cur.execute(f"DELETE FROM search_call_fts WHERE rowid IN (SELECT rowid FROM "
                    f"search_calls WHERE call_id IN ({marks}))", chunk)
        for table in INDEX_TABLES:
            cur.execute(f"DELETE FROM {table} WHERE call_id IN ({marks})", chunk)


class CopyText(NamedTuple):
    """A prepared call's rows as the PostgreSQL writer sends them."""

    call: tuple     # its search_calls values for CALL_INSERT (text or None, _CALL_FIELDS)
    turns: str      # its search_turns lines, COPY text
    tags: str       # its search_tags lines, COPY text


def copy_text(item: PreparedCall) -> CopyText:
    """`item`'s rows as the writer sends them: made where the call was prepared (a worker
    process hands back three strings and a small tuple instead of a tuple per turn), or
    here when it was not."""
    if item.copy is not None:
        return item.copy
    tags = _array_literal(sorted(f"{k}:{v}" for k, v in item.tags))
    turn_tags = tags.translate(_COPY_ESCAPES)
    seg = item.call[CALL_SEG]
    call = (*[_text_value(v) for v in item.call[:CALL_SEG]], tags,
            None if concat_is_exact(seg) else seg)
    return CopyText(call, _turn_lines(item.rows, turn_tags),
                    "".join([_copy_line((item.call_id, k, v)) for k, v in item.tags]))


def _turn_lines(rows: Sequence[tuple], tags: str) -> str:
    """A call's turn rows as COPY text. The call's own fields (id first; date, agent,
    duration and `tags` last) are the same on every row, so they are formatted once, and a
    row's own fields go into one f-string as they are: the workers spent more on formatting
    values one by one than on pickling them. Whether a field needed escaping is told by
    counting what COPY escapes in the result (beyond the separators only a missing value's
    \\N may add to it); a call where one did, or whose rows differ in the call's fields, is
    formatted value by value."""
    if not rows:
        return ""
    shared = rows[0][_TURN_SHARED:]
    head = _copy_value(rows[0][0]) + "\t"
    tail = "\t".join([""] + [_copy_value(v) for v in shared] + [tags]) + "\n"
    n = "\\N"
    out = "".join([f"{head}{turn}\t{n if role is None else role}\t"
                   f"{n if speaker is None else speaker}\t{start!r}\t{end!r}\t{text}\t{seg}\t"
                   f"{norm}\t{grams}\t{n if emotion is None else emotion}{tail}"
                   for _, turn, role, speaker, start, end, text, seg, norm, grams, emotion, *_
                   in rows])
    missing = sum([(r[2] is None) + (r[3] is None) + (r[10] is None) for r in rows])
    if (out.count("\t") == len(rows) * len(TURN_COLUMNS) and out.count("\n") == len(rows)
            and "\r" not in out
            and out.count("\\") == len(rows) * (head + tail).count("\\") + missing
            and all(r[_TURN_SHARED:] == shared for r in rows)):
        return out
    return "".join([_copy_line(r, tags) for r in rows])


def concat_is_exact(seg: str) -> bool:
    """Whether the call's turn vectors concatenated (CALL_INSERT) equal to_tsvector of its
    whole `seg`, as the generated column made it: tsvector_concat shifts each turn by the
    last position before it, which is the words so far — unless a lexeme passed
    TSV_MAX_POSITIONS (its later positions are dropped) or the call passed
    TSV_LAST_POSITION (positions are capped). Every `seg` token is one lexeme ('simple')."""
    words = seg.split()
    if len(words) < TSV_MAX_POSITIONS:
        return True
    return len(words) < TSV_LAST_POSITION and \
        max(Counter(words).values()) < TSV_MAX_POSITIONS


def _pg_write(cur: Any, items: Sequence[PreparedCall]) -> None:
    """COPY the turns, then the calls made from them (CALL_INSERT), then the tags."""
    lines = [copy_text(it) for it in items]
    _copy(cur, "search_turns", (*TURN_COLUMNS, "tags"), (c.turns for c in lines))
    columns = [list(col) for col in zip(*(c.call for c in lines), strict=True)]
    cur.execute(CALL_INSERT, (*columns, columns[0]))
    _copy(cur, "search_tags", ("call_id", "kind", "value"), (c.tags for c in lines))
    vectors = [(it.call_id, int(it.vector.shape[0]), it.vector.tobytes())
               for it in items if it.vector is not None]
    if vectors:
        cur.executemany("INSERT INTO search_vectors (call_id, dim, embedding) VALUES (?,?,?)",
                        vectors)


def _copy(cur: Any, table: str, columns: Sequence[str], lines: Iterable[str]) -> None:
    """COPY pre-formatted text lines (one write of the whole batch)."""
    data = "".join(lines)
    if data:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(data)


def _copy_line(values: Sequence[Any], *literal: str) -> str:
    """One row in COPY's text format; `literal` fields are already formatted."""
    return "\t".join([_copy_value(v) for v in values] + list(literal)) + "\n"


def _copy_value(v: Any) -> str:
    if isinstance(v, str):
        if "\\" in v or "\t" in v or "\n" in v or "\r" in v:
            return v.translate(_COPY_ESCAPES)
        return v
    return "\\N" if v is None else _text_value(v)


def _text_value(v: Any) -> str | None:
    """A value as the text the server parses (as COPY would read it: a float by repr)."""
    if v is None or isinstance(v, str):
        return v
    return repr(v) if isinstance(v, float) else str(int(v))


def _array_literal(values: Sequence[str]) -> str:
    """A text[] literal (escape it for COPY's text format where it goes into COPY)."""
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def _sqlite_write(cur: Any, items: Sequence[PreparedCall]) -> None:
    first = cur.execute("SELECT COALESCE(MAX(id), 0) AS m FROM search_turns")[0]["m"]
    cur.executemany(f"INSERT INTO search_turns ({', '.join(TURN_COLUMNS)}) "
                    f"VALUES ({','.join('?' * len(TURN_COLUMNS))})",
                    [r for it in items for r in it.rows])
    cur.execute("INSERT INTO search_fts (rowid, seg, grams) SELECT id, seg, grams "
                "FROM search_turns WHERE id > ?", (first,))
    cur.executemany(f"INSERT INTO search_calls ({', '.join(CALL_COLUMNS[:7])}) "
                    f"VALUES ({','.join('?' * 7)})", [it.call[:7] for it in items])
    cur.executemany("INSERT INTO search_call_fts (rowid, seg, grams) SELECT rowid, ?, ? "
                    "FROM search_calls WHERE call_id = ?",
                    [(*it.call[7:], it.call_id) for it in items])
    cur.executemany("INSERT INTO search_tags (call_id, kind, value) VALUES (?,?,?)",
                    [(it.call_id, k, v) for it in items for k, v in it.tags])
    cur.executemany("INSERT INTO search_vectors (call_id, dim, embedding) VALUES (?,?,?)",
                    [(it.call_id, int(it.vector.shape[0]), it.vector.tobytes())
                     for it in items if it.vector is not None])


def _write_vocab(cur: Any, items: Sequence[PreparedCall], pg: bool,
                 seen: set[str] | None = None) -> None:
    words: dict[str, str] = {}
    for it in items:
        words.update(it.vocab)
    if seen is not None:
        words = {w: s for w, s in words.items() if w not in seen}
    conflict = "ON CONFLICT (term) DO NOTHING" if pg else ""
    verb = "INSERT" if pg else "INSERT OR IGNORE"
    cur.executemany(f"{verb} INTO search_vocab (term, stem) VALUES (?, ?) {conflict}",
                    sorted(words.items()))
    if seen is not None:
        seen.update(words)
