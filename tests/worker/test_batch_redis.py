"""Distributed batch on a real redis-server + real PostgreSQL with the real pipeline.

Two workers; one is SIGKILLed mid-job; every recording ends done exactly once, the corrupt
file ends failed with its reason, re-running the day adds nothing.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import zlib

import pytest

from hotline.store.db import Database
from hotline.store.results import ResultsStore

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


def _rows(store: ResultsStore) -> list:
    return store.rows()


def test_two_workers_survive_a_sigkill_and_rerun_adds_nothing(
        synth_day, tmp_path, redis_url, pg_url, batch_env, workers, kit):
    import redis
    from rq import Queue
    from rq.serializers import JSONSerializer

    day = tmp_path / "day"
    shutil.copytree(synth_day, day)
    bad = kit.corrupt(day)
    env = batch_env(pg_url)
    store = ResultsStore(Database(pg_url))
    w1 = workers.start("w1", redis_url, env)
    workers.start("w2", redis_url, env)

    batch = subprocess.Popen([*kit.cmd(), "batch", str(day), "--redis", redis_url, "--json"],
                             cwd=kit.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        # Kill w1 while it is in the middle of a call (models loaded, row claimed).
        victim = kit.wait(lambda: next((r for r in _rows(store) if r.status == "processing"
                                        and r.worker_id == "w1"), None), 180, "w1 to start a job")
        w1.send_signal(signal.SIGKILL)
        w1.wait()
        out, err = batch.communicate(timeout=240)
    finally:
        if batch.poll() is None:
            batch.kill()
    assert batch.returncode == 1, err  # one recording failed: exit 1, the table says why
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["total"], summary["done"], summary["failed"]) == (5, 4, 1), err

    rows, corrupt, killed = _check_rows(store, bad, victim)
    _check_models_loaded_once(redis_url, rows, killed, workers, kit)

    # Re-running the day: nothing enqueued, no rows added, same verdicts.
    again = kit.run("batch", str(day), "--redis", redis_url, "--json", env=env, timeout=120)
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert (summary["skipped"], summary["done"], summary["failed"]) == (5, 4, 1), again.stderr
    assert len(store.rows()) == 5
    conn = redis.Redis.from_url(redis_url)
    assert Queue("hotline", connection=conn, serializer=JSONSerializer).count == 0

    status = kit.run("status", "--redis", redis_url, "--json", env=env, timeout=60)
    report = json.loads(status.stdout)
    assert report["counts"] == {"queued": 0, "running": 0, "done": 4, "failed": 1}
    assert report["failures"] == [{"call_id": corrupt.call_id, "source": str(bad),
                                   "error": corrupt.error}]


def _check_rows(store, bad, victim):
    """One row per recording; the corrupt one failed for good, the killed one redone by w2."""
    rows = {r.source: r for r in _rows(store)}
    assert len(rows) == 5 == len(store.rows())           # one row per recording, no duplicates
    corrupt = rows.pop(str(bad))
    assert corrupt.status == "failed" and corrupt.permanent and corrupt.attempts == 1
    assert "undecodable" in corrupt.error
    assert all(r.status == "done" for r in rows.values())
    killed = store.get(victim.call_id)
    assert killed.status == "done" and killed.worker_id == "w2"
    if victim.source != str(bad):
        assert killed.attempts == 2                     # the killed attempt counted, redone once
    for row in rows.values():
        doc = store.get_document(row.call_id)
        assert doc.call_id == row.call_id and doc.turns, row.source
        assert doc.metadata["date"] == "2026-11-21" and row.call_date == "2026-11-21"
        assert any(t.role == "agent" for t in doc.turns)
    return rows, corrupt, killed


def _check_models_loaded_once(redis_url, rows, killed, workers, kit):
    """Models were loaded once per worker process and reused by every job it ran."""
    import redis
    from rq.job import Job
    from rq.serializers import JSONSerializer

    conn = redis.Redis.from_url(redis_url)
    jobs = [Job.fetch(r.job_id, connection=conn, serializer=JSONSerializer) for r in rows.values()]
    # The store flips to done just before RQ records the job's result: wait for RQ to catch up.
    kit.wait(lambda: all(j.get_status() == "finished" for j in jobs), 30, "RQ job results")
    outcomes = [j.return_value() for j in jobs]
    assert [o and o["loads"] for o in outcomes] == [1] * len(outcomes), (
        outcomes, [(r.call_id, r.job_id, r.attempts, r.worker_id) for r in rows.values()])
    assert all(o["indexed"] for o in outcomes)           # search.index got every call
    assert workers.log("w2").count("pipeline loaded") == 1
    # Payloads are JSON (RQ zlib-compresses them) with the content hash and path only.
    payload = json.loads(zlib.decompress(conn.hget(f"rq:job:{killed.job_id}", "data")))
    assert payload == ["hotline.worker.jobs.process_recording", None, [killed.call_id, killed.source], {}]
