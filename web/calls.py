"""Call access shared by the API and the pages: who may see a call, search, similar calls.

An agent token sees only calls whose `metadata.agent_id` is its own — in search, call view,
audio and similar; any other call answers 404 as if it did not exist. Every search, call view
and similar lookup is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import HTTPException, Query

from hotline.document import CallDocument
from hotline.errors import HotlineError
from hotline.web.auth import Principal
from hotline.web.models import CallMatch, SearchHit, SearchResponse, SimilarCall, SimilarResponse
from hotline.web.services import Services

SEARCH_LIMIT = 50
SIMILAR_K = 5


def visible_document(svc: Services, who: Principal, call_id: str, action: str) -> CallDocument:
    """The call if `who` may see it; otherwise 404 (and a denied audit row)."""
    doc = svc.store.get_document(call_id)
    if doc is None or not who.can_see(doc.metadata):
        svc.auth.audit(who, action, call_id=call_id,
                       status="not_found" if doc is None else "denied")
        raise HTTPException(404, f"no call {call_id!r}")
    return doc


def _date(name: str, text: str | None) -> str | None:
    if text in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise HTTPException(422, f"{name} must be a date YYYY-MM-DD, got {text[:40]!r}") from None


def _number(name: str, text: str | None) -> float | None:
    if text in (None, ""):
        return None
    try:
        value = float(text)
    except ValueError:
        raise HTTPException(422, f"{name} must be a number of seconds, got {text[:40]!r}") from None
    if not math.isfinite(value) or value < 0:
        raise HTTPException(422, f"{name} must be >= 0, got {text!r}")
    return value


def search_filters(
    role: Annotated[str | None, Query(description="agent | customer: who said it")] = None,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    agent: Annotated[str | None, Query(description="metadata agent_id")] = None,
    emotion: Annotated[str | None, Query(
        description="neutral | positive | negative | angry")] = None,
    rule: Annotated[str | None, Query(
        description="violated rule id, e.g. greeting.missing")] = None,
    intent: Annotated[str | None, Query(
        description="intent id, e.g. billing.refund_request")] = None,
    min_duration: Annotated[str | None, Query(description="seconds, >= 0")] = None,
    max_duration: Annotated[str | None, Query(description="seconds, >= 0")] = None,
    language: Annotated[str | None, Query(description="en | zh")] = None,
) -> dict[str, Any]:
    """The search filters from the query string (empty form fields dropped); 422 when bad."""
    values = dict(role=role, date_from=_date("date_from", date_from),
                  date_to=_date("date_to", date_to), agent=agent,
                  emotion=emotion, rule=rule, intent=intent,
                  min_duration=_number("min_duration", min_duration),
                  max_duration=_number("max_duration", max_duration), language=language)
    return {k: v for k, v in values.items() if v not in (None, "")}


def scoped_filters(who: Principal, filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as given, restricted to the agent's own calls for agent tokens."""
    filters = {k: v for k, v in filters.items() if v not in (None, "")}
    if who.role == "agent":
        filters["agent"] = who.agent_id or "\x00none"
    return filters


def run_search(svc: Services, query: str, filters: dict[str, Any], **options: Any) -> Any:
    """The index's answer (turns, or calls with by="call"); 422 for a bad filter or query."""
    try:
        return svc.index.search(query, filters, **options)
    except ValueError as exc:           # an unknown filter or a malformed query
        raise HTTPException(422, str(exc)) from None


