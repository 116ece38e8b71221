"""`delete_calls`: what purge and "forget" rely on — nothing of a deleted call stays searchable,
and on SQLite (secure_delete + checkpoint, as the store runs them) not even in the file."""

from __future__ import annotations

from pathlib import Path

from hotline.search.index import SearchIndex, delete_calls
from hotline.store.db import Database

from .conftest import CORPUS, corpus_doc


def test_delete_calls_removes_rows_hits_and_vocabulary(index) -> None:
    before = index.stats()
    assert delete_calls(index.db, ["en1", "zh1", "never-indexed"]) == 2
    assert index.stats() == {"calls": before["calls"] - 2,
                             "turns": before["turns"] - 8}
    for query in ("ridiculous", "销户", '"cancel my plan"'):
        assert all(h.call_id not in ("en1", "zh1") for h in index.search(query).results)
    assert index.search("ridiculous").total == 0
    vocab = {r["term"] for r in index._q("SELECT term FROM search_vocab")}
    assert "ridicul" not in vocab                 # only en1 said it
    assert "cancel" in vocab                      # other calls still do
    for table in ("search_calls", "search_turns", "search_tags"):
        assert not index._q(f"SELECT call_id FROM {table} WHERE call_id IN ('en1', 'zh1')")
    assert delete_calls(index.db, ["en1"]) == 0   # idempotent
    assert index.search("cancel").total == 3


def test_store_without_search_index(sqlite_url) -> None:
    db = Database(sqlite_url)
    assert delete_calls(db, ["x"]) == 0
    db.close()


def test_deleted_words_leave_the_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "hotline.db"
    db = Database(f"sqlite:///{path}")
    db._conn.execute("PRAGMA secure_delete = ON")   # what the store sets
    idx = SearchIndex(db)
    for call_id in CORPUS:
        idx.index_call(corpus_doc(call_id))
    db._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"ridiculous" in path.read_bytes()
    delete_calls(db, ["en1"])
    db._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("hotline.db-*"))
    assert b"ridiculous" not in data and b"ridicul" not in data
    assert b"fed up" in data                      # en3 is still there
    db.close()
