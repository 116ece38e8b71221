"""Bulk indexing: batches, worker processes, GIN rebuild on big PostgreSQL loads, refusals."""

from __future__ import annotations

import copy
import re
import unicodedata

import pytest

from hotline.search.index import SearchIndex
from hotline.store.db import Database

from .conftest import CORPUS, corpus_doc


def _answers(idx: SearchIndex) -> dict:
    return {q: sorted((h.call_id, h.turn) for h in idx.search(q, limit=50).results)
            for q in ("cancel", "not my department", '"cancel my plan"', "取消", "号差", "cancle")}


@pytest.mark.parametrize("track", [500_000, 1])
def test_bulk_load_with_workers_matches_one_by_one(db_url, tmp_path, monkeypatch, track
                                                  ) -> None:
    """A big load (GIN dropped and rebuilt on PostgreSQL) in 2 processes, with a call that
    repeats in the batch, finds what calls indexed one at a time find — also when the load
    into the empty index remembers only one call it wrote (`track`: the others repeated
    meet their rows and are written again with the delete)."""
    from hotline import defaults

    monkeypatch.setattr(defaults, "SEARCH_BULK_TRACK_CALLS", track)

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

    monkeypatch.setattr(defaults, "SEARCH_PREPARE_TURNS", 5)
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


def test_copy_text_keeps_tabs_newlines_backslashes_and_missing_values(db_url) -> None:
    """Rows go to PostgreSQL as hand-formatted COPY text: every character that format escapes,
    and a missing speaker or emotion, come back as they were (SQLite: the same rows)."""
    doc = corpus_doc("en1")
    doc.turns[0].text = "tab\there, new\nline, cr\r, back\\slash \\N and \"quotes\" {a,b}"
    doc.turns[1].speaker, doc.turns[1].emotion = None, None
    doc.metadata["agent_id"] = "A\t1\\x"
    doc.intents.append('weird "intent",\\x')
    db = Database(db_url)
    idx = SearchIndex(db)
    assert idx.index_many([doc, corpus_doc("zh1")], batch=1) == 2
    rows = idx._q("SELECT turn, text, speaker, emotion, agent_id, t_start FROM search_turns "
                  "WHERE call_id = ? ORDER BY turn", (doc.call_id,))
    assert [r["text"] for r in rows] == [t.text for t in doc.turns]
    assert (rows[1]["speaker"], rows[1]["emotion"]) == (None, None)
    assert {r["agent_id"] for r in rows} == {"A\t1\\x"}
    assert [round(r["t_start"], 2) for r in rows] == [t.start for t in doc.turns]
    found = idx.search("", {"intent": 'weird "intent",\\x'})
    assert [h.call_id for h in found.results] == ["en1"] * len(doc.turns)
    assert [h.turn for h in idx.search("quotes").results] == [0]
    db.close()


def test_turn_lines_formatted_at_once_equal_the_value_by_value_format() -> None:
    """A call's turn lines made in one f-string (the fast path) are the very lines the
    value-by-value formatter makes, missing values included; any field holding what COPY
    escapes sends the call through that formatter."""
    from hotline.search import bulk
    from hotline.search.rows import prepare

    tags = bulk._array_literal(["intent:x", "rule:y"])
    plain = prepare(corpus_doc("zh1")).rows
    missing = [(*r[:3], None, *r[4:10], None, *r[11:]) for r in prepare(corpus_doc("en1")).rows]
    for text in ("plain", "back\\slash", "a\\N b", "tab\there", "new\nline", "cr\r"):
        escaped = [(*r[:6], text, *r[7:]) for r in missing]
        for rows in (plain, missing, escaped, missing[:1] + escaped[1:]):
            value_by_value = "".join(bulk._copy_line(r, tags) for r in rows)
            assert bulk._turn_lines(rows, tags) == value_by_value
    slash = [(*r[:6], "back\\slash", *r[7:]) for r in missing]
    assert "\\N" in bulk._turn_lines(missing, tags)
    assert "back\\\\slash" in bulk._turn_lines(slash, tags)


