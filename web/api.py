"""The JSON API for integrators and the QA pages' own fetches: who am I, search, a call, its
audio (HTTP Range), similar calls. Bearer token (or the page cookie); agents see their own
calls only; everything audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse

from hotline.web import calls, recordings
from hotline.web.deps import Caller, ServicesDep
from hotline.web.models import CallList, CallSummary, CallView, Me, SearchResponse, SimilarResponse
from hotline.web.versions import API_V1

router = APIRouter(prefix=API_V1, tags=["qa"])
DATE = r"^\d{4}-\d{2}-\d{2}$"


@router.get("/me", response_model=Me)
def api_me(who: Caller) -> Me:
    """Who the token belongs to."""
    return Me(name=who.name, role=who.role, agent_id=who.agent_id, token_id=who.token_id)


@router.get("/search", response_model=SearchResponse)
def api_search(svc: ServicesDep, who: Caller,
               filters: Annotated[dict[str, Any], Depends(calls.search_filters)],
               q: str = Query("", description="keywords or a \"quoted phrase\" (EN or ZH)"),
               limit: int = Query(calls.SEARCH_LIMIT, ge=1, le=500),
               offset: int = Query(0, ge=0, description="skip this many hits (next_offset)"),
               by: str = Query("turn", pattern="^(turn|call)$",
                               description="turn, or call: the call's turns together hold "
                                           "the words")) -> SearchResponse:
    """Search turns (or whole calls) of stored calls; agents only get their own calls.
    Audited."""
    return calls.search(svc, who, q, filters, limit, offset=offset, by=by)


@router.get("/calls", response_model=CallList)
def api_calls(svc: ServicesDep, who: Caller,
              date_from: str | None = Query(None, pattern=DATE, description="YYYY-MM-DD, inclusive"),
              date_to: str | None = Query(None, pattern=DATE, description="YYYY-MM-DD, inclusive"),
              agent: str | None = Query(None, max_length=200, description="metadata agent_id"),
              limit: int = Query(calls.SEARCH_LIMIT, ge=1, le=500),
              offset: int = Query(0, ge=0, description="skip this many calls (next_offset)")
              ) -> CallList:
    """Stored calls, newest first, paged; agents get their own calls only. Audited."""
    filters = calls.scoped_filters(who, {"date_from": date_from, "date_to": date_to,
                                         "agent": agent})
    total, rows = svc.store.list_calls(date_from=filters.get("date_from"),
                                       date_to=filters.get("date_to"),
                                       agent_id=filters.get("agent"), limit=limit, offset=offset)
    svc.auth.audit(who, "list", query={**filters, "offset": offset}, detail=f"{total} calls")
    end = offset + len(rows)
    return CallList(calls=[_summary(r) for r in rows], total=total, offset=offset, limit=limit,
                    next_offset=end if end < total and rows else None, filters=filters)


def _summary(row: dict[str, Any]) -> CallSummary:
    doc = row["summary"]
    return CallSummary(call_id=row["call_id"], date=row["call_date"], agent_id=row["agent_id"],
                       duration=row["duration"], language=doc.get("language"),
                       intents=doc.get("intents") or [],
                       violations=len(doc.get("violations") or []))


@router.get("/calls/{call_id}", response_model=CallView)
def api_call(call_id: str, svc: ServicesDep, who: Caller) -> dict[str, Any]:
    """The call document (contract JSON). Agents: own calls only (else 404). Audited."""
    doc = calls.visible_document(svc, who, call_id, "view")
    svc.auth.audit(who, "view", call_id=call_id)
    data = doc.to_dict()
    redacted = recordings.redacted_copy(svc.roots, svc.store, doc)
    data["audio"] = {"url": f"/api/calls/{call_id}/audio",
                     "redacted_available": redacted is not None}
    return data


@router.get("/calls/{call_id}/audio",
            responses={200: {"content": {"audio/wav": {}}},
                       206: {"description": "partial content (HTTP Range)"}})
def api_audio(request: Request, call_id: str, svc: ServicesDep, who: Caller,
              version: str = Query("auto", pattern="^(auto|original|redacted)$",
                                   description="auto = redacted copy when present; agents "
                                               "only ever get the redacted copy of a call "
                                               "with redactions")
              ) -> FileResponse:
    """The recording, with HTTP Range support (seeking). Every request is audited, whatever
    its Range, refusals included."""
    doc = calls.visible_document(svc, who, call_id, "audio")
    rng = request.headers.get("range", "")[:100]
    try:
        path, served = recordings.audio_file(svc.roots, svc.store, who, doc, version)
    except HTTPException as exc:
        svc.auth.audit(who, "audio", call_id=call_id, status=f"refused {exc.status_code}",
                       detail=f"version={version} range={rng or '-'}: {exc.detail}")
        raise
    svc.auth.audit(who, "audio", call_id=call_id, detail=f"{served} range={rng or '-'}")
    return FileResponse(path, media_type=recordings.media_type(path),
                        headers={"Cache-Control": "no-store"})


@router.get("/calls/{call_id}/similar", response_model=SimilarResponse)
def api_similar(call_id: str, svc: ServicesDep, who: Caller,
                k: int = Query(calls.SIMILAR_K, ge=1, le=50)) -> SimilarResponse:
    """Calls most like this one (agents: among their own calls). Audited."""
    return calls.similar(svc, who, call_id, k)
