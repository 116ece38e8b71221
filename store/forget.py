"""The right to be forgotten: `hotline forget --caller NUMBER` erases every call of a caller.

The number is hashed exactly as the pipeline hashes it into `metadata.caller_hash`
(`hotline.privacy.redact.caller_hash`: digits only, +86/0086 stripped, salted HMAC), so the
number itself is never stored or logged here. A caller's calls are the results rows with that
hash, plus rows whose recording path holds the number (file names often do, and a failed
recording has no document to carry the hash). Everything of those calls goes (see
`store/erase.py`), audit rows keep what happened but lose the call reference, and the store is
compacted so the words and ids do not survive in the files. The audit row of the forget itself
holds the caller hash and the counts: not the number, not the call ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hotline.privacy.redact import caller_hash
from hotline.store import audit
from hotline.store.db import Database
from hotline.store.erase import Erased, compact, erase_calls

MIN_PATH_DIGITS = 7        # a number this long in a recording's path names its caller


@dataclass
class Forgotten:
    caller_hash: str
    erased: Erased


def calls_of_caller(db: Database, number: str | None = None,
                    hashed: str | None = None, salt: str = "") -> tuple[str, list[str]]:
    """(caller hash, the caller's call ids), from the number or, when replaying a forget
    after restoring a backup, from the hash the audit log kept (no path match then)."""
    if number is None and hashed is None:
        raise ValueError("a caller number or caller hash is needed")
    hashed = caller_hash(number, salt) if number is not None else hashed
    rows = db.execute("SELECT DISTINCT call_id FROM call_results WHERE caller_hash = ?",
                      (hashed,))
    ids = {r["call_id"] for r in rows}
    digits = _national_digits(number or "")
    if len(digits) >= MIN_PATH_DIGITS:
        for row in db.execute("SELECT call_id, source FROM call_results WHERE source LIKE ?",
                              (f"%{digits[-MIN_PATH_DIGITS:]}%",)):
            if digits in re.sub(r"\D", "", row["source"]):
                ids.add(row["call_id"])
    return hashed, sorted(ids)


def forget_caller(db: Database, number: str | None, data_dir: str | Path, *,
                  hashed: str | None = None, salt: str = "",
                  dry_run: bool = False) -> Forgotten:
    """Erase every call of the caller with `number` (or `hashed`); audited with the hash and
    counts. `salt` must be the pipeline's (`Settings.pii_salt`) or the hash finds nothing."""
    hashed, ids = calls_of_caller(db, number, hashed, salt)
    if dry_run:
        return Forgotten(hashed, Erased(calls=len(ids), store_compacted=False))
    erased = erase_calls(db, ids, data_dir, scrub_audit=True)
    compact(db, erased)
    audit.record(db, "forget", query={"caller_hash": hashed}, detail=erased.to_dict())
    return Forgotten(hashed, erased)


def _national_digits(number: str) -> str:
    """The digits of a number without a +86/0086 prefix (the form file names use)."""
    digits = re.sub(r"\D", "", number)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix):]
    return digits
