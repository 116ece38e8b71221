"""Held-out check of the shipped recognisers on dev3 (a phrase bank by a third writer).

    .venv/bin/python scripts/eval_dev3.py [--half heldout|train|all] [--summary]

dev3 is split in two halves by a hash of each phrase's clean id (an ASR variant goes with the
phrase it was heard from, so no wording leaks across): scripts/build_recognisers.py trains on
the `train` half, the `heldout` half is the honest number. Per dev3 label (and asr / written
apart): the share of phrases each recogniser accepts at the rulebook's thresholds. `--summary`
adds one line per behaviour a rule rests on (found where it should be, taken where it should
not).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline import defaults  # noqa: E402

DEV3 = ROOT / "tests" / "data" / "eval" / "dev3" / "phrases.jsonl"
HALVES = ("train", "heldout")
THRESHOLDS = {"greeting_company": defaults.GREETING_RECOGNISED_P,
              "own_name": defaults.OWN_NAME_RECOGNISED_P,
              "account_action": defaults.ACTION_RECOGNISED_P,
              "empathy": defaults.EMPATHY_RECOGNISED_P,
              "deflection": defaults.DEFLECTION_RECOGNISED_P}
# recogniser -> (dev3 labels it should accept, dev3 labels it should reject): --summary
BEHAVIOURS = {
    "greeting_company": (("greeting_full", "company_only"), ("name_only", "bare")),
    "own_name": (("greeting_full", "name_only"), ("company_only", "bare")),
    "account_action": (("account_action",), ("action_offer", "info_only")),
    "verification": (("verification_ask", "verification_done"),
                     ("account_action", "action_offer", "info_only", "let_me_check")),
    "empathy": (("empathy",), ("apology_not_empathy",)),
    "deflection": (("deflection",), ("harmless_trigger",)),
    "hold_notice": (("hold_notice",), ("back_from_hold",)),
    "anything_else": (("anything_else_ask",), ("farewell_no_thanks",)),
    "anger": (("angry",), ("calm_complaint", "distress", "neutral_customer")),
    "complaint": (("angry", "calm_complaint", "distress"), ("positive", "neutral_customer")),
}


def half(item: dict) -> str:
    """'train' or 'heldout', from a hash of the clean phrase's id (deterministic)."""
    clean = item.get("of") or item["id"]
    return HALVES[hashlib.sha256(clean.encode("utf-8")).digest()[0] & 1]


def load(which: str = "all") -> list[dict]:
    """dev3 phrases of one half (or all)."""
    items = [json.loads(line) for line in DEV3.open(encoding="utf-8")]
    return items if which == "all" else [it for it in items if half(it) == which]


def accepted(items: list[dict], model: Path | None = None
             ) -> tuple[list[str], list[list[bool]]]:
    """(recogniser labels, per item whether each accepts it at the rulebook's threshold)."""
    from hotline.analytics.recognise import Recognisers
    from hotline.embed import Embedder

    rec = Recognisers(Embedder(), model)
    probs = rec.unit_scores([it["text"] for it in items])
    return rec.labels, [[p[k] >= THRESHOLDS.get(lab, 0.5) for k, lab in enumerate(rec.labels)]
                        for p in probs]


def table(items: list[dict], labels: list[str], hits: list[list[bool]]) -> None:
    rate: dict[tuple[str, str, bool], list] = defaultdict(list)
    for it, h in zip(items, hits, strict=True):
        rate[(it["label"], it["lang"], it["asr"])].append(h)
    print(f"{'dev3 label':28s}{'n':>5s} " + " ".join(f"{lab[:9]:>9s}" for lab in labels))
    for (label, lang, asr), rows in sorted(rate.items()):
        share = [sum(r[k] for r in rows) / len(rows) for k in range(len(labels))]
        name = f"{label} {lang}{' asr' if asr else ''}"
        print(f"{name:28s}{len(rows):5d} " + " ".join(f"{s:9.2f}" for s in share))


def summary(items: list[dict], labels: list[str], hits: list[list[bool]]) -> None:
    """Per behaviour and language: recall on what it should find, false-accept rate on its
    near misses."""
    print(f"\n{'behaviour':18s}{'lang':>5s}{'found':>8s}{'n':>5s}{'near-miss taken':>17s}{'n':>5s}")
    for rec, (pos, neg) in BEHAVIOURS.items():
        k = labels.index(rec)
        for lang in ("en", "zh"):
            p = [h[k] for it, h in zip(items, hits, strict=True)
                 if it["lang"] == lang and it["label"] in pos]
            n = [h[k] for it, h in zip(items, hits, strict=True)
                 if it["lang"] == lang and it["label"] in neg]
            print(f"{rec:18s}{lang:>5s}{sum(p) / max(1, len(p)):8.2f}{len(p):5d}"
                  f"{sum(n) / max(1, len(n)):17.2f}{len(n):5d}")


