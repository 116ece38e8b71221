"""Search over a known EN + ZH corpus; every test runs on SQLite FTS5 and on PostgreSQL."""

from __future__ import annotations

import re

import pytest

from hotline.privacy.redact import RedactionFailed, redact_document
from hotline.search.index import SearchFilters, SearchIndex


def hits(res) -> set[tuple[str, int]]:
    return {(h.call_id, h.turn) for h in res.results}


def test_qa_goal_cancel_and_angry_this_week(ro_index) -> None:
    """'Every call this week where a customer said cancel and was angry', well under 1 s."""
    res = ro_index.search("cancel", {"role": "customer", "emotion": "angry",
                                  "date_from": "2026-11-16", "date_to": "2026-11-22"})
    assert hits(res) == {("en1", 1), ("en1", 3)}
    assert res.total == 2 and res.mode == "exact"
    assert res.took_ms < 1000
    assert {h.call_id for h in ro_index.search("cancel", {"role": "customer",
                                                       "emotion": "angry"}).results} \
        == {"en1", "en3"}


def test_contract_shape(ro_index) -> None:
    d = ro_index.search("cancel", limit=2).to_dict()
    assert set(d) >= {"results", "total"} and d["total"] == 5 and len(d["results"]) == 2
    for r in d["results"]:
        assert set(r) >= {"call_id", "turn", "start", "role", "snippet", "score"}
        assert isinstance(r["turn"], int) and isinstance(r["start"], float)
        assert "<mark>" in r["snippet"]
    assert d["results"][0]["score"] >= d["results"][1]["score"]


def test_keywords_english(ro_index) -> None:
    assert hits(ro_index.search("cancel")) == {("en1", 1), ("en1", 3), ("en2", 2), ("en2", 3),
                                            ("en3", 0)}
    assert hits(ro_index.search("cancel plan")) == {("en1", 1), ("en2", 3)}     # all words
    assert hits(ro_index.search("CANCEL")) == hits(ro_index.search("cancel"))
    assert hits(ro_index.search("charge")) == {("en3", 0)}                         # "charges"
    assert hits(ro_index.search("dropped")) == {("en2", 1)}                        # "dropping"
    assert hits(ro_index.search("5G")) == {("en2", 1)}
    assert ro_index.search("xylophone").total == 0


def test_exact_phrase(ro_index) -> None:
    assert hits(ro_index.search('"cancel my plan"')) == {("en1", 1), ("en2", 3)}
    assert hits(ro_index.search('"not cancel my plan"')) == {("en2", 3)}
    assert ro_index.search('"plan my cancel"').total == 0
    assert hits(ro_index.search('"cancel my plan" ridiculous')) == {("en1", 1)}


def test_chinese_keywords_and_phrase(ro_index) -> None:
    assert hits(ro_index.search("取消")) == {("zh1", 1)}
    assert hits(ro_index.search("取消套餐")) == {("zh1", 1)}
    assert hits(ro_index.search('"取消套餐"')) == {("zh1", 1)}
    assert ro_index.search('"套餐取消"').total == 0
    assert hits(ro_index.search("信号")) == {("zh1", 1), ("zh2", 0)}
    assert hits(ro_index.search("销户")) == {("zh1", 3)}
    assert hits(ro_index.search("不归我管", {"role": "agent"})) == {("zh1", 2)}
    res = ro_index.search("取消", {"role": "customer", "emotion": "angry"})
    assert hits(res) == {("zh1", 1)} and "<mark>取消</mark>" in res.results[0].snippet


def test_substring_and_fuzzy_fallbacks(ro_index) -> None:
    res = ro_index.search("号差")                     # inside the jieba word 信号差
    assert hits(res) == {("zh2", 0)} and res.mode == "partial"
    res = ro_index.search("ridic")                    # an English word's beginning (not a stem)
    assert hits(res) == {("en1", 1)} and res.mode == "partial"
    assert res.matched_terms == [{"term": "ridic", "match": "partial"}]
    assert "<mark>ridiculous</mark>" in res.results[0].snippet
    res = ro_index.search("天翼通")                    # Chinese inside a longer word
    assert hits(res) == {("zh1", 0)} and "<mark>天翼通</mark>" in res.results[0].snippet
    res = ro_index.search("cancle")                   # misspelt
    assert res.mode == "fuzzy" and len(hits(res)) == 5
    assert "<mark>cancel</mark>" in res.results[0].snippet
    assert ro_index.search("cancle", fuzzy=False).total == 0


