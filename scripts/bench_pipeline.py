#!/usr/bin/env python
"""Whole-pipeline speed and diarization quality on this machine.

Prints, per file and overall: real-time factor of the whole pipeline (audio s / wall s), the same
file's time with bare faster-whisper (same model and decoding options, no hotline code) and the
ratio (goal <= 1.4x), stage p50/p95, DER on ami_sample.wav vs its RTTM (goal <= 12 %), DER on
synthetic calls, and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4, help="synthetic calls to render")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    from hotline.asr.options import ASROptions
    from hotline.pipeline import Pipeline
    from hotline.settings import load_settings
    from tests.support.asr_bench import bare_faster_whisper_seconds

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=tmp)
        start = time.perf_counter()
        pipeline = Pipeline.load(settings)
        print(f"model load (once per process): {time.perf_counter() - start:.1f}s")
        files = [(DATA / "jfk.flac", None), (DATA / "ami_sample.wav", None)]
        files += _synthetic(Path(tmp), args.calls)
        rows = [_measure(pipeline, path, truth, args.repeats) for path, truth in files]
        bare_opts = ASROptions(language="en", hotwords=settings.hotwords)
        for row in rows:
            row["bare"] = bare_faster_whisper_seconds(str(row["path"]), bare_opts, repeats=args.repeats)
        _report(rows)
    return 0


def _synthetic(out: Path, n: int) -> list[tuple[Path, dict]]:
    from hotline.synth.render import render_call
    from hotline.synth.scenarios import build_scenarios

    scenarios = build_scenarios(seed=3, n=n, languages=("en",),
                                kinds=["clean", "angry", "empathy.missing", "pii"])
    truths = [render_call(s, out, stereo=(i % 4 == 3)) for i, s in enumerate(scenarios)]
    return [(out / t["audio"], t) for t in truths]


def _measure(pipeline, path: Path, truth: dict | None, repeats: int) -> dict:
    best, doc = float("inf"), None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        doc = pipeline.process(path)
        best = min(best, time.perf_counter() - start)
    der = _der(doc, path, truth)
    return {"path": path, "name": path.name, "duration": doc.duration, "wall": best,
            "timings": doc.timings, "der": der, "channels": doc.channels}


def _der(doc, path: Path, truth: dict | None) -> float | None:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref = Annotation()
    if truth is not None:
        for t in truth["turns"]:
            ref[Segment(t["start"], t["end"])] = t["role"]
    elif path.with_suffix(".rttm").exists():
        for line in path.with_suffix(".rttm").read_text().splitlines():
            f = line.split()
            ref[Segment(float(f[3]), float(f[3]) + float(f[4]))] = f[7]
    else:
        return None
    hyp = Annotation()
    for t in doc.turns:
        hyp[Segment(t.start, t.end)] = t.speaker if truth is None else t.role
    return DiarizationErrorRate(collar=0.0, skip_overlap=False)(ref, hyp, uem=Segment(0, doc.duration))


def _report(rows: list[dict]) -> None:
    print(f"\n{'file':28} {'audio s':>8} {'wall s':>7} {'RTF x':>7} {'bare s':>7} {'ratio':>6} {'DER':>6}")
    for r in rows:
        der = "" if r["der"] is None else f"{r['der']:.1%}"
        print(f"{r['name'][:28]:28} {r['duration']:8.1f} {r['wall']:7.2f} {r['duration'] / r['wall']:7.1f} "
              f"{r['bare']:7.2f} {r['wall'] / r['bare']:6.2f} {der:>6}")
    audio = sum(r["duration"] for r in rows)
    wall = sum(r["wall"] for r in rows)
    bare = sum(r["bare"] for r in rows)
    print(f"\nwhole pipeline: {audio / wall:.1f}x real time (goal >= 15x); "
          f"vs bare faster-whisper: {wall / bare:.2f}x (goal <= 1.4x)")
    rtfs = [r["duration"] / r["wall"] for r in rows]
    ratios = [r["wall"] / r["bare"] for r in rows]
    print(f"per-file RTF p50 {statistics.median(rtfs):.1f}x, p5 {_pct(rtfs, 5):.1f}x; "
          f"per-file ratio to bare p50 {statistics.median(ratios):.2f}x, p95 {_pct(ratios, 95):.2f}x")
    for stage in sorted({k for r in rows for k in r["timings"]}):
        per_min = [60 * r["timings"].get(stage, 0.0) / r["duration"] for r in rows]
        print(f"  stage {stage:10} s per audio minute p50 {statistics.median(per_min):.3f} "
              f"p95 {_pct(per_min, 95):.3f}")
    ami = next((r for r in rows if r["name"] == "ami_sample.wav"), None)
    synth = [r["der"] for r in rows if r["der"] is not None and r is not ami]
    if ami:
        print(f"DER ami_sample.wav: {ami['der']:.1%} (goal <= 12 %)")
    if synth:
        print(f"DER synthetic calls (roles as labels): mean {statistics.mean(synth):.1%}, "
              f"max {max(synth):.1%}")
    print(f"peak memory (RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    sys.exit(main())
