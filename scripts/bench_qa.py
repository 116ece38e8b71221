"""Benchmark the QA web API and the daily report on a synthetic store.

Fills a temp SQLite store with N synthetic calls (text-only, redacted, search-indexed) spread
over 8 days, then times: `/api/search` (keyword, phrase, filter-only), `/api/calls/{id}`,
an audio Range request, and `hotline report` (build + render) for the last day.

    .venv/bin/python scripts/bench_qa.py [--calls 300] [--requests 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def _fill(db_url: str, n: int, audio: str) -> list[str]:
    import datetime as dt

    from hotline.document import Emotion
    from hotline.privacy.redact import redact_document
    from hotline.search.index import SearchIndex
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore
    from hotline.synth.scenarios import build_scenarios
    from hotline.synth.truth import to_call_document

    db = Database(db_url)
    store, index = ResultsStore(db), SearchIndex(db, None)
    va = {"positive": (0.6, 0.4), "neutral": (0.05, 0.2), "negative": (-0.45, 0.5),
          "angry": (-0.85, 0.9)}
    ids = []
    for i, truth in enumerate(build_scenarios(seed=1, n=n)):
        doc = to_call_document(truth, with_violations=True)
        for turn, t in zip(doc.turns, truth["turns"], strict=True):
            turn.emotion = Emotion(t["emotion"], 0.8, *va[t["emotion"]])
        doc.metadata["date"] = (dt.date(2026, 11, 13) + dt.timedelta(days=i % 8)).isoformat()
        doc.source = audio
        doc = redact_document(doc)
        doc.source = audio
        store.save_document(doc)
        index.index_call(doc)
        ids.append(doc.call_id)
    db.close()
    return ids


def _time_requests(client, name: str, path: str, params: dict, headers: dict,
                   ids: list[str], n: int) -> list[float]:
    """Milliseconds of n GETs of one page or endpoint, cycling over the calls."""
    times = []
    for i in range(n):
        extra = {"Range": "bytes=65536-131071"} if "audio" in name else {}
        t = time.perf_counter()
        r = client.get(path.format(id=ids[i % len(ids)]), params=params,
                       headers={**headers, **extra})
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code in (200, 206), (name, r.status_code, r.text[:200])
    return times


def _time_report(db_url: str, calls: int) -> None:
    from hotline.report.daily import build_report
    from hotline.report.html import render_html
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore

    store = ResultsStore(Database(db_url))
    times = []
    for _ in range(3):
        t = time.perf_counter()
        rep = build_report(store, "2026-11-20")
        html = render_html(rep)
        times.append(time.perf_counter() - t)
    print(f"report 2026-11-20: {rep.calls} calls ({calls} in the window), "
          f"{len(html) / 1024:.0f} KiB, p50 {statistics.median(times):.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from hotline.settings import Settings
    from hotline.store.db import Database
    from hotline.web.app import create_app
    from hotline.web.auth import AuthStore

    tmp = Path(tempfile.mkdtemp(prefix="bench_qa_"))
    db_url = f"sqlite:///{tmp / 'hotline.db'}"
    audio = str(ROOT / "tests" / "data" / "ami_sample.wav")
    t0 = time.perf_counter()
    ids = _fill(db_url, args.calls, audio)
    print(f"filled {len(ids)} calls in {time.perf_counter() - t0:.1f} s")
    token = AuthStore(Database(db_url)).create_token("qa", name="bench")[0]
    headers = {"Authorization": f"Bearer {token}"}
    cases = {
        "search keyword": ("/api/search", {"q": "refund"}),
        "search phrase": ("/api/search", {"q": '"anything else"'}),
        "search zh": ("/api/search", {"q": "信号"}),
        "search filters only": ("/api/search", {"rule": "greeting.missing", "role": "agent"}),
        "call view": ("/api/calls/{id}", {}),
        "audio range 64 KiB": ("/api/calls/{id}/audio", {}),
        "search page by call": ("/qa", {"q": "refund"}),
        "search page sorted": ("/qa", {"q": "refund", "sort": "violations"}),
        "call page": ("/qa/calls/{id}", {}),
        "review": ("/api/calls/{id}/review", {}),
    }
    app = create_app(Settings(db_url=db_url, data_dir=str(tmp), audio_dirs=str(Path(audio).parent)))
    with TestClient(app) as client:     # the context runs the lifespan (opens the services)
        for name, (path, params) in cases.items():
            times = _time_requests(client, name, path, params, headers, ids, args.requests)
            print(f"{name:22s} p50 {statistics.median(times):7.1f} ms   p95 {_pct(times, 95):7.1f} ms")
    _time_report(db_url, args.calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
