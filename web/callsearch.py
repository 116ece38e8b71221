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
from hotline.web.services import Services

SEVERITY = {"positive": 0, "neutral": 1, "negative": 2, "angry": 3}
SORTS = ("score", "date", "duration", "emotion", "violations", "hits")
PAGE_SIZE = 20
MAX_CALLS = 2000            # calls sorted on the page when the order is not the index's


@dataclass
class CallRow:
    call_id: str
    date: str | None
    agent_id: str | None
    duration: float | None
    worst_emotion: str | None
    violations: int
    score: float
    n_hits: int                                  # matching turns
    hits: list[Any] = field(default_factory=list)  # the first few (search.results.SearchHit)

    def sort_key(self, sort: str) -> Any:
        return {"score": self.score, "date": self.date or "", "duration": self.duration or 0.0,
                "emotion": SEVERITY.get(self.worst_emotion or "", -1),
                "violations": self.violations, "hits": self.n_hits}[sort]


@dataclass
class CallPage:
    rows: list[CallRow]
    calls: int              # calls matched (all pages)
    page: int
    pages: int
    sort: str
    order: str
    truncated: bool         # more than MAX_CALLS calls matched: sorted among the first ones
    exact: bool = True      # False: at least `calls` matched (the index stopped counting)


def call_page(svc: Services, who: Principal, query: str, filters: dict[str, Any],
              sort: str = "score", order: str = "desc", page: int = 1) -> CallPage:
    """One page of matching calls. Best-first pages come from the index (offset/limit); any
    other order sorts the first MAX_CALLS calls here. Audited like every search."""
    sort = sort if sort in SORTS else "score"
    order = "asc" if order == "asc" else "desc"
    if sort == "score" and order == "desc":
        raw = _calls(svc, who, query, filters, PAGE_SIZE, (max(page, 1) - 1) * PAGE_SIZE)
        rows, total, exact = _rows(svc, who, raw.calls), raw.total, raw.total_exact
    else:
        rows, total = all_calls(svc, who, query, filters, sort, order)
        rows, exact = rows[(max(page, 1) - 1) * PAGE_SIZE: max(page, 1) * PAGE_SIZE], True
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return CallPage(rows, total, min(max(page, 1), pages), pages, sort, order,
                    total > MAX_CALLS and not (sort == "score" and order == "desc"), exact)


def all_calls(svc: Services, who: Principal, query: str, filters: dict[str, Any],
              sort: str = "score", order: str = "desc") -> tuple[list[CallRow], int]:
    """The first MAX_CALLS matching calls in the asked order, and how many matched."""
    raw = _calls(svc, who, query, filters, MAX_CALLS, 0)
    rows = _rows(svc, who, raw.calls)
    if sort in SORTS and sort != "score" or order == "asc":
        rows.sort(key=lambda r: (r.sort_key(sort if sort in SORTS else "score"), r.call_id),
                  reverse=order != "asc")
    return rows, raw.total


def _calls(svc: Services, who: Principal, query: str, filters: dict[str, Any], limit: int,
           offset: int) -> Any:
    scoped = calls.scoped_filters(who, filters)
    raw = calls.run_search(svc, query, scoped, limit=limit, offset=offset, by="call")
    svc.auth.audit(who, "search", query={"q": query, "by": "call", **scoped},
                   detail=f"{raw.total} calls")
    return raw


def _rows(svc: Services, who: Principal, found: list[Any]) -> list[CallRow]:
    """Rows for the calls found, with what only the stored document knows (emotion, rules);
    a call the visitor may not see is dropped (agents: the stored document decides)."""
    out = []
    for hit in found:
        doc = svc.store.get_document(hit.call_id)
        if doc is not None and not who.can_see(doc.metadata):
            continue
        labels = [t.emotion.label for t in doc.turns if t.emotion] if doc else []
        labels = [x for x in labels if x in SEVERITY]
        out.append(CallRow(
            call_id=hit.call_id, date=hit.call_date, agent_id=hit.agent_id,
            duration=hit.duration if hit.duration is not None else (doc.duration if doc else None),
            worst_emotion=max(labels, key=SEVERITY.__getitem__) if labels else None,
            violations=len(doc.violations) if doc else 0, score=hit.score,
            n_hits=hit.n_hits or len(hit.hits), hits=hit.hits))
    return out


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
                      r.violations, r.n_hits, round(r.score, 4),
                      "" if first is None or first.start is None else round(first.start, 2),
                      first.role if first else "",
                      re.sub(r"</?mark>", "", first.snippet) if first else ""])
    return buf.getvalue()
