"""/api/search paging (offset / next_offset), by=call and rule ids, against the live server."""

from __future__ import annotations

import httpx


def _get(world, params: dict, role: str = "qa") -> httpx.Response:
    return httpx.get(world.url + "/api/search", headers=world.headers(role), params=params,
                     timeout=60)


def test_every_hit_is_reachable_by_offset(qa_world):
    everything = _get(qa_world, {"q": "", "role": "agent", "limit": 500}).json()
    assert everything["total"] > 3 and everything["next_offset"] is None
    seen, offset = [], 0
    while offset is not None:
        body = _get(qa_world, {"q": "", "role": "agent", "limit": 2, "offset": offset}).json()
        assert body["total"] == everything["total"] and body["offset"] == offset
        seen += [(h["call_id"], h["turn"]) for h in body["results"]]
        offset = body["next_offset"]
    assert seen == [(h["call_id"], h["turn"]) for h in everything["results"]]
    assert _get(qa_world, {"q": "x", "offset": -1}).status_code == 422


def test_by_call_answers_calls_with_their_turns(qa_world):
    body = _get(qa_world, {"q": "thank", "by": "call", "limit": 500}).json()
    assert body["total"] == len(body["calls"]) >= 1 and body["results"] == []
    assert body["mode"] == "exact" and body["matched_terms"] == [{"term": "thank",
                                                                  "match": "exact"}]
    for call in body["calls"]:
        assert call["hits"] and all(h["call_id"] == call["call_id"] for h in call["hits"])
    mine = _get(qa_world, {"q": "thank", "by": "call", "limit": 500}, role="agent").json()
    own = {c for c, d in qa_world.docs.items() if d.metadata["agent_id"] == "A1"}
    assert {c["call_id"] for c in mine["calls"]} <= own
    assert _get(qa_world, {"q": "x", "by": "speaker"}).status_code == 422


def test_rule_ids_come_from_the_loaded_rulebook(qa_world):
    assert _get(qa_world, {"rule": "emotion.escalate"}).status_code == 200
    r = _get(qa_world, {"rule": "greeting.mising"})
    assert r.status_code == 422
    assert "greeting.missing" in r.text and "interruption.excessive" in r.text
