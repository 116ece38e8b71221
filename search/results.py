"""What a search answers: turns, or calls with their matching turns, one page at a time.

Every answer carries `total`, `offset` and `next_offset` (None on the last page) so every hit
can be reached by paging, and `mode` + `matched_terms`, so a fuzzy or partial match is never
passed off as an exact one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class SearchHit:
    call_id: str
    turn: int
    start: float
    role: str
    snippet: str
    score: float
    end: float | None = None
    call_date: str | None = None
    agent_id: str | None = None
    emotion: str | None = None
    terms: dict[str, str] = field(default_factory=dict)    # query term -> how it matched here


@dataclass
class CallHit:
    """One call of a --by-call answer: its score and the turns that hold the terms."""

    call_id: str
    score: float
    hits: list[SearchHit] = field(default_factory=list)
    n_hits: int = 0                 # matching turns (the first SEARCH_HITS_PER_CALL listed)
    call_date: str | None = None
    agent_id: str | None = None
    duration: float | None = None
    language: str | None = None
    terms: dict[str, str] = field(default_factory=dict)


@dataclass
class Page:
    """Paging and match information shared by turn and call answers."""

    total: int = 0
    total_exact: bool = True        # False: there are more than `total` ("10,000+")
    offset: int = 0
    limit: int = 20
    mode: str = "exact"             # exact | partial | fuzzy | filter | similar
    matched_terms: list[dict[str, Any]] = field(default_factory=list)
    took_ms: float = 0.0

    def next_offset(self, shown: int) -> int | None:
        """Where the next page starts; None on the last page."""
        end = self.offset + shown
        more = end < self.total or (not self.total_exact and shown >= self.limit)
        return end if shown and more else None

    def page_dict(self, shown: int) -> dict[str, Any]:
        return {"total": self.total, "total_exact": self.total_exact, "offset": self.offset,
                "next_offset": self.next_offset(shown),
                "mode": self.mode, "matched_terms": self.matched_terms,
                "took_ms": round(self.took_ms, 2)}


@dataclass
class SearchResults(Page):
    results: list[SearchHit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The contract JSON: {"results": [{call_id, turn, start, role, snippet, score, date,
        ...}], "calls": [], "by": "turn", "total", "offset", "next_offset", "mode",
        "matched_terms"} — the CLI's --json and the HTTP API's answer alike."""
        return {"results": [hit_dict(h) for h in self.results], "calls": [], "by": "turn",
                **self.page_dict(len(self.results))}


@dataclass
class CallResults(Page):
    calls: list[CallHit] = field(default_factory=list)

    @property
    def results(self) -> list[CallHit]:
        return self.calls

    def to_dict(self) -> dict[str, Any]:
        """{"calls": [{call_id, score, hits: [...]}], "total", ...} (`by`: "call")."""
        return {"calls": [call_dict(c) for c in self.calls], "results": [], "by": "call",
                **self.page_dict(len(self.calls))}


def hit_dict(hit: SearchHit) -> dict[str, Any]:
    """A hit as JSON: the call's date is `date` (as in the call document's metadata)."""
    out = asdict(hit)
    out["date"] = out.pop("call_date")
    return out


def call_dict(call: CallHit) -> dict[str, Any]:
    out = asdict(call)
    out["date"] = out.pop("call_date")
    out["hits"] = [hit_dict(h) for h in call.hits]
    return out
