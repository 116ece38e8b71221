"""Live network facts: base-station / broadband / outage status by area, from a CSV or JSON feed.

Kept in the results database (`store.db.Database`) so every server process and the CLI see the
same, current state. A feed row replaces the stored row for the same (area, site) only when it
is at least as new (`updated_at`), so a late-arriving old feed never overwrites fresh status.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hotline import defaults
from hotline.errors import HotlineError
from hotline.store.db import Database
from hotline.store.schema import ensure_schema


class FeedRejected(HotlineError):
    """A facts feed (file or POST body) cannot be used; the message names the row. CLI exit 1."""


STATUSES = ("ok", "degraded", "maintenance", "down")
REQUIRED = ("area", "site_id", "status")
MAX_FIELD_CHARS = 500

UPSERT = """
INSERT INTO assist_facts (area_key, site_id, area, kind, status, detail, eta, updated_at, loaded_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (area_key, site_id) DO UPDATE SET
    area = excluded.area, kind = excluded.kind, status = excluded.status,
    detail = excluded.detail, eta = excluded.eta, updated_at = excluded.updated_at,
    loaded_at = excluded.loaded_at
WHERE excluded.updated_at >= assist_facts.updated_at
"""


@dataclass
class Fact:
    area: str
    site_id: str
    kind: str          # base_station | broadband | outage
    status: str        # ok | degraded | maintenance | down
    detail: str
    eta: str           # estimated restore time, "" when none
    updated_at: str    # ISO-8601 UTC, from the feed (or load time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FactsStore:
    """Area -> current site status, stored in the results database."""

    def __init__(self, db: Database):
        self.db = db
        ensure_schema(db)                       # tables: hotline.store.schema

    def load_feed(self, path: str | Path) -> int:
        """Load a CSV or JSON feed file; returns the number of rows accepted."""
        path = Path(path)
        if not path.exists():
            raise FeedRejected(f"facts feed {path} does not exist")
        return self.upsert(parse_feed(path.read_text(encoding="utf-8"), path.name))

    def upsert(self, rows: list[dict[str, Any]]) -> int:
        """Validate and store feed rows (newer replaces older per area/site); the whole feed
        is refused when one row is bad, when it is empty or over `MAX_FACTS_ROWS`."""
        if not rows:
            raise FeedRejected("the facts feed has no rows")
        if len(rows) > defaults.MAX_FACTS_ROWS:
            raise FeedRejected(f"the facts feed has {len(rows)} rows; at most "
                               f"{defaults.MAX_FACTS_ROWS} per feed")
        now = _now()
        facts = [_to_fact(row, i, now) for i, row in enumerate(rows)]
        self.db.executemany(UPSERT, [
            (f.area.lower(), f.site_id, f.area, f.kind, f.status, f.detail, f.eta, f.updated_at, now)
            for f in facts])
        return len(facts)

    def _query(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        # `Database.execute` in store/db.py fetches the rows twice (returns [] for SELECTs);
        # a transaction cursor returns them directly.
        with self.db.transaction() as cur:
            return cur.execute(sql, params)

    def for_area(self, area: str, limit: int | None = None) -> list[Fact]:
        """The area's sites, trouble first (anything not "ok"), at most `limit`."""
        rows = self._query(
            "SELECT area, site_id, kind, status, detail, eta, updated_at FROM assist_facts "
            "WHERE area_key = ? ORDER BY CASE WHEN status = 'ok' THEN 1 ELSE 0 END, site_id"
            + (" LIMIT ?" if limit else ""), (area.lower(), *((int(limit),) if limit else ())))
        return [Fact(**r) for r in rows]

    def areas(self) -> list[str]:
        return [r["area"] for r in self._query("SELECT DISTINCT area FROM assist_facts")]

    def all(self) -> list[Fact]:
        rows = self._query(
            "SELECT area, site_id, kind, status, detail, eta, updated_at FROM assist_facts "
            "ORDER BY area, site_id")
        return [Fact(**r) for r in rows]


def parse_feed(text: str, name: str = "feed") -> list[dict[str, Any]]:
    """CSV (header row) or JSON (a list, or {"facts": [...]}) -> list of row dicts."""
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise FeedRejected(f"{name}: not valid JSON: {exc}") from exc
        rows = data.get("facts") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise FeedRejected(f"{name}: JSON feed must be a list or {{\"facts\": [...]}}")
        return rows
    reader = csv.DictReader(io.StringIO(text))
    missing = [k for k in REQUIRED if k not in (reader.fieldnames or [])]
    if missing:
        raise FeedRejected(f"{name}: not a facts feed: a JSON list, or CSV whose header names "
                           f"{', '.join(REQUIRED)} (missing {', '.join(missing)})")
    return list(reader)


def _to_fact(row: Any, index: int, now: str) -> Fact:
    if not isinstance(row, dict):
        raise FeedRejected(f"facts row {index}: must be an object")
    for key, value in row.items():
        if not isinstance(value, (str, int, float, type(None))) or isinstance(value, bool):
            raise FeedRejected(f"facts row {index}: {key} must be text, got {type(value).__name__}")
        if len(str(value or "")) > MAX_FIELD_CHARS:
            raise FeedRejected(f"facts row {index}: {key} is over {MAX_FIELD_CHARS} characters")
    missing = [k for k in REQUIRED if not str(row.get(k) or "").strip()]
    if missing:
        raise FeedRejected(f"facts row {index}: missing {', '.join(missing)}")
    status = str(row["status"]).strip().lower()
    if status not in STATUSES:
        raise FeedRejected(f"facts row {index}: status {status!r} not one of {', '.join(STATUSES)}")
    return Fact(area=str(row["area"]).strip(), site_id=str(row["site_id"]).strip(),
                kind=str(row.get("kind") or "base_station").strip(), status=status,
                detail=str(row.get("detail") or "").strip(), eta=str(row.get("eta") or "").strip(),
                updated_at=_iso(row.get("updated_at"), index) or now)


def _iso(value: Any, index: int) -> str:
    if not value:
        return ""
    try:
        stamp = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise FeedRejected(f"facts row {index}: updated_at {value!r} is not ISO-8601") from exc
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    ahead = (stamp - datetime.now(timezone.utc)).total_seconds()
    if ahead > defaults.FACTS_FUTURE_SKEW_S:
        # a row from the future would pin its status until then: no later genuine row wins
        raise FeedRejected(f"facts row {index}: updated_at {value!r} is {ahead:.0f} s in the "
                           f"future (at most {defaults.FACTS_FUTURE_SKEW_S:.0f} s of clock skew)")
    return stamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
