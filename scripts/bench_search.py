"""Search benchmark: indexing throughput (turns/s) and query latency p50/p95 at 100k-1M turns.

400 synthetic EN + ZH calls (synth/) are redacted once, then cloned with new call ids, dates and
agents until the index holds `--turns` turns: 1 % a call per transaction (the batch job's
path, the baseline), 5 % through index_many with worker processes (text preparation included),
the rest as prepared rows through the bulk writer (COPY on PostgreSQL) — text preparation is
timed apart, on the unique calls. The clones of the first two parts get unique customer
text (`--text varied`, the default: two corpus words appended to each customer turn), so
per-text caches are not flattered by 400 calls repeated; `--text repeated` clones as they
are. Then a mix of QA queries (keywords, phrases, both languages,
filters, the "cancel + angry this week" goal, partial and fuzzy answers, whole calls) is run.

    .venv/bin/python scripts/bench_search.py --backend sqlite --turns 100000
    .venv/bin/python scripts/bench_search.py --backend postgresql --turns 1000000 --embed-calls 0
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

QUERIES = [       # (name, query, filters, extra search() arguments)
    ("goal: cancel+customer+angry+week", "cancel",
     {"role": "customer", "emotion": "angry", "date_from": "2026-11-15",
      "date_to": "2026-11-21"}, {}),
    ("cancel+customer+angry, all dates", "cancel", {"role": "customer", "emotion": "angry"}, {}),
    ("complaint+customer+angry+week", "complaint",
     {"role": "customer", "emotion": "angry", "date_from": "2026-11-15",
      "date_to": "2026-11-21"}, {}),
    ("en keyword", "refund", {}, {}),
    ("en keyword, page 6", "refund", {}, {"offset": 100}),
    ("en two keywords", "signal weak", {}, {}),
    ("en phrase", '"cancel my"', {}, {}),
    ("en keyword + agent", "charged", {"agent": "A110"}, {}),
    ("en keyword + rule", "sorry", {"rule": "greeting.missing"}, {}),
    ("zh keyword", "取消", {}, {}),
    ("zh keywords", "信号 恢复", {}, {}),
    ("zh phrase", '"银行卡号"', {}, {}),
    ("zh keyword + customer + angry", "投诉", {"role": "customer", "emotion": "angry"}, {}),
    ("filters only", "", {"intent": "billing.refund_request", "role": "customer"}, {}),
    ("frequent word", "thank", {}, {}),
    ("substring fallback", "码过", {}, {}),
    ("fuzzy fallback", "cancle", {}, {}),
    ("function words optional", "not my department", {}, {}),
    ("no turn holds all terms", "roaming refund", {}, {}),
    ("call: keywords across turns", "refund charged", {}, {"by": "call"}),
    ("call: phrase", '"cancel my"', {}, {"by": "call"}),
    ("call: filtered", "cancel", {"role": "customer", "emotion": "angry"}, {"by": "call"}),
    ("call: date + rule", "sorry", {"rule": "greeting.missing", "date_from": "2026-11-01"},
     {"by": "call"}),
    ("call: zh keywords", "信号 恢复", {}, {"by": "call"}),
    ("call: frequent word", "thank", {}, {"by": "call"}),
    ("call: fuzzy", "cancle", {}, {"by": "call"}),
]


def base_docs(seed: int = 5, n: int = 400) -> list:
    """Unique redacted synthetic EN + ZH documents (word timings dropped: not indexed)."""
    from hotline.privacy.redact import redact_document
    from hotline.synth.scenarios import build_scenarios
    from hotline.synth.truth import to_index_document

    return [redact_document(to_index_document(t)) for t in build_scenarios(seed=seed, n=n)]


def _clone_fields(i: int, seed: int) -> tuple[str, str, str]:
    """Call id, date (52 days from 2026-10-01) and agent of clone `i` (the same for a
    document clone and a prepared clone)."""
    rng = random.Random(seed * 1_000_003 + i)
    day = dt.date(2026, 10, 1) + dt.timedelta(days=rng.randint(0, 51))
    return f"bench{i:07d}", day.isoformat(), f"A{100 + rng.randint(0, 39)}"


def clone_docs(base: list, start: int, target_turns: int, seed: int = 5) -> list:
    """Documents `start`, `start`+1, … cloned from `base` until they hold `target_turns`."""
    docs, turns, i = [], 0, start
    while turns < target_turns:
        doc = copy.copy(base[i % len(base)])
        doc.call_id, day, agent = _clone_fields(i, seed)
        doc.metadata = {**doc.metadata, "date": day, "agent_id": agent}
        docs.append(doc)
        turns += len(doc.turns)
        i += 1
    return docs


def vary_docs(docs: list, base: list, seed: int = 5) -> tuple[list, int]:
    """`docs` (clones) with each customer turn made unique to its call: two words drawn from
    the corpus's own vocabulary appended (English words, or two Chinese characters twice), so
    per-text caches see real calls' mix of repeated script lines and unique customer text
    instead of 400 calls' lines over and over. A clone the PII re-check would refuse after
    the change (a reference number's context pushed out of reach) keeps its text; returns
    (documents, how many kept their text)."""
    from hotline.privacy.redact import RedactionFailed
    from hotline.search.rows import assert_indexable

    en, zh = _vocabulary(base)
    out, kept = [], 0
    for doc in docs:
        rng = random.Random(f"{seed}:{doc.call_id}")
        varied = copy.copy(doc)
        varied.turns = [copy.copy(t) for t in doc.turns]
        for t in varied.turns:
            if t.role == "customer":
                t.text = (t.text or "") + (" " + " ".join(rng.sample(en, 2)) if
                                           doc.language != "zh" else "".join(rng.sample(zh, 2)))
        try:
            assert_indexable(varied, varied.metadata.get("agent_id"))
        except RedactionFailed:
            varied, kept = doc, kept + 1
        out.append(varied)
    return out, kept


def _vocabulary(base: list) -> tuple[list[str], list[str]]:
    """English words (4+ letters) and Chinese character pairs of `base`, none of them a number
    word, numeral, filler or e-mail ending (appending them cannot make a number longer)."""
    from hotline.privacy import redact as R

    numbers = {*R._EN_DIGITS, *R._EN_TEENS, *R._EN_TENS, *R._MULTIPLIERS, *R._FILLERS,
               "info", "dot", "point", "period"}
    en, zh = set(), set()
    for doc in base:
        for t in doc.turns:
            en.update(re.findall(r"[a-z]{4,}", (t.text or "").lower()))
            for run in re.findall(r"[\u4e00-\u9fff]{2,}", t.text or ""):
                zh.update(run[i:i + 2] for i in range(len(run) - 1))
    return (sorted(en - numbers),
            sorted(w for w in zh if not set(w) & (set(R._ZH_DIGITS) | R._FILLERS | {"点"})))


def clone_prepared(prepared: list, start: int, target_turns: int, seed: int = 5):
    """Index rows of clones `start`, … (text prepared once per base call): the write path
    alone, at any size, without re-running jieba on identical text."""
    from hotline.search.rows import PreparedCall

    turns, i = 0, start
    while turns < target_turns:
        p = prepared[i % len(prepared)]
        cid, day, agent = _clone_fields(i, seed)
        rows = [(cid, *r[1:11], day, agent, r[13]) for r in p.rows]
        yield PreparedCall(cid, (cid, day, agent, *p.call[3:]), rows, p.tags, p.vocab)
        turns += len(rows)
        i += 1


def _bench_similar(idx, embed_calls: int) -> dict:
    """Real MiniLM embedding speed on `embed_calls` calls; then similar() over a vector for
    every call (the rest filled with random unit vectors: brute-force cost is the same)."""
    import numpy as np

    from hotline.embed import Embedder

    idx.embedder = Embedder(threads=None)
    ids = [r["call_id"] for r in idx._q("SELECT call_id FROM search_calls ORDER BY call_id")]
    t0 = time.perf_counter()
    idx.ensure_embeddings(ids[:embed_calls])
    embed_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    with idx.db.transaction() as cur:
        rows = []
        for cid in ids[embed_calls:]:
            v = rng.normal(size=384).astype(np.float32)
            rows.append((cid, 384, (v / np.linalg.norm(v)).tobytes()))
        cur.executemany("INSERT INTO search_vectors (call_id, dim, embedding) VALUES (?,?,?)",
                        rows)
    times = []
    for cid in ids[:20]:
        t = time.perf_counter()
        idx.similar(cid, k=5)
        times.append((time.perf_counter() - t) * 1000)
    return {"embed_calls_per_s": round(embed_calls / embed_s, 1), "vectors": len(ids),
            "similar_p50_ms": round(_pct(times, 50), 1), "similar_p95_ms": round(_pct(times, 95), 1)}


def bench(url: str, base: list, target: int, repeats: int, workers: int,
          embed_calls: int = 0, text: str = "varied", many_turns: int = 0) -> dict:
    from hotline.search.index import SearchIndex
    from hotline.search.rows import prepare
    from hotline.store.db import Database

    db = Database(url)
    idx = SearchIndex(db)
    idx.search("取消")                       # load jieba before timing
    t0 = time.perf_counter()
    prepared = [prepare(d) for d in base]   # unique text: jieba, stems, the PII check
    prep_tps = sum(len(d.turns) for d in base) / (time.perf_counter() - t0)
    one = clone_docs(base, 0, max(1000, target // 100))   # the batch job: a call at a time
    many = clone_docs(base, len(one),                     # prepare + write, workers
                      many_turns or max(5000, target // 20))
    kept = 0
    if text == "varied":
        (one, _), (many, kept) = vary_docs(one, base), vary_docs(many, base)
    t0 = time.perf_counter()
    for doc in one:
        idx.index_call(doc)
    one_tps = _turns(one) / (time.perf_counter() - t0)
    with _Cpu(idx) as many_cpu:
        idx.index_many(many, workers=workers)
    rest = max(1, target - _turns(one) - _turns(many))
    with _Cpu(idx) as write_cpu:
        idx.write_prepared(clone_prepared(prepared, len(one) + len(many), rest), rest)
    if db.dialect == "postgresql":
        idx._q("ANALYZE")
    per_query, all_ms = _queries(idx, repeats)
    out = {"backend": url.split(":")[0], **idx.stats(), "load": os.getloadavg()[0],
           "text": text, "index_many_unvaried_calls": kept,
           "prepare_turns_per_s": round(prep_tps), "index_call_turns_per_s": round(one_tps),
           f"index_many_{workers}w_turns_per_s": round(_turns(many) / many_cpu.wall),
           f"index_many_{workers}w_turns_per_cpu_s": round(_turns(many) / many_cpu.cpu),
           "index_many_load": many_cpu.load,
           "bulk_write_turns_per_s": round(rest / write_cpu.wall),
           "bulk_write_turns_per_cpu_s": round(rest / write_cpu.cpu),
           "bulk_write_load": write_cpu.load,
           "query_p50_ms": round(_pct(all_ms, 50), 2), "query_p95_ms": round(_pct(all_ms, 95), 2),
           "queries": per_query, "sizes": _sizes(idx),
           "python_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    out["similar"] = _bench_similar(idx, embed_calls) if embed_calls else None
    db.close()
    return out


class _Cpu:
    """Wall and CPU seconds of a block: this process, its finished worker processes and, on
    PostgreSQL, every server backend of the (scratch) database — read from /proc (the
    server is local) every 50 ms while the block runs, so connections a bulk load opens and
    closes count too. Throughput per CPU second does not depend on how many other processes
    share the machine; the 1-minute load average at the end is kept next to it."""

    def __init__(self, idx):
        self.idx, self.seen, self.stop = idx, {}, threading.Event()

    def __enter__(self) -> _Cpu:
        self.t0, self.c0 = time.perf_counter(), self._own()
        if self.idx.pg:
            import psycopg

            self.admin = psycopg.connect(self.idx.db.url, autocommit=True)
            self._poll()
            self.before = sum(self.seen.values())
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = self._own() - self.c0
        self.load = round(os.getloadavg()[0], 2)
        if self.idx.pg:
            self.stop.set()
            self.thread.join()
            self._poll()
            self.cpu += sum(self.seen.values()) - self.before
            self.admin.close()

    @staticmethod
    def _own() -> float:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + kids.ru_utime + kids.ru_stime

    def _run(self) -> None:
        while not self.stop.wait(0.05):
            self._poll()

    def _poll(self) -> None:
        me = self.admin.info.backend_pid
        pids = [r[0] for r in self.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> %s", (me,))]
        for pid in pids + list(self.seen):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.seen[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _turns(docs: list) -> int:
    return sum(len(d.turns) for d in docs)


def _queries(idx, repeats: int) -> tuple[dict, list[float]]:
    per_query, all_ms = {}, []
    for name, q, f, kw in QUERIES:
        idx.search(q, f, **kw)               # warm
        times, total, mode = [], 0, ""
        for _ in range(repeats):
            t = time.perf_counter()
            res = idx.search(q, f, limit=20, **kw)
            times.append((time.perf_counter() - t) * 1000)
            total, mode = res.total, res.mode
        all_ms += times
        per_query[name] = {"p50_ms": round(_pct(times, 50), 2), "p95_ms": round(_pct(times, 95), 2),
                           "total": total, "mode": mode}
    return per_query, all_ms


def _sizes(idx) -> dict:
    """Bytes on disk: the SQLite file, or each PostgreSQL search table and index."""
    if not idx.pg:
        path = idx.db.url[len("sqlite:///"):]
        return {"file": sum(os.path.getsize(p) for p in (path, path + "-wal")
                            if os.path.exists(p))}
    rows = idx._q("SELECT c.relname AS name, pg_total_relation_size(c.oid) AS total, "
                  "pg_relation_size(c.oid) AS own FROM pg_class c JOIN pg_namespace n "
                  "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname LIKE ? "
                  "ORDER BY c.relname", ("search%",))
    return {r["name"]: int(r["own"]) for r in rows} | {
        "database": int(idx._q("SELECT pg_database_size(current_database()) AS n")[0]["n"])}


def _pct(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def _pg_scratch(prefix: str = "hotline_bench") -> tuple[str, object, str]:
    """A scratch database with its own name prefix (one bench's clean-up leaves others' alone)."""
    import psycopg

    admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", admin, name


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    ap.add_argument("--turns", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2,
                    help="processes preparing text for index_many (jieba, stems, PII check)")
    ap.add_argument("--embed-calls", type=int, default=100,
                    help="calls to embed with the real MiniLM for the similar() numbers (0: skip)")
    ap.add_argument("--text", choices=("varied", "repeated"), default="varied",
                    help="varied: each clone's customer turns made unique (as real calls'); "
                         "repeated: the 400 calls' text as it is (flatters per-text caches)")
    ap.add_argument("--many-turns", type=int, default=0,
                    help="turns indexed through index_many (default 5 %% of --turns); "
                         "--many-turns N --turns N: a whole reindex through it")
    ap.add_argument("--prepare-only", type=int, metavar="TURNS", default=0,
                    help="only time the workers' text preparation: `prepare` over TURNS "
                         "varied clone turns in this process, CPU µs a turn (no database)")
    ap.add_argument("--json", metavar="OUT", help="also write the numbers as JSON")
    ap.add_argument("--baseline", metavar="JSON",
                    help="an earlier --json run (e.g. of the code before a change): its "
                         "indexing numbers printed side by side")
    args = ap.parse_args()
    t = time.perf_counter()
    base = base_docs()
    print(f"{len(base)} unique redacted calls ({_turns(base)} turns) in "
          f"{time.perf_counter() - t:.1f} s; indexing {args.turns} turns", flush=True)
    if args.prepare_only:
        return _bench_prepare(base, args.prepare_only)
    before = {b["backend"]: b for b in json.loads(Path(args.baseline).read_text())} \
        if args.baseline else {}
    out = []
    for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                out.append(bench(f"sqlite:///{tmp}/bench.db", base, args.turns, args.repeats,
                                 args.workers, args.embed_calls, args.text, args.many_turns))
        else:
            url, admin, name = _pg_scratch()
            try:
                out.append(bench(url, base, args.turns, args.repeats, args.workers,
                                 args.embed_calls, args.text, args.many_turns))
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _print(out[-1], args.workers, before.get(out[-1]["backend"]))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def _bench_prepare(base: list, turns: int) -> int:
    """CPU time a turn of `prepare` (what an `index_many` worker runs per call) over the 400
    calls (cold caches), then over `turns` turns of varied clones (warm, as a worker's chunk):
    process CPU, so less at the mercy of the other jobs than a wall-clock row."""
    from hotline.search.rows import prepare
    from hotline.search.text import segment

    segment("取消")                                     # load jieba before timing
    many, _kept = vary_docs(clone_docs(base, len(base), turns), base)
    for label, docs in (("the 400 calls, cold", base), ("varied clones", many)):
        t0 = time.process_time()
        for doc in docs:
            prepare(doc)
        us = (time.process_time() - t0) * 1e6 / _turns(docs)
        print(f"prepare, {label:20s} {_turns(docs):7d} turns {us:6.1f} µs a turn CPU "
              f"(load {os.getloadavg()[0]:.1f})")
    return 0


def _print(r: dict, workers: int, base: dict | None = None) -> None:
    """The numbers; with `base` (an earlier --json run: the code before a change, on the
    same backend) its indexing numbers side by side."""
    one, many = r["index_call_turns_per_s"], f"index_many_{workers}w_turns_per_s"
    print(f"\n== {r['backend']}: {r['calls']} calls, {r['turns']} turns "
          f"(load average {r['load']:.1f} on {os.cpu_count()} cores; text {r['text']}, "
          f"{r['index_many_unvaried_calls']} index_many calls kept their text)")
    rows = [("prepare text, 1 process, unique calls", "prepare_turns_per_s", None),
            ("index_call (batch job, baseline)", "index_call_turns_per_s", None),
            (f"index_many, {workers} workers, text included", many, "index_many_load"),
            ("  per CPU second (client+workers+server)", f"{many[:-6]}_per_cpu_s", None),
            ("bulk write of prepared rows", "bulk_write_turns_per_s", "bulk_write_load"),
            ("  per CPU second (client+server)", "bulk_write_turns_per_cpu_s", None)]
    head = f"{'indexing, turns/s':44s} {'now':>8s} {'x one':>6s} {'load':>5s}"
    print(head + (f" | {'before':>8s} {'load':>5s}" if base else ""))
    for label, key, load in rows:
        line = f"  {label:42s} {r.get(key, 0):8d} x{r.get(key, 0) / one:5.1f} " \
               f"{r.get(load) or '':>5}"
        if base:
            line += f" | {base.get(key, 0) or 0:8d} {base.get(load) or base.get('load', ''):>5}"
        print(line)
    print(f"memory: python max RSS {r['python_max_rss_mb']} MB; on disk (MB): " + ", ".join(
        f"{k} {v / 2**20:.0f}" for k, v in r["sizes"].items() if v >= 2**20))
    print(f"queries: p50 {r['query_p50_ms']} ms, p95 {r['query_p95_ms']} ms")
    if r.get("similar"):
        sim = r["similar"]
        print(f"similar: MiniLM {sim['embed_calls_per_s']} calls/s embedded; similar() over "
              f"{sim['vectors']} vectors p50 {sim['similar_p50_ms']} ms, "
              f"p95 {sim['similar_p95_ms']} ms")
    for name, q in r["queries"].items():
        print(f"  {name:36s} p50 {q['p50_ms']:7.2f} ms  p95 {q['p95_ms']:7.2f} ms  "
              f"total {q['total']:7d} ({q['mode']})")


if __name__ == "__main__":
    sys.exit(main())
