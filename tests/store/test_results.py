"""ResultsStore on both backends (real SQLite file and a scratch PostgreSQL database)."""

from __future__ import annotations

import threading

import pytest

from hotline.document import CallDocument, Emotion, Turn
from hotline.store.db import Database
from hotline.store.results import ResultsStore


def _doc(call_id: str, date: str = "2026-11-21", agent: str = "A1", version: str = "hotline-0.1") -> CallDocument:
    return CallDocument(
        call_id=call_id, source=f"/calls/{call_id}.wav", duration=12.5, sample_rate=8000,
        channels=1, language="en", pipeline_version=version,
        turns=[Turn(speaker="S0", role="agent", start=0.0, end=2.0, text="Thank you for calling")],
        metadata={"date": date, "agent_id": agent}, timings={"asr": 1.5},
    )


@pytest.fixture
def store(db_url):
    db = Database(db_url)
    yield ResultsStore(db)
    db.close()


def _count(store: ResultsStore) -> int:
    with store.db.transaction() as cur:
        return int(cur.execute("SELECT COUNT(*) AS n FROM call_results")[0]["n"])


def test_save_is_idempotent_and_round_trips(store):
    doc = _doc("c1")
    store.save_document(doc)
    store.save_document(doc)
    ResultsStore(store.db)  # schema creation is idempotent too
    assert _count(store) == 1
    got = store.get_document("c1")
    assert got == doc
    assert store.get("c1").status == "done"
    assert store.get("c1").call_date == "2026-11-21" and store.get("c1").agent_id == "A1"
    assert store.get_document("nope") is None


def test_iter_documents_filters_by_call_date(store):
    for cid, date in [("a", "2026-11-19"), ("b", "2026-11-20"), ("c", "2026-11-21")]:
        store.save_document(_doc(cid, date))
    assert [d.call_id for d in store.iter_documents()] == ["a", "b", "c"]
    assert [d.call_id for d in store.iter_documents(since="2026-11-20")] == ["b", "c"]
    assert [d.call_id for d in store.iter_documents(until="2026-11-20")] == ["a", "b"]
    assert [d.call_id for d in store.iter_documents("2026-11-20", "2026-11-20")] == ["b"]


def test_range_reads_without_turns_keep_everything_else(store):
    doc = _doc("w")
    doc.turns.append(Turn(speaker="S1", role="customer", start=2.0, end=3.0, text="It is down",
                          emotion=Emotion(label="angry", score=0.9)))
    store.save_document(doc)
    (light,) = store.iter_documents(turns=False)
    assert light.turns == [] and light.emotion_summary["trajectory"] == [
        {"turn": 1, "label": "angry"}]
    assert light.violations == doc.violations and light.metadata == doc.metadata
    assert light.duration == doc.duration and light.call_id == doc.call_id
    store.db.execute("UPDATE call_results SET summary = NULL")    # a row saved before v5
    assert list(store.iter_documents(turns=False)) == [doc]


def test_many_calls_are_saved_in_one_go_like_one_by_one(store):
    docs = [_doc(f"m{i}", f"2026-11-{10 + i}") for i in range(3)]
    store.save_document(docs[0])
    assert store.save_documents(docs) == 3
    assert list(store.iter_documents()) == docs and _count(store) == 3
    assert all(store.get(d.call_id).status == "done" for d in docs)


def test_one_document_per_call_across_pipeline_versions(store):
    store.save_document(_doc("a", version="old"))
    store.save_document(_doc("a", version="hotline-0.1"))
    assert len(list(store.iter_documents())) == 1


def test_job_lifecycle_claim_retry_fail(store):
    row = store.register("j1", "/calls/j1.wav", duration=10.0)
    assert row.status == "pending" and row.attempts == 0
    assert store.register("j1", "/calls/j1.wav").status == "pending"
    assert _count(store) == 1
    assert store.claim("j1", "w1") == 1
    assert store.claim("j1", "w2") is None          # held by a live worker
    assert store.mark_failed("j1", "redis blip", permanent=False, max_attempts=2) == "pending"
    assert store.claim("j1", "w2") == 2
    assert store.mark_failed("j1", "OOM", permanent=False, max_attempts=2) == "failed"
    assert store.counts()["failed"] == 1
    assert store.failures()[0]["error"] == "OOM"
    # A new batch run gives transient failures a fresh budget...
    assert store.register("j1", "/calls/j1.wav").status == "pending"
    assert store.claim("j1", "w1") == 1
    assert store.mark_failed("j1", "undecodable audio", permanent=True) == "failed"
    # ...but a permanent verdict stays.
    assert store.register("j1", "/calls/j1.wav").status == "failed"
    assert store.claim("j1", "w1") is None
    assert store.failures() == [{"call_id": "j1", "source": "/calls/j1.wav",
                                 "error": "undecodable audio", "attempts": 1, "permanent": True}]


def test_done_rows_are_skipped_and_stale_claims_stolen(store):
    store.register("d1", "/calls/d1.wav")
    assert store.claim("d1", "w1") == 1
    store.mark_done(_doc("d1"), worker_id="w1", timings={"total": 2.0})
    assert store.claim("d1", "w2") is None
    assert store.mark_failed("d1", "late", permanent=True) == "done"
    assert store.get("d1").timings == {"total": 2.0} and store.get("d1").worker_id == "w1"
    store.register("s1", "/calls/s1.wav")
    assert store.claim("s1", "dead") == 1
    assert store.claim("s1", "w2", lease_s=0.0) == 2     # the first worker's lease ran out
    assert [r.call_id for r in store.stuck(older_than_s=-1)] == ["s1"]
    assert store.stuck(older_than_s=3600) == []
    store.requeue("s1")
    assert store.get("s1").status == "pending"
    assert store.counts() == {"pending": 1, "processing": 0, "done": 1, "failed": 0}
    assert store.counts(["d1"]) == {"pending": 0, "processing": 0, "done": 1, "failed": 0}
    tp = store.throughput()
    assert tp["done"] == 1 and tp["audio_s"] == 12.5


def test_concurrent_claims_give_the_row_to_exactly_one_worker(db_url, store):
    store.register("race", "/calls/race.wav")
    winners: list[int | None] = []

    def claim(name: str) -> None:
        db = Database(db_url)  # one connection each, like separate worker processes
        winners.append(ResultsStore(db).claim("race", name))
        db.close()

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(winners, key=lambda w: w or 0) == [None, None, None, 1]


def test_heartbeat_renews_only_the_holders_lease(store):
    store.register("h1", "/calls/h1.wav")
    assert store.claim("h1", "w1") == 1
    assert store.heartbeat("h1", "w1") is True
    assert store.heartbeat("h1", "w2") is False           # not its row
    assert store.claim("h1", "w2", lease_s=60) is None     # lease fresh: still w1's
    store.mark_done(_doc("h1"), worker_id="w1")
    assert store.heartbeat("h1", "w1") is False           # done rows have no lease


def test_a_row_whose_worker_died_on_every_attempt_ends_failed(store):
    store.register("k1", "/calls/k1.wav")
    for attempt in (1, 2):
        assert store.claim("k1", f"dead{attempt}", lease_s=0.0, max_attempts=2) == attempt
    assert store.claim("k1", "w3", lease_s=0.0, max_attempts=2) is None
    row = store.get("k1")
    assert row.status == "failed" and not row.permanent and "abandoned" in row.error
