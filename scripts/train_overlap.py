"""Train the overlap detector (diarization/overlap.py) on synthetic two-voice mixes.

    .venv/bin/python scripts/train_overlap.py [--real DIR] [--mixes N] [--val N] [--seed S]
                                              [--degree D] [--out PATH] [--dry-run]

Builds N seeded training mixes and --val held-out mixes (diarization/overlap_train.py: crops of
the real single-speaker clips of DIR plus espeak-ng voices), runs the embedded diarizer (two
speakers, overlap output off) on each, fits the logistic regression on every speech frame's
smoothed features, and prints for each threshold on the held-out mixes the seconds of overlap
found right (TP) and wrongly (FP) after the DIAR_OVERLAP_MIN_FRAMES run filter: TP - FP is
what the DER gains. Writes the weights JSON (default: the one shipped in the package) unless
--dry-run. Deterministic: the same arguments give the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REAL = ROOT.parent / "shared" / "data" / "real"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def _diarizer():
    from hotline.diarization.embedded import EmbeddedDiarizer, EmbeddedParams

    return EmbeddedDiarizer(num_speakers=2, params=EmbeddedParams(overlap=None, threads=1))


def _frames(diarizer, mixes, smooth_frames: int):
    from hotline.diarization.overlap_train import mix_frames

    parts = [mix_frames(diarizer, m, smooth_frames) for m in mixes]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _scan(diarizer, model, mixes) -> None:
    """TP / FP seconds of the decided overlap on held-out mixes, per threshold."""
    from hotline.diarization.overlap import OverlapParams, detect_overlaps

    analyses = [(diarizer.analyse(m.samples, 2), m) for m in mixes]
    truth_s = sum(float(m.overlapped.sum()) for m in mixes) / 100
    print(f"held-out: {len(mixes)} mixes, {truth_s:.1f} s of overlap")
    for thr in THRESHOLDS:
        tp = fp = 0.0
        for a, m in analyses:
            if a is None:
                continue
            both = m.overlapped
            for seg in detect_overlaps(model, a, replace(OverlapParams(), threshold=thr)):
                hit = both[int(seg.start * 100):int(seg.end * 100)]
                tp += hit.sum() / 100
                fp += (~hit).sum() / 100
        print(f"  threshold {thr:.1f}: TP {tp:6.1f} s  FP {fp:6.1f} s  TP-FP {tp - fp:6.1f} s")


def main(argv: list[str] | None = None) -> int:
    from hotline.diarization.overlap import MODEL_PATH, OverlapParams
    from hotline.diarization.overlap_train import fit, load_voices, make_mixes

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", default=str(REAL))
    ap.add_argument("--mixes", type=int, default=100)
    ap.add_argument("--val", type=int, default=20)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--degree", type=int, default=2)
    ap.add_argument("--out", default=str(MODEL_PATH))
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)

    voices = load_voices(args.real)
    print(f"voices: {', '.join(f'{k} ({len(v)})' for k, v in sorted(voices.items()))}")
    diarizer = _diarizer()
    smooth_frames = OverlapParams().smooth_frames
    x, y = _frames(diarizer, make_mixes(voices, args.mixes, args.seed), smooth_frames)
    print(f"training: {len(y)} speech frames, {y.mean():.1%} overlapped")
    model = fit(x, y, args.degree)
    _scan(diarizer, model, make_mixes(voices, args.val, args.seed + 1000))
    if not args.dry_run:
        Path(args.out).write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
