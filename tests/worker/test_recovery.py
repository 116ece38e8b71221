"""Crash/blip recovery on a real redis-server: lost Redis writes, transient errors, bad URLs.

These drills use the model-free stand-in processor (`tests.support.standin`, real audio decoding):
they exercise the queue machinery, which does not depend on what the models say.
"""

from __future__ import annotations

import json
import shutil

import pytest

from hotline.store.db import Database
from hotline.store.results import ResultsStore

pytestmark = [pytest.mark.redis]

STANDIN = {"HOTLINE_PIPELINE_FACTORY": "tests.support.standin:load", "HOTLINE_BATCH_EMBED_CALLS": "0"}


def _day(synth_day, tmp_path, n: int = 2):
    day = tmp_path / "day"
    day.mkdir()
    for wav in sorted(synth_day.rglob("*.wav"))[:n]:
        shutil.copy(wav, day / wav.name)
        shutil.copy(wav.with_suffix(".json"), day / wav.with_suffix(".json").name)
    return day


def test_reconciler_requeues_jobs_redis_lost(synth_day, tmp_path, redis_url, batch_env, kit,
                                             workers):
    """Enqueue, then Redis loses everything (restart without persistence): the store still
    says pending, and the reconciler run by `hotline batch` re-enqueues the recordings."""
    import redis

    day = _day(synth_day, tmp_path)
    db_url = f"sqlite:///{tmp_path / 'lost.db'}"
    env = batch_env(db_url, **STANDIN)
    queued = kit.run("batch", str(day), "--redis", redis_url, "--no-follow", env=env)
    assert queued.returncode == 0 and "2 enqueued" in queued.stderr, queued.stderr
    redis.Redis.from_url(redis_url).flushdb()             # the jobs are gone
    workers.start("w1", redis_url, env)
    done = kit.run("batch", str(day), "--redis", redis_url, "--json", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["done"] == 2
    assert len(ResultsStore(Database(db_url)).rows()) == 2


def test_transient_errors_are_retried_with_backoff(synth_day, tmp_path, redis_url, batch_env,
                                                   kit, workers):
    day = _day(synth_day, tmp_path)
    db_url = f"sqlite:///{tmp_path / 'flaky.db'}"
    (tmp_path / "flaky").mkdir()
    env = batch_env(db_url, HOTLINE_PIPELINE_FACTORY="flaky_pipeline:load",
                    HOTLINE_FLAKY_DIR=str(tmp_path / "flaky"), HOTLINE_BATCH_EMBED_CALLS="0")
    workers.start("w1", redis_url, env)
    done = kit.run("batch", str(day), "--redis", redis_url, "--json", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = ResultsStore(Database(db_url)).rows()
    assert [(r.status, r.attempts) for r in rows] == [("done", 2), ("done", 2)]
    log = workers.log("w1")
    assert "will be retried" in log and "scheduled for retry" in log


def test_transient_errors_end_failed_after_max_attempts(synth_day, tmp_path, redis_url,
                                                        batch_env, kit, workers):
    day = _day(synth_day, tmp_path, n=1)
    db_url = f"sqlite:///{tmp_path / 'flaky1.db'}"
    (tmp_path / "flaky").mkdir()
    env = batch_env(db_url, HOTLINE_PIPELINE_FACTORY="flaky_pipeline:load",
                    HOTLINE_FLAKY_DIR=str(tmp_path / "flaky"), HOTLINE_BATCH_MAX_ATTEMPTS="1",
                    HOTLINE_BATCH_EMBED_CALLS="0")
    workers.start("w1", redis_url, env)
    done = kit.run("batch", str(day), "--redis", redis_url, "--json", env=env, timeout=120)
    assert done.returncode == 1
    failure = json.loads(done.stdout.strip().splitlines()[-1])["failures"][0]
    assert failure["error"].startswith("TransientError: simulated lost connection")
    assert failure["permanent"] is False and failure["attempts"] == 1
    # after the cause is fixed, `hotline requeue --failed` runs it again (the flaky processor
    # only fails a call's first attempt)
    store = ResultsStore(Database(db_url))
    res = kit.run("requeue", "--failed", "--redis", redis_url, env=env, timeout=60)
    assert res.returncode == 0 and "requeued 1 failed" in res.stdout
    assert failure["call_id"] in res.stdout
    row = kit.wait(lambda: next((r for r in store.rows() if r.status == "done"), None), 120,
                   "the requeued call to finish")
    assert row.call_id == failure["call_id"] and row.attempts == 1 and row.error is None
    assert "requeued 0 failed" in kit.run("requeue", "--failed", env=env, timeout=60).stdout


def _status(kit, redis_url, env) -> dict:
    res = kit.run("status", "--redis", redis_url, "--json", env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_status_rows_per_worker_and_warning(synth_day, tmp_path, redis_url, batch_env, kit,
                                            workers):
    day = _day(synth_day, tmp_path, 2)
    db_url = f"sqlite:///{tmp_path / 'status.db'}"
    env = batch_env(db_url, **STANDIN, HOTLINE_STANDIN_SECONDS="30")
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


@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0", "rediss://:s3cret@127.0.0.1:1/0",
                                 "redis://user:s3cret@127.0.0.1:1/0"])
def test_unreachable_redis_is_one_clear_line(url, tmp_path, batch_env, kit):
    env = batch_env(f"sqlite:///{tmp_path / 'x.db'}")
    for args in (["batch", str(tmp_path), "--redis", url], ["worker", "--redis", url],
                 ["status", "--redis", url]):
        res = kit.run(*args, env=env, timeout=60)
        assert res.returncode == 2, res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot reach Redis" in lines[0], res.stderr
        assert "Traceback" not in res.stderr and "s3cret" not in res.stderr


def test_tls_and_password_urls_reach_a_real_server(redis_server, tmp_path):
    """A password-protected URL connects (the password travels in the URL); a rediss:// URL
    against a plain-text port fails with the one-line error rather than hanging."""
    import redis

    from hotline.errors import ConfigError
    from hotline.worker.queue import connect

    conn = redis.Redis.from_url(redis_server["url"])
    conn.acl_setuser("hotline", enabled=True, passwords=["+pw"], keys=["*"], commands=["+@all"],
                     channels=["*"])
    try:
        port = redis_server["port"]
        assert connect(f"redis://hotline:pw@127.0.0.1:{port}/0").ping()
        with pytest.raises(ConfigError, match="cannot reach Redis"):
            connect(f"redis://hotline:wrong@127.0.0.1:{port}/0")
        with pytest.raises(ConfigError, match=r"rediss://hotline:\*\*\*@"):
            connect(f"rediss://hotline:pw@127.0.0.1:{port}/0")
    finally:
        conn.acl_deluser("hotline")


@pytest.fixture
def tls_redis(tmp_path):
    """A private redis-server speaking only TLS, with a password and a self-signed cert."""
    import shutil as sh
    import subprocess

    from tests.support.localnet import start_redis

    if not sh.which("openssl"):
        pytest.fail("openssl is needed to make the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    proc, port = start_redis(tmp_path, "--tls-cert-file", str(cert), "--tls-key-file", str(key),
                             "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no",
                             "--requirepass", "s3cret", tls=True)
    yield f"rediss://:s3cret@127.0.0.1:{port}/0?ssl_ca_certs={cert}"
    proc.terminate()
    proc.wait(timeout=10)


def test_batch_over_tls_with_password(tls_redis, synth_day, tmp_path, batch_env, kit, workers):
    day = _day(synth_day, tmp_path, n=1)
    db_url = f"sqlite:///{tmp_path / 'tls.db'}"
    env = batch_env(db_url, **STANDIN)
    workers.start("tls-w1", tls_redis, env)
    done = kit.run("batch", str(day), "--redis", tls_redis, "--json", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["done"] == 1
    assert "s3cret" not in done.stderr + workers.log("tls-w1")
    wrong = kit.run("status", "--redis", tls_redis.replace("s3cret", "nope"), env=env, timeout=60)
    assert wrong.returncode == 2 and "cannot reach Redis" in wrong.stderr


def test_reconcile_decisions(redis_url, tmp_path):
    """Store vs queue, one case each: lost job, dead worker, dead on the last attempt, queued."""
    import time

    import redis

    from hotline.settings import BatchSettings
    from hotline.worker.queue import enqueue, job_state, make_queue, reconcile

    cfg = BatchSettings(heartbeat_s=0.1, lease_s=0.5, max_attempts=2, backoff_s=(1,))
    store = ResultsStore(Database(f"sqlite:///{tmp_path / 'r.db'}"))
    queue = make_queue(redis.Redis.from_url(redis_url), "hotline")
    for cid in ("lost", "dead", "dead_last", "queued"):
        store.register(cid, f"/calls/{cid}.wav", duration=10.0)
    enqueue(queue, store, "queued", "/calls/queued.wav", 10.0, cfg)
    assert store.claim("dead", "w-dead") == 1
    assert store.claim("dead_last", "w-dead") == 1
    store.mark_failed("dead_last", "blip", permanent=False, max_attempts=2)
    assert store.claim("dead_last", "w-dead") == 2
    time.sleep(0.6)                                       # every lease runs out

    report = reconcile(queue, store, cfg)
    assert (report.requeued, report.failed, report.waiting) == (2, 1, 1)
    assert store.get("lost").status == "pending" and job_state(queue.connection,
                                                               store.get("lost").job_id) == "queued"
    dead = store.get("dead")
    assert dead.status == "pending" and "abandoned" in dead.error and dead.attempts == 1
    last = store.get("dead_last")
    assert last.status == "failed" and "abandoned" in last.error
    assert queue.count == 3                               # queued + the two re-enqueued
