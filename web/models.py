"""The JSON API's response models (what /docs shows)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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
    mode: str = Field("", description="exact | partial | fuzzy | filter")
    matched_terms: list[dict[str, Any]] = Field(
        default_factory=list, description='per term: {"term", "match": exact|partial|fuzzy|'
                                          'none, "as": [close spellings searched]}')


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
