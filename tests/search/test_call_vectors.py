"""PostgreSQL, schema v11: a call's tsvectors are made from its turns' (tsvector_concat in turn
order) instead of parsing the call's text again. They must be the very vectors the v10
generated columns parsed, so `--by-call` matches and ranks exactly as before."""

from __future__ import annotations

import copy

import pytest

from hotline.privacy.redact import redact_document
from hotline.search.bulk import concat_is_exact
from hotline.search.index import SearchIndex
from hotline.search.rows import CALL_COLUMNS, TURN_COLUMNS, prepare
from hotline.store import schema
from hotline.store.db import Database

from .conftest import CORPUS, corpus_doc

QUERIES = ("cancel", "roaming Spain", '"cancel my"', "取消 销户", "信号", "号差", "refund charged",
           "cancle", "thank you", "not my department", "foo bar", "refun", "w7 w13")

# the v10 columns' definitions, computed from the turn rows
OLD_TSV = ("(SELECT to_tsvector('simple', string_agg(t.seg, ' ' ORDER BY t.turn)) "
           "FROM search_turns t WHERE t.call_id = c.call_id)")
OLD_GTSV = ("(SELECT array_to_tsvector(COALESCE(array_agg(DISTINCT g), '{}')) FROM search_turns t, "
            "unnest(string_to_array(t.grams, ' ')) g WHERE t.call_id = c.call_id AND g <> '')")


def _edge_calls() -> list:
    """Calls where concatenating turn vectors and parsing the whole text part ways (a word
    over 256 times in a call, once within a turn, once across turns; more than 16,383 words)
    and plain ones around them (an empty turn, a turn of nothing but punctuation)."""
    out = []
    for n, texts in enumerate((
            ["foo " * 300 + "bar", "baz foo"],
            ["bar " + "foo " * 300, "baz foo"],
            ["foo bar " * 150, "foo " * 120 + "bar"],
            [" ".join(f"w{i % 50}" for i in range(400))] * 45,
            ["", "?!", "I want to cancel.", "", "取消，好的。"])):
        doc = copy.deepcopy(corpus_doc("en1"))
        doc.call_id = f"edge{n}"
        doc.turns = [copy.copy(doc.turns[i % 4]) for i in range(len(texts))]
        for t, text in zip(doc.turns, texts, strict=True):
            t.text, t.words = text, []
        out.append(doc)
    return out


def _answers(idx: SearchIndex) -> dict:
    out = {}
    for q in QUERIES:
        for by in ("turn", "call"):
            d = idx.search(q, limit=50, by=by).to_dict()
            d.pop("took_ms")
            out[(q, by)] = d
    return out


def _docs(synth_calls) -> list:
    from hotline.synth.truth import to_call_document

    return ([redact_document(to_call_document(t, with_violations=True)) for t in synth_calls]
            + [corpus_doc(c) for c in CORPUS] + _edge_calls())


def test_call_vectors_from_turns_equal_the_parsed_ones_and_answer_the_same(pg_url, synth_calls
                                                                           ) -> None:
    """Every call's `tsv`/`gtsv` equals what v10 parsed from the call's text (the edge calls
    through the fallback: their text is parsed), and searches by turn and by call answer the
    same — hits, order, scores, totals, modes — with the old rows put back."""
    docs = _docs(synth_calls)
    assert [concat_is_exact(prepare(d).call[CALL_COLUMNS.index("seg")])
            for d in _edge_calls()] == [False, False, False, False, True]
    db = Database(pg_url)
    idx = SearchIndex(db)
    assert idx.index_many(docs, batch=9, workers=2) == len(docs)
    differ = idx._q(f"SELECT c.call_id FROM search_calls c WHERE c.tsv <> {OLD_TSV} "
                    f"OR c.gtsv <> {OLD_GTSV}")
    assert differ == []
    concatenated = idx._q(f"SELECT t.call_id FROM search_turns t JOIN search_calls c USING "
                          f"(call_id) GROUP BY t.call_id, c.tsv HAVING c.tsv <> "
                          f"{schema.CALL_TSV_AGG}(t.tsv ORDER BY t.turn) ORDER BY 1")
    assert [r["call_id"] for r in concatenated] == ["edge0", "edge1", "edge2", "edge3"]
    new = _answers(idx)
    with db.transaction() as cur:                 # the call rows as v10 made them
        cur.execute(f"UPDATE search_calls c SET tsv = {OLD_TSV}, gtsv = {OLD_GTSV}")
    assert _answers(idx) == new
    assert new[("roaming Spain", "call")]["calls"][0]["call_id"] == "en5"
    assert new[("w7 w13", "call")]["calls"][0]["call_id"] == "edge3"
    db.close()


