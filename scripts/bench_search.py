"""Search benchmark: indexing throughput (turns/s) and query latency p50/p95 at ~100k turns.

Synthetic EN + ZH calls (synth/) are redacted once, then cloned with new call ids, dates and
agents until the index holds `--turns` turns. Then a mix of QA queries (keywords, phrases, both
languages, filters, the "cancel + angry this week" goal, substring and fuzzy fallbacks) is run.

    .venv/bin/python scripts/bench_search.py --backend sqlite --turns 100000
    .venv/bin/python scripts/bench_search.py --backend postgresql --turns 100000
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
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


def build_docs(target_turns: int, seed: int = 5) -> list:
    """Redacted synthetic documents cloned up to `target_turns` turns."""
    from hotline.document import Emotion
    from hotline.privacy.redact import redact_document
    from hotline.synth.scenarios import build_scenarios
    from hotline.synth.truth import to_call_document

    base = []
    for truth in build_scenarios(seed=seed, n=400):
        doc = to_call_document(truth, with_violations=True)
        for t, tt in zip(doc.turns, truth["turns"], strict=True):
            t.emotion = Emotion(label=tt.get("emotion") or "neutral", score=0.9)
        base.append(redact_document(doc))
    rng = random.Random(seed)
    docs, turns, i = [], 0, 0
    while turns < target_turns:
        doc = copy.deepcopy(base[i % len(base)])
        doc.call_id = f"bench{i:07d}"
        day = dt.date(2026, 10, 1) + dt.timedelta(days=rng.randint(0, 51))
        doc.metadata["date"] = day.isoformat()
        doc.metadata["agent_id"] = f"A{100 + rng.randint(0, 39)}"
        docs.append(doc)
        turns += len(doc.turns)
        i += 1
    return docs


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


def bench(url: str, docs: list, repeats: int, embed_calls: int = 0) -> dict:
    from hotline.search.index import SearchIndex
    from hotline.store.db import Database

    db = Database(url)
    idx = SearchIndex(db)
    idx.search("取消")                       # load jieba before timing
    n_turns = sum(len(d.turns) for d in docs)
    n_one = max(1, len(docs) // 10)          # the batch job's path: one call per transaction
    t0 = time.perf_counter()
    for doc in docs[:n_one]:
        idx.index_call(doc)
    one_s = time.perf_counter() - t0
    one_turns = sum(len(d.turns) for d in docs[:n_one])
    t0 = time.perf_counter()
    idx.index_many(docs[n_one:], batch=200)  # bulk load / rebuild
    bulk_s = time.perf_counter() - t0
    index_s = one_s + bulk_s
    if db.dialect == "postgresql":
        idx._q("ANALYZE")
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
    stats = idx.stats()
    similar = _bench_similar(idx, embed_calls) if embed_calls else None
    db.close()
    return {"backend": url.split(":")[0], "calls": stats["calls"], "turns": stats["turns"],
            "index_seconds": round(index_s, 1), "index_turns_per_s": round(n_turns / index_s),
            "index_call_turns_per_s": round(one_turns / one_s),
            "index_many_turns_per_s": round((n_turns - one_turns) / bulk_s),
            "query_p50_ms": round(_pct(all_ms, 50), 2), "query_p95_ms": round(_pct(all_ms, 95), 2),
            "queries": per_query, "similar": similar}


def _pct(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def _pg_scratch() -> tuple[str, object, str]:
    import psycopg

    admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", admin, name


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    ap.add_argument("--turns", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--embed-calls", type=int, default=100,
                    help="calls to embed with the real MiniLM for the similar() numbers (0: skip)")
    ap.add_argument("--json", metavar="OUT", help="also write the numbers as JSON")
    args = ap.parse_args()
    t = time.perf_counter()
    docs = build_docs(args.turns)
    print(f"built {len(docs)} redacted calls, {sum(len(d.turns) for d in docs)} turns "
          f"in {time.perf_counter() - t:.1f} s", flush=True)
    out = []
    for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                out.append(bench(f"sqlite:///{tmp}/bench.db", docs, args.repeats,
                                 args.embed_calls))
        else:
            url, admin, name = _pg_scratch()
            try:
                out.append(bench(url, docs, args.repeats, args.embed_calls))
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _print(out[-1])
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def _print(r: dict) -> None:
    print(f"\n== {r['backend']}: {r['calls']} calls, {r['turns']} turns")
    print(f"indexing: {r['index_seconds']} s, {r['index_turns_per_s']} turns/s overall; "
          f"index_call {r['index_call_turns_per_s']} turns/s, "
          f"index_many {r['index_many_turns_per_s']} turns/s")
    print(f"queries: p50 {r['query_p50_ms']} ms, p95 {r['query_p95_ms']} ms")
    if r.get("similar"):
        sim = r["similar"]
        print(f"similar: MiniLM {sim['embed_calls_per_s']} calls/s embedded; similar() over "
              f"{sim['vectors']} vectors p50 {sim['similar_p50_ms']} ms, "
              f"p95 {sim['similar_p95_ms']} ms")
    for name, q in r["queries"].items():
        print(f"  {name:36s} p50 {q['p50_ms']:7.2f} ms  p95 {q['p95_ms']:7.2f} ms  "
              f"total {q['total']:6d} ({q['mode']})")


if __name__ == "__main__":
    sys.exit(main())
