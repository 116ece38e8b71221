"""Analytics benchmark: blind eval sets (dev vs frozen), time per call-hour, synth accuracy.

    .venv/bin/python scripts/bench_analytics.py [--calls 200] [--audio-calls 16] [--seed 0]
    .venv/bin/python scripts/bench_analytics.py --eval-only [--splits dev,dev2]

Blind sets: tests/data/eval/{dev,dev2,frozen}/calls.jsonl, written by helpers that never saw the
rulebook, lexicons or tests; tuned (and the recognisers trained) on dev, dev2 and the train
half of dev3 only (tuning runs: --splits dev,dev2). Scored on the written text (EN + ZH) and on
what tiny.en heard from espeak-ng renders in unseen voices with line noise (asr_cache.json, English
calls made by scripts/eval_asr.py; scored with the re-rendered call audio, so voice arousal
counts). Goals (frozen): F1 >= 0.9 per rule, clean calls flagged
<= 2 %, angry-turn recall >= 0.9, calm turns not angry >= 0.95.

Accuracy: violation-detection P/R/F1 (micro over rule ids, per call), per-rule F1, angry-turn
recall/precision and 4-class customer-turn accuracy against the synth ground truth (text).
Speed: CallAnalyzer.analyze per call-hour of audio, excluding one-time model loads (reported
apart). Goal < 2 % of tiny.en ASR time, i.e. < 3.6 s per call-hour. Audio timings use calls
rendered with espeak-ng (synth.render) when available.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_S_PER_HOUR = 3.6


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def accuracy(results: list) -> dict:
    from hotline.synth.scenarios import RULE_IDS

    tp = fp = fn = 0
    per_rule = {r: [0, 0, 0] for r in RULE_IDS}
    clean_fp = clean = 0
    angry = angry_hit = pred_angry = 0
    correct = total = 0
    for truth, doc in results:
        pred, gold = {v.rule for v in doc.violations}, set(truth["violations"])
        tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
        for r in RULE_IDS:
            per_rule[r][0] += r in pred and r in gold
            per_rule[r][1] += r in pred and r not in gold
            per_rule[r][2] += r in gold and r not in pred
        if not gold:
            clean += 1
            clean_fp += bool(pred)
        for g, t in zip(truth["turns"], doc.turns, strict=True):
            if g["role"] != "customer":
                continue
            total += 1
            correct += t.emotion.label == g["emotion"]
            angry += g["emotion"] == "angry"
            pred_angry += t.emotion.label == "angry"
            angry_hit += g["emotion"] == "angry" and t.emotion.label == "angry"
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    rule_f1 = {k: round(2 * a / max(1, 2 * a + b + c), 3) for k, (a, b, c) in per_rule.items()}
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / max(1e-9, p + r), 3),
            "rule_f1": rule_f1, "clean_calls": clean, "clean_calls_with_violations": clean_fp,
            "angry_turns": angry, "angry_recall": round(angry_hit / max(1, angry), 3),
            "angry_precision": round(angry_hit / max(1, pred_angry), 3),
            "customer_turn_accuracy": round(correct / max(1, total), 3)}


def time_calls(analyzer, docs_audio: list) -> tuple[float, float, list[float]]:
    """(wall s per call-hour, CPU s per call-hour, wall s per call). The machine may be shared:
    CPU time is what the analytics itself costs, wall time includes waiting for a core."""
    from hotline.text import zh_words

    per_call, cpu, total_audio = [], 0.0, 0.0
    for doc, audio in docs_audio:
        total_audio += doc.duration
        d = copy.deepcopy(doc)
        zh_words.cache_clear()  # synth calls repeat phrases; real calls do not
        c0, t0 = time.process_time(), time.perf_counter()
        analyzer.analyze(d, audio)
        per_call.append(time.perf_counter() - t0)
        cpu += time.process_time() - c0
    return sum(per_call) / total_audio * 3600.0, cpu / total_audio * 3600.0, per_call


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200, help="text-only synthetic calls")
    ap.add_argument("--audio-calls", type=int, default=16, help="calls rendered to audio")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-only", action="store_true", help="only the blind dev/frozen sets")
    ap.add_argument("--splits", default=",".join(EVAL_SPLITS),
                    help="blind sets to score (default: all present; tuning runs use dev,dev2)")
    args = ap.parse_args()

    from hotline.analytics.analyzer import CallAnalyzer
    from hotline.analytics.emotion import EmotionScorer
    from hotline.analytics.rulebook import load_rulebook

    t0 = time.perf_counter()
    book = load_rulebook()
    scorer = EmotionScorer()
    analyzer = CallAnalyzer(book, scorer)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    scorer.warm_up()  # librosa import, jieba dictionary, snownlp model (CallAnalyzer.load does it)
    t_zh = time.perf_counter() - t0
    t0 = time.perf_counter()
    if book.embedder is not None:
        book.embedder.encode(["warm up"])
    t_minilm = time.perf_counter() - t0
    print(f"one-time loads: rulebook+lexicon {t_load:.2f} s, librosa+jieba+snownlp {t_zh:.2f} s, "
          f"MiniLM (lazy, semantic rules) {t_minilm:.2f} s")
    eval_bench(analyzer, book, tuple(args.splits.split(",")))
    if args.eval_only:
        return 0

    synth_bench(analyzer, book, scorer, args)
    audio_bench(analyzer, args)
    return 0


def synth_bench(analyzer, book, scorer, args) -> None:
    """The labelled synthetic calls: accuracy, time per call-hour, live add_turn latency."""
    from hotline.analytics.analyzer import LiveRules
    from hotline.synth.scenarios import KINDS, build_scenarios
    from hotline.synth.truth import to_call_document

    calls = (build_scenarios(seed=args.seed, kinds=list(KINDS))
             + build_scenarios(seed=args.seed + 1, n=args.calls))
    results = [(t, analyzer.analyze(to_call_document(t))) for t in calls]
    acc = accuracy(results)
    print(f"\naccuracy on {len(calls)} synthetic calls (en+zh, text):")
    print(f"  violations  P {acc['precision']:.3f}  R {acc['recall']:.3f}  F1 {acc['f1']:.3f}"
          f"   clean calls with a violation: {acc['clean_calls_with_violations']}/{acc['clean_calls']}")
    print("  per rule F1 " + "  ".join(f"{k} {v:.2f}" for k, v in acc["rule_f1"].items()))
    print(f"  angry turns {acc['angry_turns']}: recall {acc['angry_recall']:.3f}  precision "
          f"{acc['angry_precision']:.3f};  customer-turn 4-class accuracy {acc['customer_turn_accuracy']:.3f}")

    docs = [(to_call_document(t), None) for t in calls]
    per_hour, cpu_hour, per_call = time_calls(analyzer, docs)
    print(f"\ntext-only: {per_hour:.3f} s wall / {cpu_hour:.3f} s CPU per call-hour (goal < "
          f"{GOAL_S_PER_HOUR} s); per call p50 {1000 * statistics.median(per_call):.1f} ms "
          f"p95 {1000 * pct(per_call, 95):.1f} ms max {1000 * max(per_call):.1f} ms")
    live_ms = []
    for doc, _ in docs[:60]:
        live = LiveRules(book, scorer, language=doc.language)
        for turn in copy.deepcopy(doc.turns):
            t0 = time.perf_counter()
            live.add_turn(turn)
            live_ms.append(1000 * (time.perf_counter() - t0))
    print(f"live add_turn: p50 {statistics.median(live_ms):.2f} ms  p95 {pct(live_ms, 95):.2f} ms")



EVAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "eval"
EVAL_SPLITS = ("dev", "dev2", "frozen")


def _eval_rows(analyzer, book, splits: tuple[str, ...]) -> dict:
    import json

    from hotline.analytics.scoring import score_calls

    rule_ids = [r.id for r in book.rules if r.kind != "alert"]
    rows = {}
    for split in splits:
        if not (EVAL / split / "calls.jsonl").exists():
            continue
        calls = [json.loads(line) for line in (EVAL / split / "calls.jsonl").open(encoding="utf-8")]
        rows[("text", split)] = score_calls(analyzer, calls, rule_ids)
        cache = EVAL / split / "asr_cache.json"
        if cache.exists():
            asr = json.loads(cache.read_text(encoding="utf-8"))["calls"]
            rows[("asr", split)] = score_calls(analyzer, calls, rule_ids, asr, with_audio=True)
    return rows


def eval_bench(analyzer, book, splits: tuple[str, ...] = EVAL_SPLITS) -> None:
    """Blind dev vs frozen, written text and ASR text, side by side (only the given splits)."""
    rows = _eval_rows(analyzer, book, splits)
    cols = list(rows)
    print("\nblind evaluation sets (tuned on dev, dev2 and dev3's train half only):")
    print(f"{'':26s}" + "".join(f"{m + ' ' + s:>14s}" for m, s in cols) + "   goal")
    print(f"{'calls':26s}" + "".join(f"{rows[c].calls:14d}" for c in cols))
    for rule in sorted(rows[cols[0]].rules):
        print(f"{'F1 ' + rule:26s}" + "".join(f"{rows[c].rules[rule].f1:14.3f}" for c in cols)
              + "   >= 0.9")
    print(f"{'clean calls flagged':26s}" + "".join(
        f"{rows[c].clean_flagged_rate:9.1%} {rows[c].clean_flagged:2d}/{rows[c].clean_calls:<2d}"
        for c in cols) + "   <= 2 %")
    print(f"{'angry-turn recall':26s}" + "".join(
        f"{rows[c].angry_recall:9.3f} {rows[c].angry_found:2d}/{rows[c].angry_turns:<2d}"
        for c in cols) + "   >= 0.9")
    print(f"{'calm turns not angry':26s}" + "".join(
        f"{rows[c].calm_not_angry_rate:14.3f}" for c in cols) + "   >= 0.95")
    false_alarms(rows)


def false_alarms(rows: dict) -> None:
    """Which rules fire where the labels say they should not (false positives per rule), and
    on which calls: where the clean-call rate comes from."""
    from collections import defaultdict

    print("\nfalse alarms per rule (calls; tuning sets only: frozen items are never listed, "
          "so nobody tunes on them):")
    for (mode, split), sc in rows.items():
        if split == "frozen":
            continue
        byrule: dict[str, list[str]] = defaultdict(list)
        for call_id, kind, rule in sc.errors:
            if kind == "false":
                byrule[rule].append(call_id)
        print(f"  {mode} {split}: " + ("; ".join(
            f"{r} {len(ids)} ({', '.join(ids[:6])}{' ...' if len(ids) > 6 else ''})"
            for r, ids in sorted(byrule.items())) or "none"))


def audio_bench(analyzer, args) -> None:
    from hotline.audio import decode_audio
    from hotline.synth import render
    from hotline.synth.scenarios import build_scenarios
    from hotline.synth.truth import to_call_document

    if not render.espeak_available():
        print("\naudio: espeak-ng not installed, skipped")
        return
    kinds = ["clean", "angry", "hold.ok", "interruption.excessive"]
    calls = build_scenarios(seed=args.seed + 2, kinds=kinds, n=args.audio_calls)
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        rendered = render.render_calls(calls, out, stereo_ratio=0.25)
        t_render = time.perf_counter() - t0
        docs = [(to_call_document(t), decode_audio(Path(out) / t["audio"])) for t in rendered]
    hours = sum(d.duration for d, _ in docs) / 3600
    per_hour, cpu_hour, per_call = time_calls(analyzer, docs)
    print(f"\nwith audio ({len(docs)} espeak-rendered calls, {60 * hours:.1f} min, rendered in "
          f"{t_render:.1f} s): {per_hour:.3f} s wall / {cpu_hour:.3f} s CPU per call-hour (goal < "
          f"{GOAL_S_PER_HOUR} s); per call p50 {1000 * statistics.median(per_call):.1f} ms "
          f"p95 {1000 * pct(per_call, 95):.1f} ms max {1000 * max(per_call):.1f} ms")
    angry, calm = [], []
    results = []
    for (doc, audio), truth in zip(docs, rendered, strict=True):
        analyzer.analyze(doc, audio)
        results.append((truth, doc))
        for g, t in zip(truth["turns"], doc.turns, strict=True):
            if g["role"] == "customer":
                (angry if g["emotion"] == "angry" else calm).append(t.emotion.arousal)
    acc = accuracy(results)
    if angry and calm:
        print(f"  acoustic arousal of customer turns: angry mean {statistics.mean(angry):.2f} vs "
              f"others {statistics.mean(calm):.2f} (renderer: angry = louder, faster, higher)")
    print(f"  with audio: violations F1 {acc['f1']:.3f}, angry recall {acc['angry_recall']:.3f} "
          f"precision {acc['angry_precision']:.3f}")


if __name__ == "__main__":
    sys.exit(main())
