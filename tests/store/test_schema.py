"""One schema module: fresh stores, upgrades of stores the packages built themselves, races."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from hotline.assist.facts import FactsStore
from hotline.errors import ConfigError
from hotline.search.index import SearchIndex
from hotline.store import schema
from hotline.store.db import Database
from hotline.store.results import ResultsStore
from hotline.web.auth import AuthStore, hash_token
from tests.conftest import PG_ADMIN_URL
from tests.support.localnet import scratch_postgres
from tests.support.old_store import build_old_store

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"call_results", "search_calls", "search_vectors", "search_turns", "search_tags",
          "search_vocab", "qa_tokens", "qa_audit", "assist_facts", "hotline_meta"}
COUNTED = sorted(TABLES - {"hotline_meta"})


def _tables(db: Database) -> set[str]:
    if db.dialect == "postgresql":
        sql = "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    with db.transaction() as cur:
        return {r["name"] for r in cur.execute(sql)}


def _counts(db: Database) -> dict[str, int]:
    with db.transaction() as cur:
        return {t: int(cur.execute(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]) for t in COUNTED}


def _fulltext_ids(db: Database, word: str) -> list[int]:
    """Turn ids the full-text index itself finds (FTS5 table / tsvector GIN column)."""
    if db.dialect == "postgresql":
        sql = "SELECT id FROM search_turns WHERE tsv @@ to_tsquery('simple', ?)"
    else:
        sql = "SELECT rowid AS id FROM search_fts WHERE search_fts MATCH ?"
    with db.transaction() as cur:
        return [r["id"] for r in cur.execute(sql, (word,))]


def test_fresh_store_gets_every_table_at_the_current_version(db_url):
    db = Database(db_url)
    assert schema.schema_version(db) == 0
    assert schema.ensure_schema(db) == schema.SCHEMA_VERSION
    assert TABLES <= _tables(db)
    assert ("search_fts" in _tables(db)) == (db.dialect == "sqlite")
    assert schema.ensure_schema(db) == schema.SCHEMA_VERSION      # idempotent
    other = Database(db_url)
    assert schema.schema_version(other) == schema.SCHEMA_VERSION
    other.close()
    db.close()


def test_old_store_is_upgraded_without_losing_rows(db_url, call_factory):
    """Today's stores (each package's own DDL, search versioned alone) keep every row, the old
    token still works, the call is still found, and the caller hash is backfilled."""
    db = Database(db_url)
    doc = call_factory("old", "2026-11-20", "13800138000")
    build_old_store(db, doc, hash_token("hl_oldtoken"))
    before = _counts(db)
    assert all(before.values()), before
    fts_before = _fulltext_ids(db, "oldzebra")
    assert fts_before
    db.close()

    db = Database(db_url)                     # a new process starts on the old store
    results = ResultsStore(db)
    assert schema.schema_version(db) == schema.SCHEMA_VERSION
    assert _counts(db) == before
    assert "search_meta" not in _tables(db)
    assert _fulltext_ids(db, "oldzebra") == fts_before
    assert results.get_document(doc.call_id) == doc
    assert list(results.iter_documents(turns=False)) == [doc]    # no summary yet: the document
    with db.transaction() as cur:
        row = cur.execute("SELECT caller_hash FROM call_results")[0]
    assert row["caller_hash"] == doc.metadata["caller_hash"]
    assert AuthStore(db).verify("hl_oldtoken").name == "qa-old"
    assert [f.site_id for f in FactsStore(db).for_area("haidian")] == ["BS-1"]
    hits = SearchIndex(db).search("oldzebra").results
    assert [h.call_id for h in hits] == [doc.call_id]
    if db.dialect == "sqlite":             # step 10: the report columns' index
        with db.transaction() as cur:
            assert cur.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                               (schema.REPORT_INDEX,))
    db.close()


def test_search_tables_of_an_unknown_older_layout_are_rebuilt(db_url, call_factory):
    """A search index without the old version mark is derived data: dropped and recreated."""
    db = Database(db_url)
    with db.transaction() as cur:
        cur.execute("CREATE TABLE search_turns (id INTEGER PRIMARY KEY, x TEXT)")
    idx = SearchIndex(db)
    idx.index_call(call_factory("new", "2026-11-21", "13900139000"))
    assert idx.stats() == {"calls": 1, "turns": 2}
    assert SearchIndex(Database(db_url)).stats() == {"calls": 1, "turns": 2}   # kept next start
    db.close()


def test_every_store_opening_a_fresh_database_together_migrates_once(db_url):
    """Workers, the web app and the CLI start at once: one lock, one migration, no error."""
    errors: list[BaseException] = []
    opened = (ResultsStore, SearchIndex, AuthStore, FactsStore) * 2

    def open_one(kind) -> None:
        try:
            db = Database(db_url)
            kind(db)
            db.close()
        except BaseException as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_one, args=(k,)) for k in opened]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = Database(db_url)
    assert schema.schema_version(db) == schema.SCHEMA_VERSION and TABLES <= _tables(db)
    db.close()


def test_a_store_newer_than_the_code_is_refused(sqlite_url):
    db = Database(sqlite_url)
    schema.ensure_schema(db)
    db.execute("UPDATE hotline_meta SET value = ? WHERE key = 'schema_version'",
               (str(schema.SCHEMA_VERSION + 1),))
    with pytest.raises(ConfigError, match="upgrade hotline"):
        ResultsStore(Database(sqlite_url))


def test_only_the_schema_module_creates_or_alters_tables():
    ddl = re.compile(r"\b(CREATE (VIRTUAL )?TABLE|CREATE INDEX|ALTER TABLE|DROP TABLE)\b")
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv", "tests/", "scripts/", "build/")) or rel == "store/schema.py":
            continue
        if ddl.search(path.read_text(encoding="utf-8")):
            offenders.append(rel)
    assert offenders == []


def _columns(db: Database) -> set[tuple]:
    """Every column of the store's tables: type, nullability, default, generation."""
    with db.transaction() as cur:
        return {tuple(r.values()) for r in cur.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, "
            "is_generated, generation_expression FROM information_schema.columns "
            "WHERE table_schema = current_schema()")}


def test_a_fresh_postgresql_store_has_the_columns_an_upgraded_one_has(pg_url, call_factory):
    """A fresh store is created in today's shape (the calls' tsvectors plain columns, the
    turns' grams vector by array_to_tsvector) rather than in the first layout converted step
    by step (no dropped column left behind) — and that shape is exactly what an upgraded
    store of the packages' own DDL ends with."""
    with scratch_postgres(PG_ADMIN_URL) as old_url:
        old = Database(old_url)
        build_old_store(old, call_factory("old", "2026-11-20", "13800138000"),
                        hash_token("hl_oldtoken"))
        ResultsStore(old)                           # upgraded from the packages' layout
        upgraded = _columns(old)
        old.close()
    fresh = Database(pg_url)
    schema.ensure_schema(fresh)
    columns = _columns(fresh)
    assert columns == upgraded
    calls = {r[1]: r[5] for r in columns if r[0] == "search_calls"}
    assert calls["tsv"] == calls["gtsv"] == "NEVER" and "seg" not in calls
    with fresh.transaction() as cur:                # nothing created only to be dropped
        dropped = cur.execute("SELECT attrelid::regclass::text AS t FROM pg_attribute "
                              "WHERE attisdropped AND attrelid IN "
                              "('search_turns'::regclass, 'search_calls'::regclass)")
    assert dropped == []
    fresh.close()
