"""frozen2 (a fourth blind writer's calls, tests/data/eval/frozen2) is kept byte for byte as
written, and it is well formed. Nothing here scores it: it has never been scored (see its README)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

FROZEN2 = Path(__file__).resolve().parents[1] / "data" / "eval" / "frozen2"
FROZEN2_SHA256 = "de39ff33f988a6f69f6a3bcb4507a0984257baa41aee7ab8a2eb93ccf3c76b53"
RULES = {"greeting.missing", "closing.missing", "verification.missing", "empathy.missing",
         "language.forbidden", "hold.no_notice", "interruption.excessive"}


def test_frozen2_is_unchanged() -> None:
    data = (FROZEN2 / "calls.jsonl").read_bytes()
    assert hashlib.sha256(data).hexdigest() == FROZEN2_SHA256, "frozen2 must never be edited"
    assert (FROZEN2 / "SHA256SUMS").read_text().split()[0] == FROZEN2_SHA256


def test_frozen2_is_well_formed() -> None:
    calls = [json.loads(line) for line in (FROZEN2 / "calls.jsonl").open(encoding="utf-8")]
    assert len(calls) >= 100 and len({c["id"] for c in calls}) == len(calls)
    for c in calls:
        assert set(c["violations"]) <= RULES, c["id"]
        assert all(t["role"] in ("agent", "customer") for t in c["turns"]), c["id"]
        assert all("emotion" not in t for t in c["turns"] if t["role"] == "agent"), c["id"]
