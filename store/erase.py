"""Erasing calls everywhere the system keeps them: the one path under purge and forget.

A call lives in five places: its `call_results` rows (job state + the redacted document, every
pipeline version), the search index (turns, full-text entries, tags, vectors, vocabulary words
only it used), the QA review (verdict and comments), the muted audio copy the pipeline wrote
under the data dir, and references in the audit log. Recordings the system was given (a row's `source`) are never touched: they are
the customer's originals, usually outside the data dir, and their lifecycle is theirs.

Order makes a crash safe to re-run: files first, then index rows, then the results rows (which
are how the calls are found again), each step idempotent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hotline.search.index import delete_calls
from hotline.store.db import Database

log = logging.getLogger(__name__)

CHUNK = 500                          # call ids per IN (...) statement
MUTED_DIR = "redacted_audio"         # where the pipeline writes muted copies, under the data dir
REVIEW_TABLES = ("qa_reviews", "qa_review_comments")   # a reviewer's words about the call


@dataclass
class Erased:
    """What one purge or forget removed (counts only: never ids or numbers)."""

    calls: int = 0             # distinct calls
    documents: int = 0         # call_results rows (one per pipeline version)
    indexed_calls: int = 0     # calls that were in the search index
    audio_copies: int = 0      # muted copies deleted from the data dir
    reviews: int = 0           # QA verdicts and comments on those calls
    audit_refs: int = 0        # audit rows whose call reference was cleared
    live_files: int = 0        # live-session leftovers (purge only)
    store_compacted: bool = True   # SQLite WAL folded back and truncated / PostgreSQL vacuumed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def erase_calls(db: Database, call_ids: Sequence[str], data_dir: str | Path, *,
                scrub_audit: bool) -> Erased:
    """Remove `call_ids` from every table and their muted audio copies; then compact the store
    so deleted bytes do not survive in the files (SQLite runs with `secure_delete`)."""
    ids = sorted(set(call_ids))
    out = Erased(calls=len(ids))
    if not ids:
        return out
    out.audio_copies = _delete_muted_copies(db, ids, Path(data_dir))
    out.indexed_calls = delete_calls(db, ids)
    with db.transaction() as cur:
        for part in _chunks(ids):
            marks = _marks(part)
            out.documents += len(cur.execute(
                f"DELETE FROM call_results WHERE call_id IN ({marks}) RETURNING call_id", part))
            for table in REVIEW_TABLES:
                out.reviews += len(cur.execute(
                    f"DELETE FROM {table} WHERE call_id IN ({marks}) RETURNING call_id", part))
        if scrub_audit:
            out.audit_refs = sum(_scrub_audit(cur, call_id) for call_id in ids)
    return out


def _scrub_audit(cur: Any, call_id: str) -> int:
    """Audit rows keep who did what and when, but no longer which call: the id is cleared
    from `call_id` and from the query and detail texts (a served file name holds it)."""
    like = f"%{call_id}%"
    return len(cur.execute(
        "UPDATE qa_audit SET call_id = CASE WHEN call_id = ? THEN NULL ELSE call_id END, "
        "query = REPLACE(query, ?, '[forgotten]'), detail = REPLACE(detail, ?, '[forgotten]') "
        "WHERE call_id = ? OR query LIKE ? OR detail LIKE ? RETURNING id",
        (call_id, call_id, call_id, call_id, like, like)))


def compact(db: Database, erased: Erased) -> Erased:
    """Fold deleted pages out of the files; records whether it could finish."""
    erased.store_compacted = db.compact()
    if not erased.store_compacted:
        log.warning("store not fully compacted: another process is reading it; run again")
    return erased


def muted_copy_paths(document_json: str | None, call_id: str, data_dir: Path) -> list[Path]:
    """Muted copies of one call the system wrote: `data_dir/redacted_audio/<id>.wav` and the
    document's `metadata.redacted_audio` — only ever inside the data dir."""
    root = data_dir.resolve()
    found = [root / MUTED_DIR / f"{call_id}.wav"]
    if document_json:
        meta = (json.loads(document_json).get("metadata") or {})
        if meta.get("redacted_audio"):
            found.append(Path(str(meta["redacted_audio"])))
    inside = []
    for path in found:
        resolved = path.resolve()
        if resolved.is_relative_to(root) and resolved not in inside:
            inside.append(resolved)
    return inside


def _delete_muted_copies(db: Database, ids: list[str], data_dir: Path) -> int:
    removed = 0
    for part in _chunks(ids):
        rows = db.execute(f"SELECT call_id, source, document FROM call_results "
                          f"WHERE call_id IN ({_marks(part)})", part)
        originals = {Path(r["source"]).resolve() for r in rows if r["source"]}
        docs = {r["call_id"]: r["document"] for r in rows}
        for call_id in part:
            for path in muted_copy_paths(docs.get(call_id), call_id, data_dir):
                if path in originals or not path.is_file():
                    continue
                path.unlink()
                removed += 1
    return removed


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _marks(part: Sequence[Any]) -> str:
    return ", ".join("?" * len(part))
