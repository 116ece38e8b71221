"""Timing helpers: hotline's ASR stage vs bare faster-whisper on the same file and options.

`bare_faster_whisper_seconds(path)` is the reference the pipeline benchmark divides by
(goal: pipeline <= 1.4x bare, >= 15x real time on 2 cores). Run `python -m tests.support.asr_bench FILE...`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from hotline.asr.faster import transcribe_kwargs
from hotline.asr.loader import bundled_model_path, cpu_threads
from hotline.asr.options import ASROptions

_MODELS: dict[tuple, Any] = {}   # filled on first call only; never at import


def bare_model(model_path: str | None = None, threads: int = 0):
    """A plain `WhisperModel` (tiny.en int8 on CPU by default), cached across calls."""
    from faster_whisper import WhisperModel

    key = (model_path or bundled_model_path(), cpu_threads(threads))
    if key not in _MODELS:
        _MODELS[key] = WhisperModel(key[0], device="cpu", compute_type="int8", cpu_threads=key[1])
    return _MODELS[key]


def bare_faster_whisper_seconds(
    path: str, options: ASROptions | None = None, model_path: str | None = None, repeats: int = 1
) -> float:
    """Best-of-`repeats` wall seconds for faster-whisper alone: its decode_audio + transcribe.

    No hotline code on the timed path; the model load is excluded (the pipeline loads once).
    """
    from faster_whisper import BatchedInferencePipeline, decode_audio

    options = options or ASROptions()
    model = bare_model(model_path)
    kwargs = transcribe_kwargs(options, "en")
    run = model.transcribe
    if options.batch_size > 0 and options.vad_filter:   # the same decoding mode hotline uses
        kwargs.pop("condition_on_previous_text")
        kwargs.update(batch_size=options.batch_size, without_timestamps=False)
        run = BatchedInferencePipeline(model).transcribe
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        segments, _info = run(decode_audio(path), **kwargs)
        for _segment in segments:
            pass
        best = min(best, time.perf_counter() - start)
    return best


def hotline_asr_seconds(
    path: str, transcriber=None, options: ASROptions | None = None, repeats: int = 1
) -> float:
    """Best-of-`repeats` wall seconds for hotline's decode_audio + Transcriber.transcribe."""
    from hotline.audio import decode_audio

    if transcriber is None:
        from hotline.asr.loader import load_faster_whisper

        transcriber = load_faster_whisper("bundled", "cpu", "int8")
    options = options or ASROptions()
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        transcriber.transcribe(decode_audio(path).mono, options)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None, help="0 = sequential")
    args = parser.parse_args(argv)
    from hotline.asr.loader import load_faster_whisper
    from hotline.audio import decode_audio

    transcriber = load_faster_whisper("bundled", "cpu", "int8")
    options = ASROptions().replace(batch_size=args.batch_size)
    ratios, rtfs = [], []
    for path in args.files:
        duration = decode_audio(path).duration
        bare = bare_faster_whisper_seconds(path, options, repeats=args.repeats)
        ours = hotline_asr_seconds(path, transcriber, options, repeats=args.repeats)
        ratios.append(ours / bare)
        rtfs.append(duration / ours)
        print(f"{path}: {duration:.1f}s audio  bare {bare:.2f}s  hotline {ours:.2f}s  "
              f"ratio {ours / bare:.2f}  speed {duration / ours:.1f}x real time")
    print(f"ratio p50 {statistics.median(ratios):.2f} p95 {_p95(ratios):.2f}; "
          f"speed p50 {statistics.median(rtfs):.1f}x  min {min(rtfs):.1f}x")
    return 0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


if __name__ == "__main__":
    raise SystemExit(main())
