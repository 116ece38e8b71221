"""Retention: `hotline purge --before DATE` (or HOTLINE_RETENTION_DAYS) removes old calls.

A call older than the cutoff (its call date, YYYY-MM-DD, strictly before) goes from the results
store, the search index (turns, full-text entries, vectors, words only it used) and the data
dir (its muted audio copy); leftovers of live sessions under `data_dir/live` older than the
cutoff go too. Originals the system was given are never touched. Running it twice removes
nothing the second time; every run leaves one audit row (the cutoff and the counts).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hotline.store import audit
from hotline.store.db import Database
from hotline.store.erase import Erased, compact, erase_calls

LIVE_DIR = "live"          # per-session files of the live assist server, under the data dir


def retention_cutoff(days: int, today: dt.date | None = None) -> str | None:
    """`--before` for "keep `days` days": calls dated more than `days` days ago go; None when
    0 (keep forever)."""
    if days <= 0:
        return None
    return ((today or dt.date.today()) - dt.timedelta(days=days)).isoformat()


def calls_before(db: Database, before: str) -> list[str]:
    """Calls dated before `before`, in the results store or only in the search index."""
    rows = db.execute(
        "SELECT call_id FROM call_results WHERE call_date < ? "
        "UNION SELECT call_id FROM search_calls WHERE call_date < ?", (before, before))
    return sorted(r["call_id"] for r in rows)


def purge_before(db: Database, before: str, data_dir: str | Path, *,
                 dry_run: bool = False) -> Erased:
    """Remove every call dated before `before` (YYYY-MM-DD) and its data; audited."""
    dt.date.fromisoformat(before)          # a bad date is refused before anything is touched
    ids = calls_before(db, before)
    if dry_run:
        return Erased(calls=len(ids), store_compacted=False)
    out = erase_calls(db, ids, data_dir, scrub_audit=False)
    out.live_files = _sweep_live(Path(data_dir), before)
    compact(db, out)
    audit.record(db, "purge", query={"before": before}, detail=out.to_dict())
    return out


def _sweep_live(data_dir: Path, before: str) -> int:
    """Files under `data_dir/live` last written before the cutoff (local midnight)."""
    root = data_dir / LIVE_DIR
    if not root.is_dir():
        return 0
    cutoff = dt.datetime.combine(dt.date.fromisoformat(before), dt.time()).timestamp()
    removed = 0
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
            path.unlink()
            removed += 1
    return removed
