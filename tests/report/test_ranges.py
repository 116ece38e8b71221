"""The 7- and 30-day views: the SQL path (per-call columns, GROUP BY day) gives exactly the
numbers of the report's Python arithmetic over the same stored calls, on both backends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from hotline.document import CallDocument, Violation
from hotline.report.ranges import compute_range, range_numbers
from hotline.store import schema
from hotline.store.db import Database
from hotline.store.results import ResultsStore

LAST = dt.date(2026, 11, 30)
OUTCOMES = ("resolved", "resolved", "unresolved", "callback", "escalated", "weird", None)


def _metadata(rng: random.Random, i: int) -> dict:
    """Telephony metadata as it arrives: mostly complete, sometimes missing or malformed."""
    day = LAST - dt.timedelta(days=rng.randrange(45))
    meta = {"date": day.isoformat(), "agent_id": f"A{i % 5}"}
    if rng.random() < 0.9:
        meta["caller_hash"] = f"h{rng.randrange(40)}"       # ~10 calls per caller
    elif rng.random() < 0.5:
        meta["caller_number"] = f"1380000{rng.randrange(9)}"
    if rng.random() < 0.85:
        meta["started_at"] = f"{day}T{rng.randrange(8, 20):02d}:{rng.randrange(60):02d}:00"
    for key in ("queue_wait_s", "ring_s"):
        meta[key] = rng.choice([rng.uniform(0, 40), round(rng.uniform(0, 9), 1), "7", -3.0,
                                True, None])
    if (outcome := rng.choice(OUTCOMES)) is not None:
        meta["outcome"] = outcome
    if rng.random() < 0.8:
        meta["call_type"] = rng.choice(["complaint", "consultation", "fault", "other"])
    if rng.random() < 0.2:
        meta["ticket"] = {"type": rng.choice(["complaint", "fault"])}
    if i % 97 == 0:
        meta["date"] = f"{LAST.isoformat()[:8]}1x"            # malformed: no day counts it
    return meta


def _calls(n: int = 500) -> list[CallDocument]:
    rng = random.Random("ranges")
    docs = []
    for i in range(n):
        rules = rng.choice([[], [], ["greeting.missing"], ["hold.no_notice", "closing.missing"]])
        docs.append(CallDocument(
            call_id=f"c{i:04d}", source=f"/calls/c{i:04d}.wav",
            duration=rng.choice([rng.uniform(20, 900), 0.0]), sample_rate=8000, channels=1,
            language="en", pipeline_version="v1", metadata=_metadata(rng, i),
            violations=[Violation(r, "major", 0.0, 1.0, 0, "x") for r in rules]))
    return docs


def _store(url: str) -> ResultsStore:
    store = ResultsStore(Database(url))
    docs = _calls()
    store.save_documents(docs)
    # a second pipeline version of some calls, finished later: both paths must read it
    store.save_documents([dataclasses.replace(d, pipeline_version="v2", metadata={
        **d.metadata, "outcome": "unresolved", "queue_wait_s": 99.0}) for d in docs[::7]])
    return store


def _both(store: ResultsStore, since: str, until: str) -> tuple[list, list]:
    lo = (dt.date.fromisoformat(since) - dt.timedelta(days=7)).isoformat()
    hi = (dt.date.fromisoformat(until) + dt.timedelta(days=7)).isoformat()
    docs = list(store.iter_documents(lo, hi, turns=False))
    return range_numbers(store, since, until), compute_range(docs, since, until)


def test_sql_range_views_equal_the_python_report(db_url):
    store = _store(db_url)
    for days in (7, 30):
        since = (LAST - dt.timedelta(days=days - 1)).isoformat()
        sql, python = _both(store, since, LAST.isoformat())
        assert len(sql) == days
        assert sql == python
    # the data exercises every KPI (a wrong rule would show)
    assert any(d.repeat_complaint_rate not in (None, 0.0) for d in python)
    assert any(d.first_contact_resolution not in (None, 0.0, 1.0) for d in python)
    assert {d.answered_within_15s is None for d in python} == {False}


def test_days_without_calls_are_zero_calls_and_no_data(db_url):
    store = _store(db_url)
    (day,) = range_numbers(store, "2027-01-05", "2027-01-05")
    assert (day.calls, day.mean_answer_s, day.first_contact_resolution) == (0, None, None)


def test_upgrade_backfills_the_columns_from_the_stored_calls(db_url):
    store = _store(db_url)
    since = (LAST - dt.timedelta(days=29)).isoformat()
    before = range_numbers(store, since, LAST.isoformat())
    store.db.execute("UPDATE call_results SET report_date = NULL, report_answer_s = NULL")
    assert range_numbers(store, since, LAST.isoformat())[0].calls == 0     # columns emptied
    with store.db.transaction() as cur:     # step 8 alone: later steps assume the older shape
        schema.MIGRATIONS[8](cur, store.db.dialect)
    upgraded = ResultsStore(Database(db_url))
    assert schema.schema_version(upgraded.db) == schema.SCHEMA_VERSION
    assert range_numbers(upgraded, since, LAST.isoformat()) == before


def test_daily_report_from_the_store_equals_the_python_report(db_url):
    """`build_report` (the day's summaries + the database's counts of the days around it)
    gives the report `compute_report` makes from every document of the window."""
    from hotline.report.daily import build_report, compute_report, to_csv, to_json, window

    store = _store(db_url)
    as_of = dt.datetime(2026, 12, 1, 9, 0)
    checked = 0
    for back in range(0, 40, 3):
        day = (LAST - dt.timedelta(days=back)).isoformat()
        docs = list(store.iter_documents(*window(day), turns=False))
        python, sql = compute_report(docs, day, as_of), build_report(store, day, as_of)
        assert to_json(sql) == to_json(python)
        assert to_csv(sql) == to_csv(python)
        assert sql.previous == python.previous
        checked += bool(python.fcr.total and python.repeat_complaints.yes)
    assert checked >= 3          # days where FCR and repeat complaints both have data
