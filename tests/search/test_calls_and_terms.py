"""Search by call, partial and fuzzy matches that say so, paging, rule ids; SQLite + PostgreSQL."""

from __future__ import annotations

import pytest

from hotline.search.index import SearchIndex, delete_calls


def turns(res) -> list[tuple[str, int]]:
    return [(h.call_id, h.turn) for h in res.results]


def calls(res) -> list[str]:
    return [c.call_id for c in res.calls]


def test_terms_in_different_turns_match_the_call(ro_index) -> None:
    res = ro_index.search("roaming Spain", by="call")
    assert calls(res) == ["en5"] and res.total == 1 and res.mode == "exact"
    call = res.calls[0]
    assert [(h.turn, h.terms) for h in call.hits] == [(0, {"Spain": "exact"}),
                                                       (1, {"roaming": "exact"})]
    assert call.terms == {"roaming": "exact", "Spain": "exact"} and call.n_hits == 2
    assert "<mark>Roaming</mark>" in call.hits[1].snippet
    assert calls(ro_index.search("roaming in Spain", by="call")) == ["en5"]   # "in": optional
    # no single turn holds both: the turn answer is partial and says so
    res = ro_index.search("roaming Spain")
    assert set(turns(res)) == {("en5", 0), ("en5", 1)} and res.mode == "partial"
    assert all(len(h.terms) == 1 for h in res.results)


def test_misheard_words_still_rank_after_exact_ones(ro_index) -> None:
    res = ro_index.search("not my department")
    assert turns(res) == [("en6", 1), ("en5", 3)]
    assert res.results[0].terms == {"not": "exact", "my": "exact", "department": "exact"}
    assert res.results[1].terms == {"my": "exact", "department": "exact"}      # "not" misheard
    assert res.results[0].score > res.results[1].score
    assert "how <mark>my</mark> <mark>department</mark>" in res.results[1].snippet
    by_call = ro_index.search("not my department", by="call")
    assert calls(by_call) == ["en6", "en5"]


def test_refund_never_silently_matches_funds(index) -> None:
    res = index.search("refund")
    assert turns(res) == [("en5", 2)] and res.mode == "exact"
    assert res.matched_terms == [{"term": "refund", "match": "exact"}]
    res = index.search("refnd")                          # misspelt: fuzzy, and it says so
    assert turns(res) == [("en5", 2)] and res.mode == "fuzzy"
    assert res.matched_terms == [{"term": "refnd", "match": "fuzzy", "as": ["refund"]}]
    assert res.results[0].terms == {"refnd": "fuzzy"}
    delete_calls(index.db, ["en5"])
    res = index.search("refund")                          # only "funds" is left
    assert res.total == 0 and res.matched_terms == [{"term": "refund", "match": "none"}]


def test_fuzzy_and_exact_terms_together(ro_index) -> None:
    res = ro_index.search("cancle plan")
    assert set(turns(res)) == {("en1", 1), ("en2", 3)} and res.mode == "fuzzy"
    assert res.matched_terms[0]["match"] == "fuzzy" and "cancel" in res.matched_terms[0]["as"]
    assert res.matched_terms[1] == {"term": "plan", "match": "exact"}


def test_chinese_terms_across_turns(ro_index) -> None:
    assert ro_index.search("取消 销户").mode == "partial"
    res = ro_index.search("取消 销户", by="call")
    assert calls(res) == ["zh1"] and res.mode == "exact"
    assert [h.turn for h in res.calls[0].hits] == [1, 3]


def test_a_phrase_stays_inside_one_turn(ro_index) -> None:
    assert set(calls(ro_index.search('"cancel my plan"', by="call"))) == {"en1", "en2"}
    assert ro_index.search('"Amy I want"', by="call").total == 0   # turns 0 and 1 of en1


def test_call_level_filters(ro_index) -> None:
    res = ro_index.search("cancel", {"role": "customer", "emotion": "angry"}, by="call")
    assert set(calls(res)) == {"en1", "en3"}
    assert all(h.role == "customer" and h.emotion == "angry"
               for c in res.calls for h in c.hits)
    res = ro_index.search("", {"intent": "network.weak_signal"}, by="call")
    assert calls(res) == ["zh2", "en2"] and res.mode == "filter"      # newest first
    assert calls(ro_index.search("cancel", {"date_from": "2026-11-17"}, by="call")) == ["en2"]


