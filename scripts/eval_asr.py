"""Render the blind evaluation calls with espeak-ng and transcribe them with the product's ASR.

    .venv/bin/python scripts/eval_asr.py dev [--limit 40]
    .venv/bin/python scripts/eval_asr.py dev2
    .venv/bin/python scripts/eval_asr.py frozen

Each English call's turns are rendered in voices/speeds the project's own renderer does not use,
with line noise (SNR 15-30 dB) at 8 kHz (synth.labelled), and each turn is transcribed by the
configured ASR (default: the bundled faster-whisper tiny.en). The text per turn and the clip
lengths go to tests/data/eval/<set>/asr_cache.json, so benches and tests score what the product
hears without re-running ASR. Mandarin calls are skipped: no Mandarin ASR model ships offline.
The cache is resumable: calls already in it are not re-run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT / "tests" / "data" / "eval"


def _heard(call: dict, asr, options) -> dict:
    """One call rendered turn by turn and transcribed: texts, clip lengths, voices."""
    import soxr

    from hotline.synth.labelled import render_turns, voices_for

    clips = render_turns(call)
    texts = [asr.transcribe(soxr.resample(c, 8000, 16000).astype("float32"), options).text.strip()
             for c in clips]
    return {"texts": texts, "durations": [round(len(c) / 8000, 3) for c in clips],
            "voices": sorted({v.voice for v in voices_for(call)})}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("set", choices=["dev", "dev2", "frozen"])
    ap.add_argument("--limit", type=int, default=0, help="at most this many new calls")
    ap.add_argument("--eval-dir", type=Path, default=EVAL, help="where the sets live")
    args = ap.parse_args(argv)

    from hotline.asr.loader import load_transcriber
    from hotline.asr.options import ASROptions
    from hotline.settings import Settings

    folder = args.eval_dir / args.set
    calls = [json.loads(line) for line in (folder / "calls.jsonl").open(encoding="utf-8")]
    calls = [c for c in calls if c["language"] == "en"]
    cache_path = folder / "asr_cache.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {"calls": {}}
    todo = [c for c in calls if c["id"] not in cache["calls"]]
    if args.limit:
        todo = todo[: args.limit]
    settings = Settings()
    asr = load_transcriber(settings)
    options = ASROptions(language="en")
    cache["asr"] = f"{settings.asr_backend}:{settings.asr_model}"
    cache["render"] = "synth.labelled.render_turns (espeak-ng eval voices, SNR 15-30 dB, 8 kHz)"
    t0 = time.perf_counter()
    for k, call in enumerate(todo, 1):
        cache["calls"][call["id"]] = _heard(call, asr, options)
        cache_path.write_text(json.dumps(cache, ensure_ascii=False, indent=1) + "\n")
        print(f"{k}/{len(todo)} {call['id']} {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"{len(cache['calls'])} calls cached in {cache_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
