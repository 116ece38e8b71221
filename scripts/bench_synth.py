"""Render speed of the synthetic-call generator: seconds per call, p50/p95, x real time.

    python scripts/bench_synth.py [--n 20] [--stereo] [--noise 0.05]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hotline.synth.render import render_call  # noqa: E402
from hotline.synth.scenarios import build_scenarios  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--stereo", action="store_true")
    ap.add_argument("--noise", type=float, default=0.0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    calls = build_scenarios(seed=0, n=args.n)
    text_s = time.perf_counter() - t0
    times, audio = [], []
    with tempfile.TemporaryDirectory() as out:
        for call in calls:
            t = time.perf_counter()
            truth = render_call(call, out, stereo=args.stereo, noise=args.noise)
            times.append(time.perf_counter() - t)
            audio.append(truth["duration"])
    times_a, audio_a = np.array(times), np.array(audio)
    print(f"text-only: {args.n} calls in {text_s * 1000:.1f} ms")
    print(f"render: {args.n} calls, audio p50 {np.median(audio_a):.1f} s; "
          f"seconds per call p50 {np.median(times_a):.3f} p95 {np.percentile(times_a, 95):.3f}; "
          f"x real time {audio_a.sum() / times_a.sum():.0f}")


if __name__ == "__main__":
    main()
