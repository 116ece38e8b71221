"""Held-out check of the shipped recognisers on dev3 (a phrase bank by a third writer).

    .venv/bin/python scripts/eval_dev3.py

Per dev3 label (and asr / written apart): the share of phrases each recogniser accepts at the
rulebook's thresholds. dev3 was not trained on when these numbers were taken.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline import defaults  # noqa: E402
from hotline.analytics.recognise import Recognisers  # noqa: E402
from hotline.embed import Embedder  # noqa: E402

DEV3 = ROOT / "tests" / "data" / "eval" / "dev3" / "phrases.jsonl"
THRESHOLDS = {"greeting_company": defaults.GREETING_RECOGNISED_P,
              "own_name": defaults.OWN_NAME_RECOGNISED_P,
              "account_action": defaults.ACTION_RECOGNISED_P,
              "empathy": defaults.EMPATHY_RECOGNISED_P,
              "deflection": defaults.DEFLECTION_RECOGNISED_P}


def main() -> int:
    items = [json.loads(line) for line in DEV3.open(encoding="utf-8")]
    rec = Recognisers(Embedder())
    probs = rec.unit_scores([it["text"] for it in items])
    labels = rec.labels
    rate: dict[tuple[str, str, bool], list] = defaultdict(list)
    for it, p in zip(items, probs, strict=True):
        hits = [p[k] >= THRESHOLDS.get(lab, 0.5) for k, lab in enumerate(labels)]
        rate[(it["label"], it["lang"], it["asr"])].append(hits)
    print(f"{'dev3 label':28s}{'n':>5s} " + " ".join(f"{lab[:9]:>9s}" for lab in labels))
    for (label, lang, asr), rows in sorted(rate.items()):
        share = [sum(r[k] for r in rows) / len(rows) for k in range(len(labels))]
        name = f"{label} {lang}{' asr' if asr else ''}"
        print(f"{name:28s}{len(rows):5d} " + " ".join(f"{s:9.2f}" for s in share))
    return 0


if __name__ == "__main__":
    sys.exit(main())
