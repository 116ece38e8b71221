"""Search results grouped by call for the QA search page: one row per call (date, agent,
duration, worst emotion, violation count, its matching turns), sortable, paged, and exportable
as CSV. The hits come from `calls.search` (access rules and audit included)."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any

from hotline.web import calls
from hotline.web.auth import Principal
from hotline.web.models import SearchHit
from hotline.web.services import Services

SEVERITY = {"positive": 0, "neutral": 1, "negative": 2, "angry": 3}
SORTS = ("score", "date", "duration", "emotion", "violations", "hits")
PAGE_SIZE = 20
MAX_HITS = 2000             # turns fetched per query before grouping
HITS_SHOWN = 3              # matching turns listed under each call


@dataclass
class CallRow:
    call_id: str
    date: str | None
    agent_id: str | None
    duration: float | None
    worst_emotion: str | None
    violations: int
    score: float
    hits: list[SearchHit] = field(default_factory=list)

    def sort_key(self, sort: str) -> Any:
        return {"score": self.score, "date": self.date or "", "duration": self.duration or 0.0,
                "emotion": SEVERITY.get(self.worst_emotion or "", -1),
                "violations": self.violations, "hits": len(self.hits)}[sort]


@dataclass
class CallPage:
    rows: list[CallRow]
    calls: int              # calls matched (all pages)
    hits: int               # matching turns (all calls)
    page: int
    pages: int
    sort: str
    order: str
    truncated: bool         # more than MAX_HITS turns matched: the grouping saw the first ones


def grouped(svc: Services, who: Principal, query: str, filters: dict[str, Any],
            sort: str = "score", order: str = "desc") -> tuple[list[CallRow], int, bool]:
    """Every matching call (sorted), the number of matching turns, and whether it was cut."""
    found = calls.search(svc, who, query, filters, limit=MAX_HITS)
    by_call: dict[str, list[SearchHit]] = {}
    for hit in found.results:
        by_call.setdefault(hit.call_id, []).append(hit)
    rows = [_row(svc, call_id, hits) for call_id, hits in by_call.items()]
    sort = sort if sort in SORTS else "score"
    rows.sort(key=lambda r: (r.sort_key(sort), r.call_id), reverse=order != "asc")
    return rows, found.total, found.total > len(found.results)


def paged(rows: list[CallRow], hits: int, truncated: bool, page: int, sort: str,
          order: str) -> CallPage:
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    return CallPage(rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], len(rows), hits, page,
                    pages, sort if sort in SORTS else "score", "asc" if order == "asc" else "desc",
                    truncated)


def _row(svc: Services, call_id: str, hits: list[SearchHit]) -> CallRow:
    doc = svc.store.get_document(call_id)
    first = hits[0]
    labels = [t.emotion.label for t in doc.turns if t.emotion] if doc else []
    labels = [x for x in labels if x in SEVERITY]
    hits = sorted(hits, key=lambda h: (h.start if h.start is not None else 0.0))
    return CallRow(
        call_id=call_id, date=first.date or ((doc.metadata or {}).get("date") if doc else None),
        agent_id=first.agent_id or ((doc.metadata or {}).get("agent_id") if doc else None),
        duration=doc.duration if doc else None,
        worst_emotion=max(labels, key=SEVERITY.__getitem__) if labels else None,
        violations=len(doc.violations) if doc else 0,
        score=max(h.score for h in hits), hits=hits)


CSV_COLUMNS = ("call_id", "date", "agent_id", "duration_s", "worst_emotion", "violations",
               "matching_turns", "best_score", "first_match_s", "first_match_role",
               "first_match_text")


def to_csv(rows: list[CallRow]) -> str:
    """One line per call, in the page's order; snippets as plain text."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for r in rows:
        first = r.hits[0] if r.hits else None
        out.writerow([r.call_id, r.date or "", r.agent_id or "",
                      "" if r.duration is None else round(r.duration, 1), r.worst_emotion or "",
                      r.violations, len(r.hits), round(r.score, 4),
                      "" if first is None or first.start is None else round(first.start, 2),
                      first.role if first else "",
                      re.sub(r"</?mark>", "", first.snippet) if first else ""])
    return buf.getvalue()
