"""`hotline export --since DATE`: the stored (redacted) call documents as JSON Lines.

One document per line, the contract JSON, oldest first, one per call (the newest pipeline
version). Every document is checked again for PII before it leaves (`assert_redacted`): one
that fails is left out and named, so an export never carries a card number the redactor missed
at the time it was stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TextIO

from hotline.privacy.redact import RedactionFailed, assert_redacted
from hotline.store import audit
from hotline.store.results import ResultsStore


@dataclass
class Exported:
    written: int = 0
    refused: list[str] = field(default_factory=list)    # call ids held back (PII found)


def export_documents(store: ResultsStore, out: TextIO, since: str | None = None,
                     until: str | None = None) -> Exported:
    """Write documents with call date in [since, until] to `out`; audited (range + counts)."""
    result = Exported()
    for doc in store.iter_documents(since=since, until=until):
        try:
            assert_redacted(doc)
        except RedactionFailed:
            result.refused.append(doc.call_id)
            continue
        out.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
        result.written += 1
    audit.record(store.db, "export", query={"since": since, "until": until},
                 detail={"written": result.written, "refused": len(result.refused)},
                 status="ok" if not result.refused else "partial")
    return result
