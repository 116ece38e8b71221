"""Redaction benchmark on the blind corpora: dev and frozen side by side.

    .venv/bin/python scripts/bench_redaction.py [--misses]

tests/data/eval/{dev,frozen}/redaction.jsonl were written by a helper that never saw the redactor:
utterances reading out cards, CVVs, IDs, phones and e-mails (digits, number words, ASR homophones,
separators, spelled e-mails) after the agent's question, and look-alikes that must stay (order,
ticket, tracking numbers, dates, amounts, IMEI tails). Recall = spans fully masked; false positives
= negatives with anything masked. Goals: recall >= 97 %, false positives <= 3 %. Tuned on dev only.
Also: redaction time per utterance (p50/p95), with the agent's question as context.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT / "tests" / "data" / "eval"
GOAL_RECALL, GOAL_FP = 0.97, 0.03


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", action="store_true", help="list dev misses (never frozen ones)")
    args = ap.parse_args()

    from hotline.privacy.redact import redact_document
    from hotline.privacy.scoring import item_document, score_items

    rows = {}
    for split in ("dev", "frozen"):
        items = [json.loads(line) for line in (EVAL / split / "redaction.jsonl").open()]
        scores = score_items(items)
        times = []
        for item in items:
            doc = item_document(item)
            t0 = time.perf_counter()
            redact_document(doc)
            times.append(1000 * (time.perf_counter() - t0))
        rows[split] = (len(items), scores, times)
    print(f"{'':24s}{'dev':>16s}{'frozen':>16s}   goal")
    print(f"{'items':24s}" + "".join(f"{rows[s][0]:16d}" for s in rows))
    print(f"{'span recall':24s}" + "".join(
        f"{rows[s][1].recall:9.1%} {rows[s][1].found:3d}/{rows[s][1].spans:<3d}" for s in rows)
        + f"   >= {GOAL_RECALL:.0%}")
    print(f"{'false positives':24s}" + "".join(
        f"{rows[s][1].fp_rate:9.1%} {rows[s][1].false_positives:3d}/{rows[s][1].negatives:<3d}"
        for s in rows) + f"   <= {GOAL_FP:.0%}")
    for kind in sorted(rows["dev"][1].by_type):
        print(f"{'  ' + kind:24s}" + "".join(
            f"{rows[s][1].by_type.get(kind, [0, 0])[0]:12d}/{rows[s][1].by_type.get(kind, [0, 0])[1]:<3d}"
            for s in rows))
    print(f"{'ms per utterance p50':24s}" + "".join(
        f"{statistics.median(rows[s][2]):16.2f}" for s in rows))
    print(f"{'ms per utterance p95':24s}" + "".join(f"{pct(rows[s][2], 95):16.2f}" for s in rows))
    if args.misses:
        for item_id, what in rows["dev"][1].misses:
            print(f"  dev miss {item_id}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
