"""Batch/queue benchmark: queue overhead per job, model loads per worker, call-hours per hour.

1. Queue overhead: a no-op job through the real `hotline worker` (HotlineWorker = SimpleWorker
   + keeper thread, JSON serializer) on a private redis-server. Latency = enqueue -> start ->
   done of one job at a time (RQ's own timestamps); throughput overhead = wall time per job
   when many are queued at once. Goal: <= 50 ms per job.
2. Model loads per worker: every real job reports how many pipeline loads its process did.
   Goal: 1.
3. Throughput: `hotline batch --redis` over rendered synthetic calls with the real pipeline and
   1, then 2 workers (models loaded before the clock starts); audio hours per wall-clock hour.

    .venv/bin/python scripts/bench_queue.py [--calls 4] [--noop-jobs 300] [--skip-real]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=4, help="synthetic calls for the throughput run")
    ap.add_argument("--noop-jobs", type=int, default=300)
    ap.add_argument("--skip-real", action="store_true", help="only the queue-overhead part")
    ap.add_argument("--workers", default="1,2", help="worker counts for the throughput run")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_queue_"))
    redis_proc, url = start_redis(tmp)
    results: dict[str, object] = {}
    try:
        results["queue_overhead"] = bench_overhead(url, tmp, args.noop_jobs)
        if not args.skip_real:
            day = render_day(tmp / "day", args.calls)
            results["throughput"] = [bench_throughput(url, tmp, day, int(n))
                                     for n in args.workers.split(",")]
    finally:
        redis_proc.terminate()
        redis_proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results, indent=2))
    return 0


# --- infrastructure ---------------------------------------------------------------------------
def start_redis(tmp: Path) -> tuple[subprocess.Popen, str]:
    from tests.support.localnet import start_redis as start

    proc, port = start(tmp)
    return proc, f"redis://127.0.0.1:{port}/0"


def hotline_cmd() -> list[str]:
    return [sys.executable, "-m", "hotline.cli"]


def env_for(db_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ, HOTLINE_DB_URL=db_url, PYTHONPATH=str(ROOT), HOTLINE_LOG_LEVEL="WARNING",
               HOTLINE_BATCH_POLL_S="0.5")
    env.update(extra)
    return env


def start_workers(n: int, url: str, env: dict[str, str], tmp: Path, tag: str) -> list:
    procs = []
    for i in range(n):
        log = open(tmp / f"{tag}-w{i}.log", "wb")
        procs.append(subprocess.Popen([*hotline_cmd(), "worker", "--redis", url, "--name",
                                       f"{tag}-w{i}", "--device", "cpu"],
                                      cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    return procs


def wait_ready(url: str, n: int, timeout: float = 600) -> float:
    """Workers register with RQ only after their models are loaded; returns seconds waited."""
    import redis
    from rq import Worker

    conn = redis.Redis.from_url(url)
    start = time.time()
    while len(Worker.all(connection=conn)) < n:
        if time.time() - start > timeout:
            raise SystemExit("workers did not come up")
        time.sleep(0.2)
    return time.time() - start


def stop(procs: list) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


# --- 1. queue overhead ------------------------------------------------------------------------
def bench_overhead(url: str, tmp: Path, n: int) -> dict[str, float]:
    import redis
    from rq import Queue
    from rq.serializers import JSONSerializer

    env = env_for(f"sqlite:///{tmp / 'noop.db'}", HOTLINE_PIPELINE_FACTORY="tests.support.standin:load")
    procs = start_workers(1, url, env, tmp, "noop")
    try:
        wait_ready(url, 1)
        conn = redis.Redis.from_url(url)
        queue = Queue("hotline", connection=conn, serializer=JSONSerializer)
        latency, wait_ms, run_ms = [], [], []
        for i in range(min(n, 200)):           # one at a time: the latency a job pays
            job = queue.enqueue("tests.support.standin.noop", i)
            while job.get_status() != "finished":
                time.sleep(0.001)
            job.refresh()
            latency.append((job.ended_at - job.enqueued_at).total_seconds() * 1000)
            wait_ms.append((job.started_at - job.enqueued_at).total_seconds() * 1000)
            run_ms.append((job.ended_at - job.started_at).total_seconds() * 1000)
        start = time.perf_counter()             # many at once: the throughput cost per job
        jobs = [queue.enqueue("tests.support.standin.noop", i) for i in range(n)]
        while jobs[-1].get_status() != "finished":
            time.sleep(0.005)
        per_job = (time.perf_counter() - start) * 1000 / n
    finally:
        stop(procs)
    return {
        "latency_ms_p50": round(statistics.median(latency), 2),
        "latency_ms_p95": round(pct(latency, 0.95), 2),
        "enqueue_to_start_ms_p50": round(statistics.median(wait_ms), 2),
        "start_to_done_ms_p50": round(statistics.median(run_ms), 2),
        "burst_ms_per_job": round(per_job, 2),
        "jobs": n,
    }


# --- 3. throughput with the real pipeline -----------------------------------------------------
def render_day(out: Path, n: int) -> Path:
    from hotline.synth.render import render_call
    from hotline.synth.scenarios import build_scenarios

    for scenario in build_scenarios(seed=5, n=n, languages=("en",)):
        render_call(scenario, out)
    return out


def bench_throughput(url: str, tmp: Path, day: Path, workers: int) -> dict[str, float]:
    import redis

    redis.Redis.from_url(url).flushdb()
    db_url = f"sqlite:///{tmp / f'real{workers}.db'}"
    env = env_for(db_url)
    procs = start_workers(workers, url, env, tmp, f"real{workers}")
    try:
        load_s = wait_ready(url, workers)
        start = time.perf_counter()
        res = subprocess.run([*hotline_cmd(), "batch", str(day), "--redis", url, "--json"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
        wall = time.perf_counter() - start
    finally:
        stop(procs)
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    loads = model_loads(url, db_url)
    audio_s = summary["audio_hours"] * 3600
    return {
        "workers": workers, "calls": summary["total"], "done": summary["done"],
        "failed": summary["failed"], "audio_s": round(audio_s, 1), "wall_s": round(wall, 1),
        "audio_hours_per_wall_hour": round(audio_s / wall, 2),
        "model_load_s": round(load_s, 1), "model_loads_per_worker": loads,
    }


def model_loads(url: str, db_url: str) -> list[int]:
    """The `loads` each job reported: 1 everywhere = one model load per worker process."""
    import redis
    from rq.job import Job
    from rq.serializers import JSONSerializer

    from hotline.store.db import Database
    from hotline.store.results import ResultsStore

    conn = redis.Redis.from_url(url)
    per_worker: dict[str, int] = {}
    for row in ResultsStore(Database(db_url)).rows("done"):
        outcome = Job.fetch(row.job_id, connection=conn, serializer=JSONSerializer).return_value()
        per_worker[row.worker_id] = max(per_worker.get(row.worker_id, 0), outcome["loads"])
    return sorted(per_worker.values())


if __name__ == "__main__":
    sys.exit(main())
