"""dev3 (a third writer's phrase bank, tests/data/eval/dev3) is kept byte for byte as written."""

from __future__ import annotations

import hashlib
from pathlib import Path

DEV3 = Path(__file__).resolve().parents[1] / "data" / "eval" / "dev3"


def test_dev3_matches_the_writers_checksums() -> None:
    sums = dict(line.split()[::-1] for line in (DEV3 / "SHA256SUMS").read_text().splitlines()
                if line.strip())
    assert set(sums) == {"phrases.jsonl", "README.md"}
    for name, digest in sums.items():
        assert hashlib.sha256((DEV3 / name).read_bytes()).hexdigest() == digest, name
