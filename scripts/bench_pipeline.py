#!/usr/bin/env python
"""Whole-pipeline speed against a bare faster-whisper process, side by side on the same files.

The baseline is what a user would run instead of hotline: faster-whisper alone, the same model
(bundled tiny.en int8), word timestamps and VAD on, every other option at faster-whisper's
defaults. Files: generated calls (one full of spoken digit strings) and the real clips of
../shared/data/real. Prints
  1. cold batch: `hotline batch DIR` (fresh SQLite store, start-up included) vs a bare process
     over the same files (model load included): ratio (goal <= 1.4x), real-time factor (>= 15x),
     peak memory of each process;
  2. warm, per call: Pipeline.process vs bare transcribe in this process: per-file ratio
     p50/p95 (goal <= 1.25x), the digit-string call's ASR stage vs bare (goal <= 1.0x),
     Pipeline.load seconds (goal <= 3 s) and how many MiniLM models are in memory (goal 1).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "real"
BIN = Path(sys.executable).parent

BARE_SCRIPT = """
import resource, sys, time
from faster_whisper import WhisperModel, decode_audio
t0 = time.perf_counter()
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8")
for path in sys.argv[2:]:
    segments, info = model.transcribe(decode_audio(path), word_timestamps=True, vad_filter=True)
    text = " ".join(s.text for s in segments)
print(time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4, help="generated calls (one has digit strings)")
    parser.add_argument("--no-real", action="store_true", help="skip the real clips")
    parser.add_argument("--skip-cold", action="store_true", help="only the warm, in-process part")
    parser.add_argument("--repeats", type=int, default=2, help="warm runs per file; best one kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp) / "calls", args.calls, not args.no_real)
        audio_s = sum(_duration(p) for p in files)
        print(f"{len(files)} files, {audio_s:.0f} s of audio\n")
        if not args.skip_cold:
            _cold(files, Path(tmp), audio_s)
        _warm(files, Path(tmp) / "warm", args.repeats)
    return 0


def _files(out: Path, n: int, real: bool) -> list[Path]:
    from hotline.synth.render import render_call
    from hotline.synth.scenarios import build_scenarios

    out.mkdir(parents=True)
    kinds = ["pii", "clean", "angry", "empathy.missing"]
    scenarios = build_scenarios(seed=3, n=n, languages=("en",), kinds=kinds[:max(1, n)])
    paths = [out / render_call(s, out, stereo=(i % 4 == 3))["audio"] for i, s in enumerate(scenarios)]
    if real:
        for clip in sorted(REAL.glob("*")):
            if clip.suffix in (".wav", ".flac", ".mp3") and not clip.name.startswith(("frd_", "funasr", "uberi")):
                shutil.copy(clip, out / clip.name)
                paths.append(out / clip.name)
    return paths


def _duration(path: Path) -> float:
    from hotline.audio import decode_audio

    return decode_audio(path).duration


def _cold(files: list[Path], tmp: Path, audio_s: float) -> None:
    """Two fresh processes over the same folder: `hotline batch` and bare faster-whisper."""
    from hotline.asr.loader import bundled_model_path

    env = dict(os.environ, HOTLINE_DATA_DIR=str(tmp / "data"), HOTLINE_LOG_LEVEL="ERROR")
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "hotline"), "-q", "batch", str(files[0].parent), "--json"],
                          env=env, capture_output=True, text=True)
    hotline_s = time.perf_counter() - started
    if done.returncode != 0:
        print("hotline batch failed:", done.stderr[-2000:])
        return
    hotline_rss = _children_rss_mib()
    started = time.perf_counter()
    bare = subprocess.run([sys.executable, "-c", BARE_SCRIPT, bundled_model_path(),
                           *map(str, files)], capture_output=True, text=True, check=True)
    bare_s = time.perf_counter() - started
    bare_rss = int(bare.stdout.split()[1]) / 1024
    print("1. cold batch, start-up included")
    print(f"   {'':24} {'wall s':>8} {'x real time':>12} {'peak RSS MiB':>13}")
    print(f"   {'hotline batch':24} {hotline_s:8.1f} {audio_s / hotline_s:12.1f} {hotline_rss:13.0f}")
    print(f"   {'bare faster-whisper':24} {bare_s:8.1f} {audio_s / bare_s:12.1f} {bare_rss:13.0f}")
    print(f"   ratio hotline / bare: {hotline_s / bare_s:.2f}x (goal <= 1.4x); "
          f"{audio_s / hotline_s:.1f}x real time (goal >= 15x)\n")