@pytest.mark.parametrize("filters,expected", [
    ({"role": "agent"}, {("en2", 2)}),
    ({"agent": "A1"}, {("en1", 1), ("en1", 3), ("en3", 0)}),
    ({"date_from": "2026-11-17"}, {("en2", 2), ("en2", 3)}),
    ({"date_to": "2026-11-16"}, {("en1", 1), ("en1", 3), ("en3", 0)}),
    ({"rule": "empathy.missing"}, {("en3", 0)}),
    ({"intent": "network.weak_signal"}, {("en2", 2), ("en2", 3)}),
    ({"min_duration": 100}, {("en1", 1), ("en1", 3), ("en3", 0)}),
    ({"max_duration": 60}, {("en2", 2), ("en2", 3)}),
    ({"emotion": "neutral"}, {("en2", 2), ("en2", 3)}),
    ({"language": "en", "agent": "A2"}, {("en2", 2), ("en2", 3)}),
])
def test_filters(ro_index, filters, expected) -> None:
    assert hits(ro_index.search("cancel", filters)) == expected


def test_filters_without_query(ro_index) -> None:
    res = ro_index.search("", {"emotion": "negative"})
    assert hits(res) == {("en2", 1), ("en4", 0), ("zh2", 0)} and res.mode == "filter"
    assert hits(ro_index.search("", {"intent": "network.weak_signal", "role": "agent"})) == {
        ("en2", 0), ("en2", 2), ("zh2", 1)}
    with pytest.raises(ValueError):
        SearchFilters.from_dict({"colour": "red"})


def test_paging(ro_index) -> None:
    first = ro_index.search("cancel", limit=2)
    assert len(first.results) == 2 and first.total == 5
    last = ro_index.search("cancel", limit=2, offset=4)
    assert len(last.results) == 1 and last.total == 5
    beyond = ro_index.search("cancel", limit=2, offset=10)
    assert beyond.results == [] and beyond.total == 5
    every = hits(first) | hits(ro_index.search("cancel", limit=2, offset=2)) | hits(last)
    assert every == hits(ro_index.search("cancel"))


def test_snippet_is_html_safe_and_timed(ro_index) -> None:
    res = ro_index.search("contract")
    h = res.results[0]
    assert h.snippet == "I'm sorry to hear that. Let me check the <mark>contract</mark> &lt;first&gt;."
    assert (h.call_id, h.turn, h.role) == ("en1", 2, "agent") and h.start > 0


def test_reindex_is_idempotent_and_replaces(index, corpus_docs) -> None:
    before = index.stats()
    index.index_call(corpus_docs[0])
    index.index_call(corpus_docs[0])
    assert index.stats() == before
    changed = corpus_docs[0]
    changed.turns[3].text = "Just terminate it."
    index.index_call(changed)
    assert hits(index.search("cancel", {"agent": "A1"})) == {("en1", 1), ("en3", 0)}
    assert hits(index.search("terminate")) == {("en1", 3)}
    index.delete_call("en1")
    assert index.stats()["calls"] == before["calls"] - 1
    assert index.search("terminate").total == 0


def test_refuses_unredacted_documents(index, corpus_docs) -> None:
    doc = corpus_docs[1]
    doc.call_id = "leaky"
    doc.turns[1].text = "my card is 4111 1111 1111 1111"
    with pytest.raises(RedactionFailed):
        index.index_call(doc)
    assert index.search("", {"call_id": "leaky"}).total == 0
    index.index_call(redact_document(doc))
    res = index.search("card", {"call_id": "leaky"})
    assert res.total == 1 and "4111" not in res.results[0].snippet


def test_refuses_pii_in_the_fields_it_copies(index, corpus_docs) -> None:
    """The index's check covers what it keeps besides the turns' text: the agent id, the
    speakers, the rule and intent ids."""
    doc = corpus_docs[2]
    doc.call_id = "leaky-agent"
    doc.metadata = {**doc.metadata, "agent_id": "13812345678"}
    with pytest.raises(RedactionFailed):
        index.index_call(doc)
    doc.metadata["agent_id"] = "A7"
    doc.turns[0].speaker = "alice@example.com"
    with pytest.raises(RedactionFailed):
        index.index_call(doc)
    assert index.search("", {"call_id": "leaky-agent"}).total == 0


