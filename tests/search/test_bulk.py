"""Bulk indexing: batches, worker processes, GIN rebuild on big PostgreSQL loads, refusals."""

from __future__ import annotations

import copy

from hotline.search.index import SearchIndex
from hotline.store.db import Database

from .conftest import CORPUS, corpus_doc


def _answers(idx: SearchIndex) -> dict:
    return {q: sorted((h.call_id, h.turn) for h in idx.search(q, limit=50).results)
            for q in ("cancel", "not my department", '"cancel my plan"', "取消", "号差", "cancle")}


def test_bulk_load_with_workers_matches_one_by_one(db_url, tmp_path, monkeypatch) -> None:
    """A big load (GIN dropped and rebuilt on PostgreSQL) in 2 processes, with a call that
    repeats in the batch, finds what calls indexed one at a time find."""
    from hotline import defaults

    docs = [corpus_doc(c) for c in CORPUS]
    one = SearchIndex(Database(f"sqlite:///{tmp_path / 'one.db'}"))
    for doc in docs:
        one.index_call(doc)
    monkeypatch.setattr(defaults, "SEARCH_BULK_REBUILD_MIN", 1)
    db = Database(db_url)
    idx = SearchIndex(db)
    stale = copy.deepcopy(docs[0])
    stale.turns[1].text = "something else entirely"
    assert idx.index_many([stale] + docs * 3, batch=4, workers=2) == 1 + len(docs) * 3
    assert idx.stats() == one.stats()
    assert _answers(idx) == _answers(one)
    if idx.pg:      # the GIN indexes are back after the big load
        names = {r["indexname"] for r in idx._q("SELECT indexname FROM pg_indexes "
                                                 "WHERE tablename LIKE ?", ("search_%",))}
        assert {"search_turns_tsv", "search_turns_gtsv", "search_calls_tsv",
                "search_calls_gtsv"} <= names
    db.close()
    one.db.close()


def test_rebuild_streams_and_skips_documents_with_pii(db_url, monkeypatch) -> None:
    """A stream from the store (a generator, prepared a chunk at a time), into an empty
    index (PostgreSQL: GIN dropped and rebuilt): every clean call indexed, the leaky one
    refused and named."""
    from hotline import defaults

    monkeypatch.setattr(defaults, "SEARCH_PREPARE_CHUNK", 2)
    db = Database(db_url)
    idx = SearchIndex(db)
    leaky = corpus_doc("en2")
    leaky.call_id = "leaky"
    leaky.turns[1].text = "my card is 4111 1111 1111 1111"
    docs = [corpus_doc("en1"), leaky, corpus_doc("zh1"), corpus_doc("en5"), corpus_doc("en6")]
    assert idx.rebuild((d for d in docs), workers=2) == (4, ["leaky"])
    assert idx.stats()["calls"] == 4 and idx.search("", {"call_id": "leaky"}).total == 0
    assert [c.call_id for c in idx.search("roaming Spain", by="call").calls] == ["en5"]
    db.close()
