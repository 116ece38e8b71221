"""Correctness on real recordings: the full pipeline vs a bare faster-whisper pass, per file.

    .venv/bin/python scripts/bench_real.py [--real DIR] [--calls N] [--only SUBSTRING]
                                           [--num-speakers K]

For every audio file of ../shared/data/real (and N generated calls: English and espeak-ng
Mandarin, stereo with the agent on the RIGHT, default settings) prints: WER of the pipeline vs a
bare faster-whisper pass (same tiny.en, its default options + word timestamps + VAD), DER where a
reference RTTM exists (pyannote.metrics, no collar, overlap counted), speakers found, roles
(with confidence), language, asr.flags and confidence. Mandarin references are not scored for
WER: tiny.en cannot transcribe Mandarin, the check is that it is flagged. Totals: WER over all
English words (pipeline vs bare), flagged Mandarin / flagged English counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hotline.asr.wer import edit_distance, normalize  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
AUDIO = (".wav", ".flac", ".mp3")
MANDARIN = ("frd_", "funasr_", "uberi_")
KNOWN = {  # truths given in the README rather than a .txt beside the file
    "jfk": "And so my fellow Americans, ask not what your country can do for you, ask what you "
           "can do for your country.",
    "stereo_diarization": "He began a confused complaint against the wizard, who had vanished "
                          "behind the curtain on the left. The horizon seems extremely distant.",
}


def reference(path: Path) -> str | None:
    if path.stem in KNOWN:
        return KNOWN[path.stem]
    txt = path.with_suffix(".txt")
    return txt.read_text(encoding="utf-8") if txt.is_file() else None


def bare_text(model, path: Path) -> str:
    """faster-whisper alone: its defaults, word timestamps and VAD (what the issue compared)."""
    from faster_whisper import decode_audio

    segments, _ = model.transcribe(decode_audio(str(path)), word_timestamps=True, vad_filter=True)
    return " ".join(s.text.strip() for s in segments)


def der(doc, rttm: Path) -> float:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for line in rttm.read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            ref[Segment(float(f[3]), float(f[3]) + float(f[4]))] = f[7]
    for t in doc.turns:
        hyp[Segment(t.start, t.end)] = t.speaker
    uem = Segment(0, min(doc.duration, 30.0) if rttm.stem == "pya_tst00" else doc.duration)
    return float(DiarizationErrorRate(collar=0.0, skip_overlap=False)(ref, hyp, uem=uem))


def roles(doc) -> str:
    return " ".join(f"{s.id}={s.role}({s.role_confidence:.2f})" for s in doc.speakers) or "-"


def generated_calls(n: int, out: Path) -> list[tuple[Path, dict]]:
    from hotline.synth.render import render_call
    from hotline.synth.scenarios import build_scenarios

    calls = []
    for lang in ("en", "zh"):
        for i, sc in enumerate(build_scenarios(seed=31, n=max(1, n // 2), languages=(lang,),
                                               kinds=["clean", "angry"])):
            truth = render_call(sc, out, stereo=i % 2 == 0, agent_channel="right")
            calls.append((out / truth["audio"], truth))
    return calls


def _real_row(pipeline, bare, path: Path, totals: dict) -> None:
    """One real recording: WER pipeline vs bare (English with a reference), DER where an RTTM
    exists, speakers, language, flags, confidence, roles; word and flag counts into `totals`."""
    doc = pipeline.process(path)
    ref = reference(path)
    is_zh = path.name.startswith(MANDARIN)
    flagged = "language_unsupported" in doc.asr.get("flags", [])
    totals["zh"] += is_zh
    totals["zh_flagged"] += is_zh and flagged
    totals["en_flagged"] += (not is_zh) and flagged
    w_pipe = w_bare = "-"
    if ref and not is_zh and "speakers" not in path.stem:
        hyp = " ".join(t.text for t in sorted(doc.turns, key=lambda t: t.start))
        e_pipe = edit_distance(normalize(ref), normalize(hyp))
        e_bare = edit_distance(normalize(ref), normalize(bare_text(bare, path)))
        n = len(normalize(ref))
        totals["pipe"] += e_pipe
        totals["bare"] += e_bare
        totals["words"] += n
        w_pipe, w_bare = f"{e_pipe / n:.3f}", f"{e_bare / n:.3f}"
    rttm = path.with_suffix(".rttm")
    d = f"{der(doc, rttm):.3f}" if rttm.is_file() else "-"
    print(f"{path.name[:34]:34s} {w_pipe:>7s} {w_bare:>7s} {d:>5s} {len(doc.speakers):3d} "
          f"{doc.language:4s} {','.join(doc.asr.get('flags', [])) or '-':12s} "
          f"{doc.asr.get('confidence', 0):.2f}  {roles(doc)}")


def _generated_row(pipeline, path: Path, truth: dict) -> None:
    """One generated call: language and flags as detected, stereo roles checked against the
    channel the agent was rendered on."""
    doc = pipeline.process(path)
    agent = "S1" if truth.get("agent_channel") == "right" else None
    ok = agent is None or any(s.id == agent and s.role == "agent" for s in doc.speakers)
    print(f"{truth['name'][:26]:26s} {'stereo' if truth['channels'] == 2 else 'mono':6s} "
          f"truth={truth['language']} lang={doc.language} flags={doc.asr.get('flags')} "
          f"roles {'ok' if ok else 'WRONG'}: {roles(doc)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", default=str(REAL))
    ap.add_argument("--calls", type=int, default=4, help="generated calls (half en, half zh)")
    ap.add_argument("--only", default="", help="only files whose name contains one of these (comma-separated)")
    ap.add_argument("--num-speakers", type=int, default=None,
                    help="mono speakers (0 = estimate; default: the settings default, 2)")
    args = ap.parse_args(argv)

    from hotline.asr.loader import load_faster_whisper
    from hotline.pipeline import Pipeline
    from hotline.settings import load_settings

    tmp = Path(tempfile.mkdtemp(prefix="bench_real_"))
    extra = {} if args.num_speakers is None else {"num_speakers": args.num_speakers}
    settings = load_settings({}, data_dir=str(tmp / "data"), max_duration=600.0,
                             redacted_audio=False, **extra)
    pipeline = Pipeline.load(settings)
    bare = load_faster_whisper("bundled", "cpu", "int8").model
    files = [p for p in sorted(Path(args.real).iterdir())
             if p.suffix in AUDIO and any(o in p.name for o in args.only.split(","))]
    totals = {"pipe": 0, "bare": 0, "words": 0, "zh": 0, "zh_flagged": 0, "en_flagged": 0}
    print(f"{'file':34s} {'WERpipe':>7s} {'WERbare':>7s} {'DER':>5s} spk lang flags        conf  roles")
    for path in files:
        _real_row(pipeline, bare, path, totals)
    for path, truth in generated_calls(args.calls, tmp / "calls"):
        _generated_row(pipeline, path, truth)
    if totals["words"]:
        print(f"\nEnglish WER over {totals['words']} words: pipeline {totals['pipe'] / totals['words']:.4f}"
              f"  bare faster-whisper {totals['bare'] / totals['words']:.4f}")
    print(f"Mandarin flagged language_unsupported: {totals['zh_flagged']}/{totals['zh']}; "
          f"English files flagged: {totals['en_flagged']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