def _children_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _best(run, repeats: int) -> tuple[float, object]:
    """Best wall time of `repeats` runs (a shared machine adds noise, never speed)."""
    best, out = float("inf"), None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _warm(files: list[Path], data: Path, repeats: int) -> None:
    """In this process: the loaded pipeline vs a loaded bare model, call by call."""
    from faster_whisper import WhisperModel, decode_audio

    from hotline.asr.loader import bundled_model_path
    from hotline.pipeline import Pipeline
    from hotline.settings import load_settings

    started = time.perf_counter()
    pipeline = Pipeline.load(load_settings(data_dir=str(data)))
    load_s = time.perf_counter() - started
    model = WhisperModel(bundled_model_path(), device="cpu", compute_type="int8")
    pipeline.process(files[0])                       # first-call costs (jieba, MiniLM) paid once
    rows = []
    for path in files:
        wall, doc = _best(lambda p=path: pipeline.process(p), repeats)
        bare, _ = _best(lambda p=path: list(model.transcribe(
            decode_audio(str(p)), word_timestamps=True, vad_filter=True)[0]), repeats)
        rows.append({"name": path.name, "audio": doc.duration, "wall": wall, "asr": doc.timings["asr"],
                     "bare": bare, "timings": doc.timings})
    _print_warm(rows, load_s)


def _print_warm(rows: list[dict], load_s: float) -> None:
    print("2. warm, per call (models loaded once)")
    print(f"   {'file':34} {'audio s':>8} {'hotline s':>10} {'asr s':>7} {'bare s':>7} {'ratio':>6}")
    for r in rows:
        print(f"   {r['name'][:34]:34} {r['audio']:8.1f} {r['wall']:10.2f} {r['asr']:7.2f} "
              f"{r['bare']:7.2f} {r['wall'] / r['bare']:6.2f}")
    ratios = [r["wall"] / r["bare"] for r in rows]
    print(f"   per-call ratio p50 {statistics.median(ratios):.2f}x, p95 {_pct(ratios, 95):.2f}x "
          f"(goal <= 1.25x)")
    digits = rows[0]
    print(f"   digit-string call {digits['name']}: ASR {digits['asr']:.2f}s vs bare "
          f"{digits['bare']:.2f}s = {digits['asr'] / digits['bare']:.2f}x (goal <= 1.0x)")
    for stage in sorted({k for r in rows for k in r["timings"]}):
        per_min = [60 * r["timings"].get(stage, 0.0) / r["audio"] for r in rows]
        print(f"   stage {stage:10} s per audio minute p50 {statistics.median(per_min):.3f} "
              f"p95 {_pct(per_min, 95):.3f}")
    print(f"   Pipeline.load: {load_s:.1f}s (goal <= 3 s); MiniLM models in memory: "
          f"{_minilm_count()} (goal 1)")
    print(json.dumps({"load_s": round(load_s, 2), "ratio_p50": round(statistics.median(ratios), 3),
                      "ratio_p95": round(_pct(ratios, 95), 3)}))


def _minilm_count() -> int:
    from hotline.bert import BertSentenceEncoder

    kinds = {BertSentenceEncoder}
    if "sentence_transformers" in sys.modules:
        kinds.add(sys.modules["sentence_transformers"].SentenceTransformer)
    return sum(type(o) in kinds for o in gc.get_objects())


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    sys.exit(main())
