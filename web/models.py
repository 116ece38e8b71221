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


class SearchResponse(BaseModel):
    results: list[SearchHit]
    total: int = Field(description="all matches (results holds the first `limit`)")
    query: str = ""
    filters: dict[str, Any] = Field(default_factory=dict)
    mode: str = Field("", description="exact | substring | fuzzy | filter")


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