def test_grams_vectors_hold_the_lexemes_to_tsvector_made(pg_url) -> None:
    """Schema v9 builds `gtsv` with array_to_tsvector: for every assigned Chinese character
    the index knows and the bigrams of a long run, the same lexemes as to_tsvector('simple')
    (which the queries' to_tsquery still parses with) — so no Chinese substring is lost.
    (Unassigned code points, which the parser drops, are kept: no query can hold them.)"""
    from hotline.search import text as T
    from hotline.store.schema import GRAMS_TSVECTOR
    from hotline.text import CJK_RANGE

    chars = "".join(chr(c) for lo, hi in re.findall(r"\\u(\w{4})-\\u(\w{4})", CJK_RANGE)
                    for c in range(int(lo, 16), int(hi, 16) + 1)
                    if unicodedata.category(chr(c)) != "Cn")
    db = Database(pg_url)
    SearchIndex(db)
    for part in range(0, len(chars), 2000):
        grams = T.grams(chars[part:part + 2000])
        with db.transaction() as cur:
            row = cur.execute("SELECT strip(to_tsvector('simple', ?)) = g AS same, "
                              "length(g) AS n FROM (SELECT "
                              + GRAMS_TSVECTOR.replace("grams", "?") + " AS g) x", (grams, grams))
        assert row == [{"same": True, "n": 2 * len(chars[part:part + 2000]) - 1}]
    db.close()


def _contents(idx: SearchIndex) -> dict:
    """Every index row but the surrogate ids and the time of indexing (tsvectors as text)."""
    tsv = ", tsv::text AS tsv, gtsv::text AS gtsv, tags" if idx.pg else ""
    call_text = ("c.tsv::text AS tsv, c.gtsv::text AS gtsv, c.tags" if idx.pg
                 else "f.seg, f.grams")
    join = "" if idx.pg else " JOIN search_call_fts f ON f.rowid = c.rowid"
    queries = {
        "turns": f"SELECT call_id, turn, role, speaker, t_start, t_end, text, seg, norm, grams, "
                 f"emotion, call_date, agent_id, duration{tsv} FROM search_turns",
        "calls": f"SELECT c.call_id, c.call_date, c.agent_id, c.duration, c.language, "
                 f"c.n_turns, {call_text} FROM search_calls c{join}",
        "tags": "SELECT call_id, kind, value FROM search_tags",
        "vocab": "SELECT term, stem FROM search_vocab",
    }
    if not idx.pg:
        queries["fts"] = ("SELECT t.call_id, t.turn, f.seg, f.grams FROM search_fts f "
                          "JOIN search_turns t ON t.id = f.rowid")
    return {name: sorted(tuple(r.values()) for r in idx._q(sql)) for name, sql in queries.items()}


def test_workers_index_exactly_what_one_call_at_a_time_indexes(db_url, tmp_path, synth_calls,
                                                               monkeypatch) -> None:
    """The same rows, to the byte, whichever way a call goes in: `index_call` in this process
    (rows formatted by the writer) or `index_many` with 2 workers (PII re-check with the
    inert-stream shortcut, rows handed back as COPY text on PostgreSQL), a big load with the
    indexes rebuilt — redacted synthetic calls with cards, phones, e-mails read out, and the
    hand-made EN + ZH corpus."""
    from hotline import defaults
    from hotline.privacy.redact import redact_document
    from hotline.synth.truth import to_call_document

    docs = [redact_document(to_call_document(t, with_violations=True)) for t in synth_calls]
    docs += [corpus_doc(c) for c in CORPUS]
    one = SearchIndex(Database(db_url))
    for doc in docs:
        one.index_call(doc)
    expected = _contents(one)
    one.db.close()
    monkeypatch.setattr(defaults, "SEARCH_BULK_REBUILD_MIN", 1)
    many = SearchIndex(Database(f"sqlite:///{tmp_path / 'many.db'}") if "sqlite" in db_url
                       else Database(db_url))
    with many.db.transaction() as cur:
        from hotline.search.bulk import delete_rows

        delete_rows(cur, [d.call_id for d in docs], many.pg)
        cur.execute("DELETE FROM search_vocab")
    assert many.index_many(docs, batch=7, workers=2) == len(docs)
    assert _contents(many) == expected
    assert len(expected["turns"]) > 500 and expected["vocab"]
    many.db.close()


