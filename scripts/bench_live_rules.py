"""Live rules: time per turn as a call grows, incremental engine vs the old full re-evaluation.

    python scripts/bench_live_rules.py [--at 100,1000,2000] [--span 50]

One long call (a 10-turn exchange with anger, an account change, a hold and questions, repeated;
tests/support/live_reference.long_call) is streamed turn by turn through `LiveRules` (incremental)
and through the old engine that re-evaluates the telecom rulebook over every turn so far. For each
mark N it prints p50/p95 of the `add_turn` time over the `span` turns before turn N, both engines
side by side and the ratio old/new. Turn emotions are scored beforehand (the same for both), so
this measures the rules: unit building, condition tests (MiniLM for semantic ones) and decisions.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hotline.analytics.analyzer import LiveRules  # noqa: E402
from hotline.analytics.emotion import EmotionScorer  # noqa: E402
from hotline.analytics.rulebook import load_rulebook  # noqa: E402
from tests.support.live_reference import FullLiveRules, long_call  # noqa: E402


def per_turn_seconds(engine: LiveRules, turns: list) -> list[float]:
    out = []
    for turn in copy.deepcopy(turns):
        t0 = time.perf_counter()
        engine.add_turn(turn)
        out.append(time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--at", default="100,1000,2000", help="turn counts to report at")
    ap.add_argument("--span", type=int, default=50, help="turns before each mark to take p50/p95 over")
    args = ap.parse_args()
    marks = [int(x) for x in args.at.split(",")]
    book, scorer = load_rulebook(), EmotionScorer()
    turns = long_call(max(marks))
    for turn in turns:
        turn.emotion = scorer.score_text(turn.text, "en")
    times = {}
    for name, cls in (("incremental", LiveRules), ("full re-eval", FullLiveRules)):
        t0 = time.perf_counter()
        times[name] = per_turn_seconds(cls(book, scorer, "en"), turns)
        print(f"{name}: {len(turns)} turns in {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"\n{'turns':>6} | {'incremental p50/p95 ms':>23} | {'full re-eval p50/p95 ms':>24} | "
          f"{'ratio p50':>9} | {'ratio p95':>9}")
    for n in marks:
        lo = max(0, n - args.span)
        new = np.array(times["incremental"][lo:n]) * 1000
        old = np.array(times["full re-eval"][lo:n]) * 1000
        p = {k: (np.percentile(v, 50), np.percentile(v, 95)) for k, v in (("new", new), ("old", old))}
        print(f"{n:>6} | {p['new'][0]:>10.2f} / {p['new'][1]:>10.2f} | {p['old'][0]:>11.2f} / "
              f"{p['old'][1]:>10.2f} | {p['old'][0] / p['new'][0]:>8.1f}x | {p['old'][1] / p['new'][1]:>8.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
