"""`hotline status` (one row per worker, no-worker warning, --watch) and `hotline requeue
--failed`, on a real redis-server with the model-free stand-in processor."""

from __future__ import annotations

import json
import shutil

import pytest

from hotline.store.db import Database
from hotline.store.results import ResultsStore

pytestmark = [pytest.mark.redis]


def _day(synth_day, tmp_path, n: int):
    day = tmp_path / "day"
    day.mkdir()
    for wav in sorted(synth_day.rglob("*.wav"))[:n]:
        shutil.copy(wav, day / wav.name)
        shutil.copy(wav.with_suffix(".json"), day / wav.with_suffix(".json").name)
    return day


def _status(kit, redis_url, env) -> dict:
    res = kit.run("status", "--redis", redis_url, "--json", env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_status_rows_per_worker_and_warning(synth_day, tmp_path, redis_url, batch_env, kit,
                                            workers):
    day = _day(synth_day, tmp_path, 2)
    db_url = f"sqlite:///{tmp_path / 'status.db'}"
    env = batch_env(db_url, HOTLINE_PIPELINE_FACTORY="tests.support.standin:load",
                    HOTLINE_BATCH_EMBED_CALLS="0", HOTLINE_STANDIN_SECONDS="30")
    assert kit.run("batch", str(day), "--redis", redis_url, "--no-follow",
                   env=env).returncode == 0
    waiting = _status(kit, redis_url, env)
    assert waiting["counts"]["queued"] == 2 and waiting["workers"] == []
    assert any("2 recordings wait and no worker is alive" in w for w in waiting["warnings"])
    table = kit.run("status", "--redis", redis_url, env=env, timeout=60).stdout
    assert "warning:" in table and "no worker is alive" in table

    workers.start("w1", redis_url, env)
    busy = kit.wait(lambda: next((s for s in [_status(kit, redis_url, env)]
                                  if s["workers"] and s["workers"][0]["call_id"]), None),
                    120, "w1 to take a job")
    row = busy["workers"][0]
    assert row["name"] == "w1" and row["state"] == "busy" and row["queues"] == ["hotline"]
    assert row["source"].endswith(".wav") and row["source"].startswith(str(day))
    assert 0 <= row["heartbeat_age_s"] < 60
    assert busy["warnings"] == []
    table = kit.run("status", "--redis", redis_url, env=env, timeout=60).stdout
    assert "w1" in table and "busy" in table and row["call_id"] in table
    watched = kit.run("status", "--redis", redis_url, "--json", "--watch", "0.2", "--times",
                      "3", env=env, timeout=60)
    assert watched.returncode == 0
    assert [json.loads(line)["workers"][0]["name"] for line in
            watched.stdout.strip().splitlines()] == ["w1", "w1", "w1"]


def test_requeue_failed_runs_them_again(synth_day, tmp_path, redis_url, batch_env, kit,
                                        workers):
    day = _day(synth_day, tmp_path, 1)
    db_url = f"sqlite:///{tmp_path / 'requeue.db'}"
    (tmp_path / "flaky").mkdir()
    env = batch_env(db_url, HOTLINE_PIPELINE_FACTORY="flaky_pipeline:load",
                    HOTLINE_FLAKY_DIR=str(tmp_path / "flaky"), HOTLINE_BATCH_MAX_ATTEMPTS="1",
                    HOTLINE_BATCH_EMBED_CALLS="0")
    workers.start("w1", redis_url, env)
    first = kit.run("batch", str(day), "--redis", redis_url, "--json", env=env, timeout=120)
    assert first.returncode == 1
    store = ResultsStore(Database(db_url))
    [failed] = store.rows("failed")
    res = kit.run("requeue", "--failed", "--redis", redis_url, env=env, timeout=60)
    assert res.returncode == 0 and "requeued 1 failed" in res.stdout
    assert failed.call_id in res.stdout
    row = kit.wait(lambda: next((r for r in store.rows() if r.status == "done"), None), 120,
                   "the requeued call to finish")
    assert row.call_id == failed.call_id and row.attempts == 1 and row.error is None
    again = kit.run("requeue", "--failed", env=env, timeout=60)
    assert "requeued 0 failed" in again.stdout