@pytest.mark.parametrize("by,page", [("turn", 2), ("call", 1)])
def test_every_hit_is_reachable_by_paging(ro_index, by, page) -> None:
    everything = ro_index.search("cancel", by=by, limit=100).to_dict()
    key = "results" if by == "turn" else "calls"
    seen, offset = [], 0
    while offset is not None:
        d = ro_index.search("cancel", by=by, limit=page, offset=offset).to_dict()
        assert d["total"] == everything["total"] and d["offset"] == offset
        seen += d[key]
        offset = d["next_offset"]
    assert [r["call_id"] for r in seen] == [r["call_id"] for r in everything[key]]
    assert everything["next_offset"] is None and len(seen) == everything["total"]


def test_by_call_contract_json(ro_index) -> None:
    d = ro_index.search("cancel", by="call", limit=2).to_dict()
    assert set(d) >= {"calls", "total", "offset", "next_offset", "mode", "matched_terms"}
    assert d["total"] == 3 and d["next_offset"] == 2 and len(d["calls"]) == 2
    assert set(d["calls"][0]) >= {"call_id", "score", "hits"}
    assert set(d["calls"][0]["hits"][0]) >= {"call_id", "turn", "start", "role", "snippet",
                                              "score"}
    assert d["calls"][0]["score"] >= d["calls"][1]["score"]


def test_rule_filter_takes_the_loaded_rulebook_ids(ro_index) -> None:
    idx = SearchIndex(ro_index.db, rule_ids=["greeting.missing", "emotion.escalate"])
    assert idx.search("", {"rule": "emotion.escalate"}).total == 0       # known, unused
    assert idx.search("", {"rule": "hold.no_notice"}).total == 2         # on an indexed call
    with pytest.raises(ValueError) as exc:
        idx.search("", {"rule": "greeting.mising"})
    message = str(exc.value)
    assert "greeting.mising" in message and "valid rule ids" in message
    assert all(r in message for r in ("emotion.escalate", "greeting.missing", "hold.no_notice"))
    with pytest.raises(ValueError):
        idx.search("cancel", by="speaker")


def test_an_index_from_before_call_search_is_upgraded_in_place(index) -> None:
    """Schema step 3 fills the call documents from the indexed turns: no rebuild needed."""
    from hotline.store.db import Database
    from hotline.store.schema import ensure_schema

    with index.db.transaction() as cur:             # back to the version-2 layout
        if index.pg:
            cur.execute("ALTER TABLE search_calls DROP COLUMN tsv, DROP COLUMN gtsv, "
                        "DROP COLUMN IF EXISTS seg, DROP COLUMN IF EXISTS grams")
        else:
            cur.execute("DROP TABLE search_call_fts")
        cur.execute("UPDATE hotline_meta SET value = '2' WHERE key = 'schema_version'")
    db = Database(index.db.url)
    ensure_schema(db)
    upgraded = SearchIndex(db)
    res = upgraded.search("roaming Spain", by="call")
    assert calls(res) == ["en5"] and [h.turn for h in res.calls[0].hits] == [0, 1]
    assert calls(upgraded.search("取消 销户", by="call")) == ["zh1"]
    db.close()


@pytest.mark.parametrize("by", ["turn", "call"])
def test_counting_stops_early_and_paging_still_reaches_everything(ro_index, monkeypatch,
                                                                   by) -> None:
    from hotline import defaults

    key = "results" if by == "turn" else "calls"
    everything = [r["call_id"] for r in
                  ro_index.search("cancel", {"language": "en"}, by=by).to_dict()[key]]
    monkeypatch.setattr(defaults, "SEARCH_COUNT_MAX", 1)
    monkeypatch.setattr(defaults, "SEARCH_RANK_MAX_MATCHES", 1)   # the same order every page
    everything = [r["call_id"] for r in
                  ro_index.search("cancel", {"language": "en"}, by=by, limit=100).to_dict()[key]]
    seen, offset, pages = [], 0, []
    while offset is not None:
        d = ro_index.search("cancel", {"language": "en"}, by=by, limit=1, offset=offset).to_dict()
        pages.append((d["total"], d["total_exact"]))
        seen += [r["call_id"] for r in d[key]]
        offset = d["next_offset"]
    assert seen == everything
    assert pages[0] == (1, False) and pages[-1] == (len(everything), True)
