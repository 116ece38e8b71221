"""The blind evaluation sets (tests/data/eval, written by a helper that never saw the code).

The frozen set is pinned by checksum: it was committed before any tuning and must never be edited
to pass. Tuning happens on dev only; scripts/bench_analytics.py and scripts/bench_redaction.py
print dev and frozen numbers side by side.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"

FROZEN_SHA256 = {
    "calls.jsonl": "2e6766c4d9e98d3ebb9a6d229e3e948aebc59afdf3d5e07e1babcf7d6b37d3cf",
    "redaction.jsonl": "85ee934211f9537691ed5c5576dc73e87956c2fbc759cfee9a946d7287ee76c6",
    "search.jsonl": "c1eeef91b4d5d041d82f6e356ef23d2c76fd0b1a2af0462cdaacdd137b9664ae",
}


@pytest.mark.parametrize("name", sorted(FROZEN_SHA256))
def test_frozen_set_is_unchanged(name: str) -> None:
    data = (EVAL / "frozen" / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == FROZEN_SHA256[name], (
        f"frozen/{name} changed: the frozen evaluation set must never be edited")


def test_frozen_matches_the_writers_checksums() -> None:
    sums = dict(line.split()[::-1] for line in (EVAL / "frozen" / "SHA256SUMS").read_text()
                .splitlines() if line.strip())
    assert sums == FROZEN_SHA256


def test_dev_and_frozen_share_no_call_text() -> None:
    def sentences(split: str) -> set[str]:
        calls = [json.loads(line) for line in (EVAL / split / "calls.jsonl").open()]
        return {t["text"] for c in calls for t in c["turns"] if len(t["text"]) > 12}

    assert not sentences("dev") & sentences("frozen")