def test_similar_calls_by_meaning(db_url, corpus_docs, embedder) -> None:
    from hotline.store.db import Database

    db = Database(db_url)
    idx = SearchIndex(db, embedder=embedder)
    for doc in corpus_docs:
        idx.index_call(doc)
    raw = idx._q("SELECT embedding FROM search_vectors WHERE call_id = ?", ("en1",))[0]
    assert len(bytes(raw["embedding"])) == 384 * 4
    top = idx.similar("en4", k=3)             # no signal -> the weak-signal call
    assert top.results[0].call_id == "en2" and top.mode == "similar"
    assert "en4" not in {h.call_id for h in top.results} and len(top.results) == 3
    assert top.results[0].score >= top.results[1].score >= top.results[2].score
    assert idx.similar("en3", k=1).results[0].call_id == "en1"   # cancel, angry
    assert idx.similar("zh2", k=1).results[0].call_id == "zh1"
    zh_only = idx.similar("en2", k=5, filters={"language": "zh"})
    assert {h.call_id for h in zh_only.results} == {"zh1", "zh2"} and zh_only.total == 2
    # calls indexed without an embedder get their vector on demand
    plain = SearchIndex(db)
    plain.index_call(corpus_docs[0])
    assert idx._vector("en1") is None
    assert idx.similar("en3", k=1).results[0].call_id == "en1"
    assert idx._vector("en1") is not None
    db.close()


def test_synthetic_calls_and_no_pii_in_database(db_url, synth_calls, caplog) -> None:
    """Index redacted synthetic calls (cards, CVVs, phones, IDs, e-mails read out): search
    finds them and no table, snippet or log line holds a card, CVV, phone or ID number."""
    import logging

    from hotline.store.db import Database
    from hotline.synth.truth import to_call_document

    db = Database(db_url)
    idx = SearchIndex(db)
    caplog.set_level(logging.DEBUG)
    secrets = []
    for truth in synth_calls:
        doc = redact_document(to_call_document(truth, with_violations=True))
        idx.index_call(doc)
        secrets += [(doc.call_id, p) for p in truth.get("pii", [])]
        secrets.append((doc.call_id, {"type": "caller", "value":
                                      truth["metadata"]["caller_number"], "turn": None}))
    assert idx.stats()["calls"] == len(synth_calls)
    assert any(p["type"] == "card_number" for _c, p in secrets)
    dump = []
    for table in ("search_calls", "search_turns", "search_tags", "search_vocab"):
        for row in idx._q(f"SELECT * FROM {table}"):
            dump.append((row.get("call_id"), row.get("turn"),
                         " ".join(v for k, v in row.items() if isinstance(v, str)
                                  and k not in ("call_id", "call_date", "indexed_at", "speaker",
                                                "agent_id", "tsv"))))
    everything = re.sub(r"\D", "", " ".join(d[2] for d in dump))
    for call_id, p in secrets:
        if p["type"] in ("card_number", "id_number", "phone_number", "caller"):
            value = re.sub(r"\D", "", p.get("part") or p["value"])
            assert value not in everything, p
        if p["type"] == "cvv":
            row = next(d for d in dump if d[0] == call_id and d[1] == p["turn"])
            assert p["value"] not in re.sub(r"\D", "", row[2]), row
        if p["type"] == "email":
            assert p["value"] not in " ".join(d[2] for d in dump)
    assert not any(re.search(r"\d{13,}", d[2]) for d in dump)
    res = idx.search("card", limit=500)
    assert res.total > 0
    assert not any(re.search(r"\d{6,}", h.snippet) for h in res.results)
    zh = idx.search("银行卡号", {"language": "zh"})
    assert zh.total > 0
    log_digits = re.sub(r"\D", "", caplog.text)
    for _c, p in secrets:
        if p["type"] == "card_number":
            assert re.sub(r"\D", "", p["value"]) not in log_digits
    db.close()


def test_many_matches_are_listed_newest_first_on_postgres(ro_index, monkeypatch) -> None:
    """Above RANK_MAX_MATCHES PostgreSQL skips ranking: same hits and total, newest first."""
    from hotline import defaults

    ranked = ro_index.search("cancel")
    monkeypatch.setattr(defaults, "SEARCH_RANK_MAX_MATCHES", 2)
    res = ro_index.search("cancel")
    assert hits(res) == hits(ranked) and res.total == ranked.total == 5
    if ro_index.pg:
        dates = [h.call_date for h in res.results]
        assert dates == sorted(dates, reverse=True)