def search(svc: Services, who: Principal, query: str, filters: dict[str, Any],
           limit: int = SEARCH_LIMIT, offset: int = 0, by: str = "turn") -> SearchResponse:
    """Search turns or calls, restricted to the agent's own calls for agent tokens; paged by
    `offset` (the answer's `next_offset`); audited."""
    filters = scoped_filters(who, filters)
    raw = run_search(svc, query, filters, limit=limit, offset=offset, by=by)
    page = raw.to_dict()
    items = page.get("calls") if by == "call" else page.get("results")
    if who.role == "agent":             # belt and braces: the stored document decides
        owners = _owners(svc, [h["call_id"] for h in items])
        items = [h for h in items if who.can_see({"agent_id": owners.get(h["call_id"])})]
    paging = {k: v for k, v in (("by", by), ("offset", offset)) if v not in ("turn", 0)}
    svc.auth.audit(who, "search", query={"q": query, **paging, **filters},
                   detail=f"{page['total']} results")
    body = {k: page[k] for k in ("total", "total_exact", "offset", "next_offset", "by", "mode",
                                 "matched_terms", "took_ms")}
    if by == "call":
        return SearchResponse(calls=[_call(c) for c in items], query=query, filters=filters,
                              **body)
    return SearchResponse(results=[_hit(h) for h in items], query=query, filters=filters,
                          **body)


def _call(c: dict[str, Any]) -> CallMatch:
    return CallMatch(call_id=c["call_id"], score=float(c.get("score") or 0.0),
                     hits=[_hit(h) for h in c.get("hits") or []], n_hits=c.get("n_hits", 0),
                     date=c.get("date"), agent_id=c.get("agent_id"),
                     duration=c.get("duration"), language=c.get("language"),
                     terms=c.get("terms") or {})


def _hit(h: dict[str, Any]) -> SearchHit:
    return SearchHit(call_id=h["call_id"], turn=h.get("turn"), start=h.get("start"),
                     end=h.get("end"), role=h.get("role"), snippet=h.get("snippet") or "",
                     score=float(h.get("score") or 0.0), date=h.get("date"),
                     agent_id=h.get("agent_id"), emotion=h.get("emotion"),
                     terms=h.get("terms") or {})


def _owners(svc: Services, call_ids: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for call_id in dict.fromkeys(call_ids):
        doc = svc.store.get_document(call_id)
        out[call_id] = (doc.metadata or {}).get("agent_id") if doc else None
    return out


def similar(svc: Services, who: Principal, call_id: str, k: int = SIMILAR_K) -> SimilarResponse:
    """Calls closest in meaning; agents only among their own. Audited."""
    visible_document(svc, who, call_id, "similar")
    filters = {"agent": who.agent_id} if who.role == "agent" else None
    try:
        index = svc.similar_index()
        index.ensure_embeddings()       # calls indexed by a batch that had no embedder
        raw = index.similar(call_id, k=k, filters=filters)
    except HotlineError as exc:
        svc.auth.audit(who, "similar", call_id=call_id, status="error", detail=str(exc))
        raise HTTPException(503, f"similar calls unavailable: {exc}") from None
    out = []
    for item in map(_as_dict, _result_list(raw)):
        doc = svc.store.get_document(item["call_id"]) if item.get("call_id") != call_id else None
        if doc is not None and who.can_see(doc.metadata):
            out.append(_similar(doc, item))
    svc.auth.audit(who, "similar", call_id=call_id, detail=f"{len(out)} results")
    return SimilarResponse(call_id=call_id, similar=out[:k])


def _similar(doc: CallDocument, item: dict[str, Any]) -> SimilarCall:
    meta = doc.metadata or {}
    return SimilarCall(call_id=doc.call_id, score=float(item.get("score") or 0.0),
                       date=meta.get("date"), agent_id=meta.get("agent_id"),
                       duration=doc.duration, intents=doc.intents or [],
                       snippet=item.get("snippet") or "")


def _result_list(raw: Any) -> list[Any]:
    if raw is None:
        return []
    if isinstance(raw, dict):
        return list(raw.get("results") or raw.get("similar") or [])
    if hasattr(raw, "results"):
        return list(raw.results)
    return list(raw)


def _as_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    if hasattr(item, "to_dict"):
        return item.to_dict()
    if hasattr(item, "__dataclass_fields__"):
        return asdict(item)
    if isinstance(item, tuple) and len(item) == 2:      # (call_id, score)
        return {"call_id": item[0], "score": item[1]}
    return dict(vars(item))