def _write_v10(db: Database, docs: list) -> None:
    """Index rows written as v10 wrote them: the call's `seg` and `grams` in its row, its
    tsvectors generated from them by the server."""
    with db.transaction() as cur:
        for doc in docs:
            item = prepare(doc)
            tags = sorted(f"{k}:{v}" for k, v in item.tags)
            cur.executemany(f"INSERT INTO search_turns ({', '.join(TURN_COLUMNS)}, tags) "
                            f"VALUES ({', '.join('?' * len(TURN_COLUMNS))}, ?)",
                            [(*r, tags) for r in item.rows])
            cur.execute(f"INSERT INTO search_calls ({', '.join(CALL_COLUMNS)}, tags) "
                        f"VALUES ({', '.join('?' * len(CALL_COLUMNS))}, ?)", (*item.call, tags))
            cur.executemany("INSERT INTO search_tags (call_id, kind, value) VALUES (?, ?, ?)",
                            [(doc.call_id, k, v) for k, v in item.tags])


def test_a_v10_store_keeps_its_call_vectors_and_answers_through_step_11(pg_url, monkeypatch
                                                                        ) -> None:
    """A store indexed by the old schema upgrades without a reindex: the vectors it parsed
    stay byte for byte (the generated columns lose their expression, not their values),
    `seg`/`grams` go, searches answer the same, and new calls index and are found."""
    docs = [corpus_doc(c) for c in CORPUS] + _edge_calls()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 10)    # and step 1 as v10 ran it: a fresh
    monkeypatch.setitem(schema.DIALECTS["postgresql"], "call_tsv", "")   # store's calls had
    old = Database(pg_url)                               # no vectors until step 3 added them
    assert schema.ensure_schema(old) == 10
    _write_v10(old, docs[1:])
    idx = SearchIndex(old)
    vectors = idx._q("SELECT call_id, tsv::text AS tsv, gtsv::text AS gtsv FROM search_calls "
                     "ORDER BY call_id")
    before = _answers(idx)
    old.close()
    monkeypatch.undo()
    db = Database(pg_url)
    idx = SearchIndex(db)
    assert schema.schema_version(db) == 11
    columns = {r["attname"]: r["attgenerated"] for r in idx._q(
        "SELECT attname, attgenerated::text FROM pg_attribute WHERE attnum > 0 AND NOT "
        "attisdropped AND attrelid = 'search_calls'::regclass")}
    assert "seg" not in columns and "grams" not in columns
    assert columns["tsv"] == columns["gtsv"] == ""
    assert idx._q("SELECT call_id, tsv::text AS tsv, gtsv::text AS gtsv FROM search_calls "
                  "ORDER BY call_id") == vectors
    assert _answers(idx) == before
    idx.index_call(docs[0])                        # en1, written the v11 way
    assert [c.call_id for c in idx.search("cancel ridiculous", by="call").calls] == ["en1"]
    assert not idx._q(f"SELECT 1 AS x FROM search_calls c WHERE tsv <> {OLD_TSV}")
    db.close()


@pytest.mark.parametrize("seg, exact", [
    ("", True), ("a " * 255, True), ("a " * 255 + "b", True), ("a " * 256, False),
    (" ".join(f"w{i}" for i in range(16382)), True),
    (" ".join(f"w{i}" for i in range(16383)), False)])
def test_concat_is_exact_at_the_limits(seg: str, exact: bool) -> None:
    assert concat_is_exact(seg) is exact
