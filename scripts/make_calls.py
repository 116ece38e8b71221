"""Generate synthetic hotline calls: audio (`<name>.wav`) + ground truth (`<name>.json`).

    python scripts/make_calls.py --out DIR --n 20 [--lang en,zh] [--stereo-ratio 0.3]
        [--noise 0.0] [--seed 0] [--kinds clean,greeting.missing,angry+pii] [--text-only]
        [--encoding pcm16|ulaw] [--date YYYY-MM-DD] [--no-telephony]

Each call's truth JSON carries a "metadata" object (the sidecar the pipeline reads): date, agent,
caller number, area, and the telephony/ticket fields of docs/metadata.md.

--kinds without --n renders every kind in every language; `--kinds all` = the labelled set.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hotline.synth import scenarios  # noqa: E402
from hotline.synth.telephony import telephony_metadata  # noqa: E402
from hotline.synth.truth import save_truth  # noqa: E402


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--n", type=int, default=None, help="number of calls (default 20, or one "
                    "per kind and language with --kinds)")
    ap.add_argument("--lang", default="en,zh", help="comma-separated: en,zh")
    ap.add_argument("--stereo-ratio", type=float, default=0.0, help="share of stereo calls")
    ap.add_argument("--noise", type=float, default=0.0,
                    help="line noise RMS relative to speech (0.1 = SNR 20 dB)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", default=None, help="comma-separated kinds; 'all' = every kind; "
                    f"known: {', '.join(scenarios.KINDS)} (combine with +)")
    ap.add_argument("--encoding", choices=("pcm16", "ulaw"), default="pcm16",
                    help="WAV sample format (ulaw = G.711 mu-law)")
    ap.add_argument("--text-only", action="store_true", help="write truth JSON only, no audio")
    ap.add_argument("--date", default=None, help="YYYY-MM-DD for every call (a day of recordings); "
                    "default: dates spread over November 2026")
    ap.add_argument("--no-telephony", action="store_true",
                    help="leave out the telephony/ticket metadata (queue wait, outcome, ticket "
                    "times: docs/metadata.md)")
    return ap


def _scripted_calls(args: argparse.Namespace) -> list[dict]:
    """The calls' scripts with the metadata the flags ask for (ValueError on unknown kinds)."""
    langs = tuple(x.strip() for x in args.lang.split(",") if x.strip())
    kinds = None
    if args.kinds:
        kinds = list(scenarios.KINDS) if args.kinds == "all" else [
            k.strip() for k in args.kinds.split(",") if k.strip()]
    calls = scenarios.build_scenarios(seed=args.seed, n=args.n, languages=langs, kinds=kinds)
    if args.date:
        for call in calls:
            call["metadata"]["date"] = args.date
    if not args.no_telephony:
        rng = random.Random(f"telephony:{args.seed}")
        for call in calls:
            call["metadata"].update(telephony_metadata(call, rng))
    return calls


def _write_index(truths: list[dict], out: str) -> None:
    index = [{"name": t["name"], "language": t["language"], "violations": t["violations"],
              "intents": t["intents"], "tags": t["tags"], "duration": t["duration"]}
             for t in truths]
    with open(os.path.join(out, "index.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in index)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        calls = _scripted_calls(args)
    except ValueError as e:
        print(f"make_calls: {e}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    if args.text_only:
        for call in calls:
            save_truth(call, os.path.join(args.out, f"{call['name']}.json"))
        truths = calls
    else:
        from hotline.synth.render import espeak_available, render_calls
        if not espeak_available():
            print("make_calls: espeak-ng not found (install espeak-ng or use --text-only)",
                  file=sys.stderr)
            return 1
        truths = render_calls(calls, args.out, stereo_ratio=args.stereo_ratio,
                              noise=args.noise, seed=args.seed, encoding=args.encoding)
    elapsed = time.perf_counter() - t0
    _write_index(truths, args.out)
    audio_s = sum(t["duration"] for t in truths)
    print(f"{len(truths)} calls, {audio_s:.0f} s of audio, in {elapsed:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
