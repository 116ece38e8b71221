"""One thin connection wrapper over sqlite3 and psycopg so the store and search share SQL.

SQL is written with `?` placeholders; on PostgreSQL they become `%s`. Rows come back as dicts.
A `Database` is created once and passed explicitly to whoever needs it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from hotline.errors import ConfigError

SQLITE_BUSY_S = 30.0   # how long a SQLite connection waits for another writer before failing


class Database:
    """A connection to `sqlite:///PATH` or `postgresql://...`; thread-safe via a lock."""

    def __init__(self, url: str):
        self.url = url
        self._lock = threading.RLock()
        self.schema_version: int | None = None   # set by store.schema.ensure_schema once current
        if url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            self._conn = _open_sqlite(url[len("sqlite:///"):])
        elif url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgresql"
            self._conn = _open_postgres(url)
        else:
            raise ConfigError(f"HOTLINE_DB_URL must be sqlite:///PATH or postgresql://..., got {url!r}")

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run one statement in its own transaction; return rows (empty for writes)."""
        with self.transaction() as cur:
            return cur.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.transaction() as cur:
            cur.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor whose statements commit together or not at all."""
        with self._lock:
            cur = self._conn.cursor()
            try:
                if self.dialect == "sqlite":
                    # Take the write lock up front: a deferred transaction that read first and
                    # then writes gets SQLITE_BUSY at once (no busy wait) when another
                    # connection writes, e.g. several workers creating the schema together.
                    cur.execute("BEGIN IMMEDIATE")
                yield _Cursor(cur, self)
                self._conn.commit()
            except BaseException:
                self._conn.rollback()
                raise
            finally:
                cur.close()

    def compact(self) -> bool:
        """After erasing: make deleted rows leave the files. SQLite (which runs with
        `secure_delete`, so freed pages are zeroed) folds the WAL back into the database and
        truncates it; PostgreSQL VACUUMs the database so dead rows and their index entries go.
        False when SQLite could not finish because another connection is reading."""
        with self._lock:
            if self.dialect == "sqlite":
                busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                return not busy
            self._conn.autocommit = True
            try:
                self._conn.execute("VACUUM (ANALYZE)")
            finally:
                self._conn.autocommit = False
            return True

    def close(self) -> None:
        self._conn.close()


class _Cursor:
    """Cursor that translates placeholders, so callers inside a transaction write `?` too."""

    def __init__(self, cur: Any, db: Database):
        self._cur, self._db = cur, db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self._cur.execute(self._db._sql(sql), tuple(params))
        return _rows(self._cur)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._cur.executemany(self._db._sql(sql), [tuple(r) for r in rows])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


def _rows(cur: Any) -> list[dict[str, Any]]:
    if cur.description is None:
        return []
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _open_sqlite(path: str) -> sqlite3.Connection:
    if path != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    conn = sqlite3.connect(path, timeout=SQLITE_BUSY_S, check_same_thread=False)
    _enable_wal(conn)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA secure_delete=ON")   # deleted rows are zeroed, not left in free pages
    return conn


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL (readers never block the writer). SQLite answers "database is locked" at
    once, without its busy handler, when several connections switch a new file together, so
    retry for as long as the busy timeout would have waited."""
    deadline = time.monotonic() + SQLITE_BUSY_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _open_postgres(url: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(url, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise ConfigError(f"cannot connect to PostgreSQL at {_safe(url)}: {exc}") from exc


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
