"""`hotline batch DIR --workers 2` without Redis: local processes, embedded SQLite store.

Runs the model-free stand-in processor (`worker.standin`: real decoding, no models) to keep the
suite inside its time budget; the real pipeline runs in test_batch_redis.py through the very
same `run_recording`.
"""

from __future__ import annotations

import json
import shutil

from store.db import Database
from store.results import ResultsStore


def test_embedded_batch_two_processes_then_rerun(synth_day, tmp_path, batch_env, kit):
    day = tmp_path / "day"
    shutil.copytree(synth_day, day)
    bad = kit.corrupt(day)
    db_url = f"sqlite:///{tmp_path / 'embedded.db'}"
    env = batch_env(db_url, HOTLINE_PIPELINE_FACTORY="worker.standin:load")
    env.pop("HOTLINE_REDIS_URL", None)

    first = kit.run("batch", str(day), "--workers", "2", "--json", env=env)
    assert first.returncode == 1, first.stderr          # the corrupt file failed
    summary = json.loads(first.stdout.strip().splitlines()[-1])
    assert (summary["total"], summary["done"], summary["failed"]) == (5, 4, 1)
    assert summary["failures"][0]["source"] == str(bad)
    assert "undecodable" in summary["failures"][0]["error"]
    assert "hotline batch" in first.stderr and "failures" in first.stderr  # the summary tables

    store = ResultsStore(Database(db_url))
    rows = store.rows()
    assert len(rows) == 5
    workers = {r.worker_id for r in rows if r.status == "done"}
    assert all(w.startswith("local.") for w in workers)
    assert all(r.attempts == 1 for r in rows)
    for row in rows:
        if row.status == "done":
            assert store.get_document(row.call_id).metadata["date"] == "2026-11-21"

    again = kit.run("batch", str(day), "--workers", "2", "--json", env=env)
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert (summary["skipped"], summary["done"], summary["failed"]) == (5, 4, 1)
    assert len(store.rows()) == 5
    assert [r.attempts for r in store.rows()] == [1] * 5   # nothing was processed again
