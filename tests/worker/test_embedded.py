"""`hotline batch DIR --workers 2` without Redis: local processes, embedded SQLite store.

Runs the model-free stand-in processor (`tests.support.standin`: real decoding, no models) to keep the
suite inside its time budget; the real pipeline runs in test_batch_redis.py through the very
same `run_recording`.
"""

from __future__ import annotations

import json
import shutil

from hotline.store.db import Database
from hotline.store.results import ResultsStore


def test_embedded_batch_two_processes_then_rerun(synth_day, tmp_path, batch_env, kit):
    day = tmp_path / "day"
    shutil.copytree(synth_day, day)
    bad = kit.corrupt(day)
    db_url = f"sqlite:///{tmp_path / 'embedded.db'}"
    env = batch_env(db_url, HOTLINE_PIPELINE_FACTORY="tests.support.standin:load",
                    HOTLINE_BATCH_EMBED_CALLS="0")
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


def test_embedded_batch_survives_a_killed_process(synth_day, tmp_path, batch_env, kit):
    import os
    import signal
    import subprocess

    day = tmp_path / "day"
    shutil.copytree(synth_day, day)
    db_url = f"sqlite:///{tmp_path / 'killed.db'}"
    env = batch_env(db_url, HOTLINE_PIPELINE_FACTORY="tests.support.standin:load",
                    HOTLINE_STANDIN_SECONDS="3", HOTLINE_BATCH_EMBED_CALLS="0")
    env.pop("HOTLINE_REDIS_URL", None)
    store = ResultsStore(Database(db_url))
    batch = subprocess.Popen([*kit.cmd(), "batch", str(day), "--workers", "2", "--json"],
                             cwd=kit.root, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        victim = kit.wait(lambda: next((r for r in store.rows() if r.status == "processing"),
                                       None), 60, "a process to start a call")
        os.kill(int(victim.worker_id.rsplit(".", 1)[1]), signal.SIGKILL)
        out, err = batch.communicate(timeout=120)
    finally:
        if batch.poll() is None:
            batch.kill()
    assert batch.returncode == 0, err
    assert "died" in err
    assert json.loads(out.strip().splitlines()[-1])["done"] == 4
    rows = store.rows()
    assert len(rows) == 4 and all(r.status == "done" for r in rows)
    assert store.get(victim.call_id).attempts == 2
