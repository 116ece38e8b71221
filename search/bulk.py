"""Writing prepared calls into the index, many per transaction (the batch job and rebuilds).

PostgreSQL: the calls being replaced go in one `DELETE ... = ANY(...)` per table, then COPY for
turns, calls and tags (the generated tsvector columns fill themselves). A load larger than
what the index already holds (a first load, a rebuild) drops the GIN indexes and builds each
once at the end — one sorted build instead of millions of pending-list inserts; smaller loads
keep them (GIN's fast-update list absorbs the inserts). The index is derived data, rebuildable
from the results store, so a load does not wait for fsync (`synchronous_commit off`).
SQLite: executemany per table; the FTS rows copied from the turn rows by one INSERT ... SELECT.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from hotline import defaults
from hotline.search.rows import CALL_COLUMNS, TURN_COLUMNS, PreparedCall
from hotline.store.db import Database
from hotline.store.schema import build_search_gin, drop_search_gin

log = logging.getLogger(__name__)

INDEX_TABLES = ("search_turns", "search_tags", "search_vectors", "search_calls")

def write(db: Database, items: Sequence[PreparedCall]) -> int:
    """Insert or replace `items` (the last one wins when a call repeats) in one transaction;
    returns how many were given."""
    given = len(items)
    latest = {it.call_id: it for it in items}
    items = list(latest.values())
    if not items:
        return 0
    with db.transaction() as cur:
        ids = list(latest)
        if db.dialect == "postgresql":
            cur.execute("SET LOCAL synchronous_commit TO OFF")
            delete_rows(cur, ids, True)
            _pg_write(cur, items)
        else:
            delete_rows(cur, ids, False)
            _sqlite_write(cur, items)
        _write_vocab(cur, items, db.dialect == "postgresql")
    return given


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


def drop_gin(db: Database) -> None:
    drop_search_gin(db)


def build_gin(db: Database) -> None:
    build_search_gin(db, defaults.SEARCH_BULK_INDEX_MEMORY)


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


def _pg_write(cur: Any, items: Sequence[PreparedCall]) -> None:
    tags = {it.call_id: sorted(f"{k}:{v}" for k, v in it.tags) for it in items}
    _copy(cur, "search_calls", (*CALL_COLUMNS, "tags"),
          ((*it.call, tags[it.call_id]) for it in items))
    _copy(cur, "search_turns", (*TURN_COLUMNS, "tags"),
          ((*r, tags[it.call_id]) for it in items for r in it.rows))
    _copy(cur, "search_tags", ("call_id", "kind", "value"),
          ((it.call_id, k, v) for it in items for k, v in it.tags))
    vectors = [(it.call_id, int(it.vector.shape[0]), it.vector.tobytes())
               for it in items if it.vector is not None]
    if vectors:
        cur.executemany("INSERT INTO search_vectors (call_id, dim, embedding) VALUES (?,?,?)",
                        vectors)


def _copy(cur: Any, table: str, columns: Sequence[str], rows: Any) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


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


def _write_vocab(cur: Any, items: Sequence[PreparedCall], pg: bool) -> None:
    words: dict[str, str] = {}
    for it in items:
        words.update(it.vocab)
    conflict = "ON CONFLICT (term) DO NOTHING" if pg else ""
    verb = "INSERT" if pg else "INSERT OR IGNORE"
    cur.executemany(f"{verb} INTO search_vocab (term, stem) VALUES (?, ?) {conflict}",
                    sorted(words.items()))
