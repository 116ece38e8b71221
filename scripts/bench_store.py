"""Store benchmark at scale: saving calls, report range reads (7 and 30 days), the daily
report, forget one caller, purge one day — on SQLite and PostgreSQL.

Redacted synthetic calls (those of scripts/bench_search.py) are cloned with new ids, dates
(`--days` days ending 2026-11-30) and callers (about 4 calls each) until the store holds
`--turns` turns. Range reads are timed side by side: full documents (baseline: what the report
read before schema v5) vs the turn-free summaries it reads now.

    .venv/bin/python scripts/bench_store.py --backend sqlite --turns 1000000
    .venv/bin/python scripts/bench_store.py --backend postgresql --turns 1000000 --index
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# everything imported up front: a long run must not pick up files edited meanwhile
from hotline.privacy.redact import caller_hash  # noqa: E402
from hotline.report.daily import build_report, compute_report, to_csv, to_json, window  # noqa: E402
from hotline.report.ranges import compute_range, range_numbers  # noqa: E402
from hotline.search.index import SearchIndex  # noqa: E402
from hotline.store.db import Database  # noqa: E402
from hotline.store.forget import forget_caller  # noqa: E402
from hotline.store.results import ResultsStore  # noqa: E402
from hotline.store.retention import purge_before  # noqa: E402
from scripts.bench_search import _pct, _pg_scratch, base_docs  # noqa: E402

LAST_DAY = dt.date(2026, 11, 30)
AS_OF = dt.datetime(2026, 12, 1, 9, 0)    # complaint deadlines judged at one time on both paths


def clones(base: list, turns: int, days: int) -> Iterator:
    """Copies of `base` with their own id, date, agent and caller until `turns` turns."""
    total, i = 0, 0
    callers = max(1, turns // 60)            # ~15 turns a call, ~4 calls a caller
    while total < turns:
        doc = copy.deepcopy(base[i % len(base)])
        doc.call_id = f"store{i:08d}"
        doc.metadata["date"] = (LAST_DAY - dt.timedelta(days=i % days)).isoformat()
        doc.metadata["agent_id"] = f"A{100 + i % 40}"
        doc.metadata["caller_hash"] = caller_hash(caller_number(i % callers))
        total += len(doc.turns)
        i += 1
        yield doc


def with_words(docs: list) -> list:
    """Word timings back on every turn (bench_search drops them; stored documents have them,
    and they are most of a document's bytes)."""
    from hotline.document import Word

    for doc in docs:
        for turn in doc.turns:
            text = turn.text or ""
            words = text.split() if " " in text else list(text)     # zh: per character
            step = (turn.end - turn.start) / max(len(words), 1)
            turn.words = [Word(w, round(turn.start + i * step, 2),
                               round(turn.start + (i + 1) * step, 2), 0.9)
                          for i, w in enumerate(words)]
    return docs


def caller_number(n: int) -> str:
    return f"138{n:08d}"


def _timed(fn, repeats: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def fill(db, base: list, turns: int, days: int, index: bool) -> dict:
    store = ResultsStore(db)
    idx = SearchIndex(db) if index else None
    if db.dialect == "postgresql":           # a bench load, not the batch's durability
        db.execute("SET synchronous_commit TO OFF")
    n_calls = n_turns = 0
    save_s = index_s = 0.0
    chunk: list = []
    for doc in clones(base, turns, days):
        n_calls, n_turns = n_calls + 1, n_turns + len(doc.turns)
        chunk.append(doc)
        if len(chunk) >= 500:
            save_s, index_s = _store_chunk(store, idx, chunk, save_s, index_s)
            chunk = []
    if chunk:
        save_s, index_s = _store_chunk(store, idx, chunk, save_s, index_s)
    if db.dialect == "postgresql":
        db.execute("ANALYZE")
    out = {"calls": n_calls, "turns": n_turns, "save_calls_per_s": round(n_calls / save_s),
           "save_turns_per_s": round(n_turns / save_s)}
    if idx is not None:
        out["index_turns_per_s"] = round(n_turns / index_s)
    return out


def _store_chunk(store, idx, chunk: list, save_s: float, index_s: float) -> tuple[float, float]:
    t = time.perf_counter()
    store.save_documents(chunk)
    save_s += time.perf_counter() - t
    if idx is not None:
        t = time.perf_counter()
        idx.index_many(chunk, batch=500)
        index_s += time.perf_counter() - t
    return save_s, index_s


def reports(db, repeats: int) -> dict:
    store = ResultsStore(db)
    out = {}
    for days in (7, 30):
        since = (LAST_DAY - dt.timedelta(days=days - 1)).isoformat()
        for words in (True, False):       # the baseline once: it is the slow one
            times, docs = _timed(lambda s=since, w=words: list(
                store.iter_documents(s, LAST_DAY.isoformat(), turns=w)), 1 if words else repeats)
            key = f"read_{days}d_{'documents' if words else 'summaries'}"
            out[key] = {"p50_s": round(_pct(times, 50), 2), "p95_s": round(_pct(times, 95), 2),
                        "calls": len(docs)}
        times, _ = _timed(lambda d=docs: compute_report(d, LAST_DAY.isoformat()), repeats)
        out[f"compute_{days}d"] = {"p50_s": round(_pct(times, 50), 2),
                                   "p95_s": round(_pct(times, 95), 2)}
    since, until = window(LAST_DAY.isoformat())
    base, _ = _timed(lambda: compute_report(list(store.iter_documents(since, until)),
                                            LAST_DAY.isoformat()), 1)
    now, _ = _timed(lambda: build_report(store, LAST_DAY.isoformat()), repeats)
    out["daily_report"] = {"baseline_p50_s": round(_pct(base, 50), 2),
                           "p50_s": round(_pct(now, 50), 2), "p95_s": round(_pct(now, 95), 2),
                           "ratio": round(_pct(now, 50) / _pct(base, 50), 2)}
    return out


def range_views(db, repeats: int) -> dict:
    """The 7- and 30-day views (every day's headline numbers), before → after: summaries
    read and counted in Python (the range ± the KPI windows) vs SQL over the call columns."""
    store, out = ResultsStore(db), {}
    for days in (7, 30):
        since = (LAST_DAY - dt.timedelta(days=days - 1)).isoformat()
        lo = (LAST_DAY - dt.timedelta(days=days - 1 + 7)).isoformat()
        hi = (LAST_DAY + dt.timedelta(days=7)).isoformat()
        base, python = _timed(lambda s=since, lo=lo, hi=hi: compute_range(
            list(store.iter_documents(lo, hi, turns=False)), s, LAST_DAY.isoformat()), 1)
        now, sql = _timed(lambda s=since: range_numbers(store, s, LAST_DAY.isoformat()), repeats)
        out[f"view_{days}d"] = {"python_s": round(base[0], 2), "sql_p50_s": round(_pct(now, 50), 3),
                                "sql_p95_s": round(_pct(now, 95), 3),
                                "ratio": round(_pct(now, 50) / base[0], 3),
                                "identical": sql == python}
    return out


def daily_view(db, repeats: int) -> dict:
    """The daily report of the last day, before → after: every turn-free summary of its
    ±7-day window read and counted in Python (`compute_report`, what `build_report` did
    before) vs the day's summaries + SQL over the call columns (`build_report` now)."""
    store, day = ResultsStore(db), LAST_DAY.isoformat()
    base, python = _timed(lambda: compute_report(
        list(store.iter_documents(*window(day), turns=False)), day, AS_OF), 1)
    now, sql = _timed(lambda: build_report(store, day, AS_OF), repeats)
    return {"python_s": round(base[0], 2), "sql_p50_s": round(_pct(now, 50), 3),
            "sql_p95_s": round(_pct(now, 95), 3), "ratio": round(_pct(now, 50) / base[0], 3),
            "identical": to_json(sql) == to_json(python) and to_csv(sql) == to_csv(python)}


def erasure(db, data_dir: str) -> dict:
    t = time.perf_counter()
    forgotten = forget_caller(db, caller_number(7), data_dir)
    forget_s = time.perf_counter() - t
    first = (LAST_DAY - dt.timedelta(days=28)).isoformat()
    t = time.perf_counter()
    purged = purge_before(db, first, data_dir)
    purge_s = time.perf_counter() - t
    return {"forget_s": round(forget_s, 2), "forget_calls": forgotten.erased.calls,
            "purge_s": round(purge_s, 2), "purge_calls": purged.calls}


def sizes(db) -> dict:
    """MiB on disk: per table with its indexes (PostgreSQL), the whole file (SQLite)."""
    if db.dialect == "sqlite":
        path = Path(db.url[len("sqlite:///"):])
        return {"file_mib": round(path.stat().st_size / 2**20)}
    rows = db.execute("SELECT relname AS t, pg_total_relation_size(oid) AS total, "
                      "pg_indexes_size(oid) AS idx FROM pg_class WHERE relkind = 'r' "
                      "AND relnamespace = 'public'::regnamespace ORDER BY total DESC")
    return {r["t"]: {"total_mib": round(r["total"] / 2**20),
                     "index_mib": round(r["idx"] / 2**20)} for r in rows if r["total"] > 2**20}


def bench(url: str, base: list, args: argparse.Namespace) -> dict:
    db = Database(url)
    out = {"backend": db.dialect, **fill(db, base, args.turns, args.days, args.index)}
    print(f"  filled: {out}", flush=True)
    out["sizes"] = sizes(db)
    out["range_views"] = range_views(db, args.repeats)
    print(f"  range views: {out['range_views']}", flush=True)
    out["daily_view"] = daily_view(db, args.repeats)
    print(f"  daily report: {out['daily_view']}", flush=True)
    if args.only_ranges:
        db.close()
        return out
    out["reports"] = reports(db, args.repeats)
    with tempfile.TemporaryDirectory() as data_dir:
        out["erasure"] = erasure(db, data_dir)
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    db.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    ap.add_argument("--turns", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=30, help="days the calls are spread over")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--index", action="store_true", help="also fill the search index (forget "
                    "and purge then erase index rows too)")
    ap.add_argument("--only-ranges", action="store_true", help="fill, then only the range "
                    "views and the daily report (skips the slow full-document baselines and "
                    "the erasure timings)")
    ap.add_argument("--json", metavar="OUT", help="also write the numbers as JSON")
    args = ap.parse_args()
    base = with_words(base_docs())
    out = []
    for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                out.append(bench(f"sqlite:///{tmp}/bench.db", base, args))
        else:
            url, admin, name = _pg_scratch("hotline_storebench")
            try:
                out.append(bench(url, base, args))
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(json.dumps(out[-1], indent=1), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