# fixed lines the rule probes put around a dev3 phrase (brand and name used nowhere in dev3)
FIXED = {
    "en": {"greet": "Thank you for calling Polaris Telecom, my name is Sam. How can I help?",
           "ask": "Hi, I need some help with my mobile account.", "ok": "Okay.",
           "angry": "This is the third time I've called, it's ridiculous, nobody fixes anything!",
           "reply": "Let me look at the account.", "action": "I've blocked the SIM card now."},
    "zh": {"greet": "您好，欢迎致电北极星通信，我是小孙，请问有什么可以帮您？",
           "ask": "你好，我想办一下我手机号的业务。", "ok": "好的。",
           "angry": "我都打了三次了，太离谱了，到底有没有人管！",
           "reply": "我帮您看一下账户。", "action": "已经帮您把这张卡停机了。"},
}
# probe -> (rule, dev3 labels the rule should flag, dev3 labels it should pass)
PROBES = {
    "greeting": ("greeting.missing", ("company_only", "name_only", "bare"), ("greeting_full",)),
    "action": ("verification.missing", ("account_action",), ("action_offer", "info_only")),
    "check_before": ("verification.missing", (), ("verification_ask", "verification_done")),
    "check_same_turn": ("verification.missing", ("apology_not_empathy", "thanks_not_closing",
                                                 "let_me_check"), ("verification_done",)),
    "anchor": ("empathy.missing", ("angry", "calm_complaint", "distress"),
               ("positive", "neutral_customer")),
    "empathy": ("empathy.missing", ("info_only",), ("empathy", "apology_not_empathy")),
    "deflection": ("language.forbidden", ("deflection",), ("harmless_trigger",)),
}


def probe_call(probe: str, item: dict, flag: bool) -> dict:
    """A labelled mini-call around one dev3 phrase (the probe's rule broken iff `flag`)."""
    f, text, lang = FIXED[item["lang"]], item["text"], item["lang"]
    sep = "" if lang == "zh" else " "
    turns = {
        "greeting": [("agent", text), ("customer", f["ask"]), ("agent", f["reply"])],
        "action": [("agent", f["greet"]), ("customer", f["ask"]), ("agent", text),
                   ("customer", f["ok"])],
        "check_before": [("agent", f["greet"]), ("customer", f["ask"]), ("agent", text),
                         ("customer", f["ok"]), ("agent", f["action"])],
        "check_same_turn": [("agent", f["greet"]), ("customer", f["ask"]),
                            ("agent", text + sep + f["action"])],
        "anchor": [("agent", f["greet"]), ("customer", text), ("agent", f["reply"]),
                   ("customer", f["ok"]), ("agent", f["reply"])],
        "empathy": [("agent", f["greet"]), ("customer", f["angry"]), ("agent", text),
                    ("customer", f["ok"]), ("agent", f["reply"])],
        "deflection": [("agent", f["greet"]), ("customer", f["ask"]), ("agent", text)],
    }[probe]
    return {"id": f"{probe}:{item['id']}", "language": lang,
            "turns": [{"role": r, "text": t} for r, t in turns],
            "violations": [PROBES[probe][0]] if flag else []}


def rule_probes(items: list[dict]) -> None:
    """Per probe and language: the rule's verdict on mini-calls around the phrases (flagged
    where it should be / flagged where it should not)."""
    from hotline.analytics.analyzer import CallAnalyzer
    from hotline.analytics.scoring import score_calls

    analyzer = CallAnalyzer()
    print(f"\n{'rule probe':18s}{'rule':>22s}{'lang':>5s}{'flagged':>9s}{'n':>5s}"
          f"{'wrongly flagged':>17s}{'n':>5s}")
    for probe, (rule, bad, good) in PROBES.items():
        for lang in ("en", "zh"):
            row = []
            for labels, flag in ((bad, True), (good, False)):
                calls = [probe_call(probe, it, flag) for it in items
                         if it["lang"] == lang and it["label"] in labels]
                sc = score_calls(analyzer, calls, [rule]).rules[rule] if calls else None
                hit = (sc.tp if flag else sc.fp) if sc else 0
                row += [hit / max(1, len(calls)), len(calls)]
            print(f"{probe:18s}{rule:>22s}{lang:>5s}{row[0]:9.2f}{row[1]:5d}"
                  f"{row[2]:17.2f}{row[3]:5d}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--half", choices=(*HALVES, "all"), default="heldout",
                    help="which half of dev3 (the recognisers train on 'train')")
    ap.add_argument("--summary", action="store_true", help="per-behaviour found / near-miss lines")
    ap.add_argument("--rules", action="store_true",
                    help="rule verdicts on mini-calls around the phrases (shipped model)")
    ap.add_argument("--model", type=Path, default=None, help="a recognisers.npz (default: shipped)")
    args = ap.parse_args()
    items = load(args.half)
    labels, hits = accepted(items, args.model)
    print(f"dev3 {args.half}: {len(items)} phrases")
    table(items, labels, hits)
    if args.summary:
        summary(items, labels, hits)
    if args.rules:
        rule_probes(items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