def _indexdefs(db: Database) -> dict[str, str]:
    with db.transaction() as cur:
        return {r["indexname"]: r["indexdef"] for r in cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('search_turns', 'search_calls')")}


def _crash_after_the_drop(url: str) -> None:
    """A child process: a big load that dies (no clean-up, no `finally`) once the search
    indexes are dropped and a batch is written."""
    import os

    from hotline import defaults
    from hotline.search import bulk
    from hotline.search.rows import prepare

    defaults.SEARCH_BULK_REBUILD_MIN = 1
    db = Database(url)

    def items():
        yield prepare(corpus_doc("en3"))
        yield prepare(corpus_doc("zh2"))
        os._exit(3)

    bulk.load(db, items(), 10_000, batch=1)


def test_indexes_a_crashed_big_load_dropped_are_rebuilt_on_open(pg_url, caplog) -> None:
    """A big load killed between dropping the search indexes and building them again leaves
    them missing; the next SearchIndex on the store builds them back, with the definitions
    the migrations made (one spelling: schema.index_ddl) — but not while a big load holds
    SEARCH_LOAD_LOCK (it builds them itself at its end)."""
    import multiprocessing as mp

    from hotline.store.schema import SEARCH_BULK_INDEXES, SEARCH_LOAD_LOCK, index_ddl

    db = Database(pg_url)
    idx = SearchIndex(db)
    for doc in (corpus_doc("en1"), corpus_doc("zh1")):
        idx.index_call(doc)
    made = _indexdefs(db)
    assert set(SEARCH_BULK_INDEXES) <= set(made)
    child = mp.get_context("fork").Process(target=_crash_after_the_drop, args=(pg_url,))
    child.start()
    child.join(60)
    assert child.exitcode == 3
    assert not set(SEARCH_BULK_INDEXES) & set(_indexdefs(db))      # the crash left them out
    holder = Database(pg_url)                                        # a big load running
    holder.execute("SELECT pg_advisory_lock(?)", (SEARCH_LOAD_LOCK,))
    SearchIndex(Database(pg_url)).db.close()
    assert not set(SEARCH_BULK_INDEXES) & set(_indexdefs(db))
    holder.close()                                                   # it ended
    again = SearchIndex(Database(pg_url))
    assert _indexdefs(db) == made
    assert "crashed bulk load" in caplog.text
    assert [h.call_id for h in again.search("取消").results] == ["zh1"]
    # the migration steps' DDL, byte for byte as it was before it moved to one place
    assert index_ddl("search_turns_gtsv") == ("CREATE INDEX IF NOT EXISTS search_turns_gtsv "
                                              "ON search_turns USING gin (gtsv)")
    assert index_ddl("search_turns_date") == ("CREATE INDEX IF NOT EXISTS search_turns_date "
                                              "ON search_turns (call_date)")
    again.db.close()
    db.close()


def test_a_load_into_an_empty_index_replaces_a_call_indexed_meanwhile(pg_url, monkeypatch
                                                                      ) -> None:
    """A big load into an empty index deletes nothing before writing a call it has not
    written — unless the batch job indexed that call meanwhile: then the batch is written
    again with the delete, and the load's version wins."""
    from hotline import defaults
    from hotline.search import bulk
    from hotline.search.rows import prepare

    monkeypatch.setattr(defaults, "SEARCH_BULK_REBUILD_MIN", 1)
    db = Database(pg_url)
    idx = SearchIndex(db)
    newer = corpus_doc("en2")
    newer.turns[1].text = "The router in the attic lost its signal."

    def items():
        yield prepare(corpus_doc("en1"))
        SearchIndex(Database(pg_url)).index_call(corpus_doc("en2"))    # the batch job
        yield prepare(newer)
        yield prepare(corpus_doc("zh1"))

    assert bulk.load(db, items(), 10_000, batch=1) == 3
    assert idx.stats() == {"calls": 3, "turns": 12}
    assert [h.call_id for h in idx.search("attic").results] == ["en2"]
    assert idx.search("dropping").total == 0
    db.close()
