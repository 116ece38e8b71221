"""The QA reviewer's scorecard per call: a status, pass/fail items, and comments (optionally at
a moment of the recording). Stored in `qa_reviews` / `qa_review_comments` (store/schema.py);
every change is written to the audit log with what changed.

QA, supervisor and admin tokens review; an agent sees the review of their own calls and may
comment on it (to dispute a finding), but cannot change the verdict.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from hotline.store.db import Database
from hotline.store.schema import ensure_schema
from hotline.web import calls
from hotline.web.auth import Principal
from hotline.web.deps import Caller, ServicesDep
from hotline.web.versions import API_V1

STATUSES = ("unreviewed", "in_review", "passed", "coaching", "failed", "disputed")
# The scorecard items a QA reviewer ticks (the service-language standard of DOMAIN.md).
SCORECARD = {
    "greeting": "greeted with company and own name",
    "verification": "verified identity before account changes or personal data",
    "listening": "let the customer finish; confirmed the problem",
    "solution": "clear solution and time frame",
    "empathy": "apologised / soothed when the customer was upset",
    "closing": "asked if anything else was needed and thanked",
}
REVIEWERS = ("qa", "supervisor", "admin")
MAX_COMMENT = 2000

router = APIRouter(prefix=f"{API_V1}/calls", tags=["qa"])


@dataclass
class Comment:
    id: int
    at: str
    author: str | None
    role: str | None
    text: str
    at_s: float | None = None          # the moment of the recording it is about


@dataclass
class Review:
    call_id: str
    status: str = "unreviewed"
    scorecard: dict[str, bool] = field(default_factory=dict)
    reviewer: str | None = None
    updated_at: str | None = None
    comments: list[Comment] = field(default_factory=list)

    @property
    def score(self) -> float | None:
        """Share of ticked items that passed; None until an item is ticked."""
        marked = list(self.scorecard.values())
        return round(sum(marked) / len(marked), 3) if marked else None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "score": self.score, "items": SCORECARD}


class ReviewChange(BaseModel):
    """A reviewer's edit: any of status, scorecard items, a comment."""

    status: str | None = Field(None, description=" | ".join(STATUSES))
    scorecard: dict[str, bool | None] | None = Field(
        None, description="item -> pass (true) / fail (false) / unset (null); items: "
        + ", ".join(SCORECARD))
    comment: str | None = Field(None, max_length=MAX_COMMENT)
    at_s: float | None = Field(None, ge=0, description="the comment is about this second")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ReviewStore:
    def __init__(self, db: Database):
        self.db = db
        ensure_schema(db)

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.db.transaction() as cur:
            return cur.execute(sql, params)

    def get(self, call_id: str) -> Review:
        rows = self._run("SELECT status, scorecard, reviewer, updated_at FROM qa_reviews "
                         "WHERE call_id = ?", (call_id,))
        review = Review(call_id)
        if rows:
            review.status, review.reviewer = rows[0]["status"], rows[0]["reviewer"]
            review.scorecard = json.loads(rows[0]["scorecard"] or "{}")
            review.updated_at = rows[0]["updated_at"]
        review.comments = [Comment(**r) for r in self._run(
            "SELECT id, at, author, role, text, at_s FROM qa_review_comments WHERE call_id = ?"
            " ORDER BY id", (call_id,))]
        return review

    def save_verdict(self, review: Review, who: Principal) -> None:
        self._run(
            "INSERT INTO qa_reviews (call_id, status, scorecard, reviewer, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (call_id) DO UPDATE SET"
            " status = excluded.status, scorecard = excluded.scorecard,"
            " reviewer = excluded.reviewer, updated_at = excluded.updated_at",
            (review.call_id, review.status, json.dumps(review.scorecard, sort_keys=True),
             who.name, _now()))

    def add_comment(self, call_id: str, who: Principal, text: str,
                    at_s: float | None) -> None:
        self._run("INSERT INTO qa_review_comments (call_id, at, author, role, text, at_s)"
                  " VALUES (?, ?, ?, ?, ?, ?)", (call_id, _now(), who.name, who.role, text, at_s))


def apply_change(review: Review, change: ReviewChange, who: Principal) -> list[str]:
    """Validate and apply `change` to `review`; returns what changed (for the audit row).
    Raises 403 when an agent tries to change the verdict, 422 on unknown values."""
    changed: list[str] = []
    if change.status is not None or change.scorecard is not None:
        if who.role not in REVIEWERS:
            raise HTTPException(403, "only QA, supervisor and admin tokens change a review")
    if change.status is not None and change.status != review.status:
        if change.status not in STATUSES:
            raise HTTPException(422, f"status must be one of {', '.join(STATUSES)}")
        changed.append(f"status {review.status} -> {change.status}")
        review.status = change.status
    for item, verdict in (change.scorecard or {}).items():
        if item not in SCORECARD:
            raise HTTPException(422, f"unknown scorecard item {item!r}")
        if review.scorecard.get(item) != verdict:
            changed.append(f"{item} {'pass' if verdict else 'unset' if verdict is None else 'fail'}")
            if verdict is None:
                review.scorecard.pop(item, None)
            else:
                review.scorecard[item] = verdict
    return changed


@router.get("/{call_id}/review")
def api_review(call_id: str, svc: ServicesDep, who: Caller) -> dict[str, Any]:
    """The call's review: status, scorecard, score, comments."""
    calls.visible_document(svc, who, call_id, "review")
    return ReviewStore(svc.db).get(call_id).to_dict()


@router.post("/{call_id}/review")
def api_review_change(call_id: str, change: ReviewChange, svc: ServicesDep,
                      who: Caller) -> dict[str, Any]:
    """Change the status or scorecard (reviewers) and/or add a comment (anyone who sees the
    call). Audited with what changed."""
    calls.visible_document(svc, who, call_id, "review")
    reviews = ReviewStore(svc.db)
    review = reviews.get(call_id)
    try:
        changed = apply_change(review, change, who)
    except HTTPException as exc:
        svc.auth.audit(who, "review", call_id=call_id, status="denied", detail=str(exc.detail))
        raise
    if changed:
        reviews.save_verdict(review, who)
    text = (change.comment or "").strip()
    if text:
        reviews.add_comment(call_id, who, text, change.at_s)
        changed.append(f"comment ({len(text)} chars)")
    svc.auth.audit(who, "review", call_id=call_id, detail="; ".join(changed) or "no change")
    return reviews.get(call_id).to_dict()
