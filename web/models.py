"""The JSON API's response models (what /docs shows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from hotline.document import CallDocument


class SearchHit(BaseModel):
    call_id: str
    turn: int | None = None
    start: float | None = Field(None, description="turn start, seconds into the recording")
    end: float | None = None
    role: str | None = None
    snippet: str = Field("", description="HTML-escaped turn text, matches in <mark>")
    score: float = 0.0
    date: str | None = None
    agent_id: str | None = None
    emotion: str | None = None
    terms: dict[str, str] = Field(default_factory=dict,
                                  description="query term -> exact | partial | fuzzy here")


class CallMatch(BaseModel):
    """One call of a by=call answer: its turns together hold the terms."""

    call_id: str
    score: float = 0.0
    hits: list[SearchHit] = Field(default_factory=list, description="its matching turns")
    n_hits: int = 0
    date: str | None = None
    agent_id: str | None = None
    duration: float | None = None
    language: str | None = None
    terms: dict[str, str] = Field(default_factory=dict)


class SearchResponse(BaseModel):
    results: list[SearchHit] = Field(default_factory=list, description="by=turn: turns")
    calls: list[CallMatch] = Field(default_factory=list, description="by=call: calls")
    total: int = Field(description="all matches (a lower bound when total_exact is false)")
    total_exact: bool = True
    offset: int = 0
    next_offset: int | None = Field(None, description="the next page's offset; null: last")
    query: str = ""
    filters: dict[str, Any] = Field(default_factory=dict)
    by: str = Field("turn", description="turn | call: what `results` / `calls` hold")
    mode: str = Field("", description="exact | partial | fuzzy | filter")
    matched_terms: list[dict[str, Any]] = Field(
        default_factory=list, description='per term: {"term", "match": exact|partial|fuzzy|'
                                          'none, "as": [close spellings searched]}')
    took_ms: float = Field(0.0, description="time the index took")


class SimilarCall(BaseModel):
    call_id: str
    score: float = 0.0
    date: str | None = None
    agent_id: str | None = None
    duration: float | None = None
    intents: list[str] = Field(default_factory=list)
    snippet: str = ""


class SimilarResponse(BaseModel):
    call_id: str
    similar: list[SimilarCall]


class AuditRow(BaseModel):
    id: int
    at: str
    token_id: str | None = None
    name: str | None = None
    role: str | None = None
    agent_id: str | None = None
    action: str
    call_id: str | None = None
    query: str | None = None
    status: str
    detail: str | None = None


class Me(BaseModel):
    name: str
    role: str
    agent_id: str | None = None
    token_id: str


class CallAudio(BaseModel):
    url: str = Field(description="the recording (HTTP Range; ?version=original|redacted)")
    redacted_available: bool


@dataclass
class CallView(CallDocument):
    """The call document (hotline.document.CallDocument, the contract JSON) and where its
    audio is. Derived from the dataclass, so the schema cannot drift from the contract."""

    audio: CallAudio | None = None


class CallSummary(BaseModel):
    call_id: str
    date: str | None = Field(None, description="call date, YYYY-MM-DD")
    agent_id: str | None = None
    duration: float | None = Field(None, description="seconds")
    language: str | None = None
    intents: list[str] = Field(default_factory=list)
    violations: int = Field(0, description="rule violations found")


class CallList(BaseModel):
    calls: list[CallSummary]
    total: int = Field(description="calls matching the filters")
    offset: int = 0
    limit: int
    next_offset: int | None = Field(None, description="the next page's offset; null: last")
    filters: dict[str, Any] = Field(default_factory=dict)
