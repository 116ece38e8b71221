"""Benchmark /metrics' stage seconds on a big results store (SQLite).

Fills a temp store with N done calls (a document of ~DOC_KB each, so rows spill into
overflow pages as real ones do, and stage timings), then times, p50/p95 over repeats:

- baseline: one SQL aggregate over every row's timings JSON (json_each), what a scrape would
  cost if it recomputed the totals;
- `StageTotals.refresh` the first time (reads every row once, in keyset batches);
- `StageTotals.refresh` after K new calls (what every later scrape costs);
- a whole authenticated `GET /metrics` through the app (TestClient, lifespan run).

    .venv/bin/python scripts/bench_metrics.py [--calls 20000] [--doc-kb 8] [--new 50]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EVERY_S = 5.0       # one call finished every 5 s across all workers (~17k a day)
STAGES = {"decode": 0.1, "asr": 3.2, "diarization": 1.1, "roles": 0.05, "emotion": 0.4,
          "analytics": 0.2, "redaction": 0.01, "total": 5.06}


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def _rows(start: int, n: int, doc: str, t0: float, version: str, every_s: float) -> list[tuple]:
    """Calls c<start>… finishing every `every_s` seconds from `t0`."""
    timings = json.dumps(STAGES)
    return [(f"c{i:08d}", version, "/x.wav", "done", 1, doc, 60.0, timings, "2026-11-20",
             t0 + (i - start) * every_s, t0 + (i - start) * every_s, t0 + (i - start) * every_s)
            for i in range(start, start + n)]


def _insert(db, rows: list[tuple]) -> None:
    from hotline.store.results import TABLE

    db.executemany(f"""INSERT INTO {TABLE} (call_id, pipeline_version, source, status,
                       attempts, document, duration, timings, call_date, created_at,
                       updated_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""", rows)


def _baseline(db, version: str) -> dict:
    from hotline.store.results import TABLE

    return db.execute(f"""SELECT t.key, COUNT(*) AS n, SUM(t.value) AS s
                          FROM {TABLE} AS r, json_each(r.timings) AS t
                          WHERE r.pipeline_version = ? AND r.status = 'done'
                          GROUP BY t.key""", (version,))


def _time(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _print_table(args: argparse.Namespace, rows: dict[str, list[float]]) -> None:
    """p50/p95 of each measurement and its speed-up over the first row (the baseline)."""
    print(f"store: {args.calls} done calls, ~{args.doc_kb} KB document each (SQLite)")
    print(f"{'what':44} {'p50 ms':>9} {'p95 ms':>9} {'vs baseline':>12}")
    b50 = statistics.median(next(iter(rows.values())))
    for name, xs in rows.items():
        p50 = statistics.median(xs)
        print(f"{name:44} {p50:9.1f} {_pct(xs, 95):9.1f} {b50 / p50:11.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--doc-kb", type=int, default=8)
    ap.add_argument("--new", type=int, default=50, help="calls finished between two scrapes")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from hotline import defaults
    from hotline.settings import Settings
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore
    from hotline.web.app import create_app
    from hotline.web.ops import StageTotals

    tmp = Path(tempfile.mkdtemp(prefix="bench_metrics_"))
    db_url, version = f"sqlite:///{tmp / 'hotline.db'}", defaults.PIPELINE_VERSION
    db = Database(db_url)
    store = ResultsStore(db)
    doc = json.dumps({"turns": ["x" * 100] * (args.doc_kb * 10)})
    t0 = time.time() - args.calls * EVERY_S            # a call finished every EVERY_S so far
    for start in range(0, args.calls, 5000):
        _insert(db, _rows(start, min(5000, args.calls - start), doc,
                          t0 + start * EVERY_S, version, EVERY_S))

    base = _time(lambda: _baseline(db, version), args.repeats)
    first = _time(lambda: StageTotals().refresh(store), args.repeats)
    totals, added, incr = StageTotals(), args.calls, []
    totals.refresh(store)
    for _ in range(args.repeats):
        _insert(db, _rows(added, args.new, doc, time.time(), version, 0.01))
        added += args.new
        incr += _time(lambda: totals.refresh(store), 1)
    db.close()

    settings = Settings(db_url=db_url, data_dir=str(tmp), metrics_token="bench")
    with TestClient(create_app(settings)) as client:
        auth = {"Authorization": "Bearer bench"}
        cold = _time(lambda: client.get("/metrics", headers=auth), 1)
        warm = _time(lambda: client.get("/metrics", headers=auth), args.repeats * 4)
    shutil.rmtree(tmp, ignore_errors=True)

    _print_table(args, {"baseline: SQL aggregate over all rows": base,
                        "StageTotals first refresh (all rows)": first,
                        f"StageTotals refresh after {args.new} new calls": incr,
                        "GET /metrics, first scrape": cold,
                        "GET /metrics, later scrapes": warm})


if __name__ == "__main__":
    main()
