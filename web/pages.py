"""QA pages under /qa: log in/out, search, one call (audio + transcript + emotion timeline +
violations). The login form opens a server-side session; its id goes in an HttpOnly cookie that
the pages, their own fetches, the <audio> element and the sidebar ride on. A token is never
taken from a URL (it would land in access logs, history and Referer headers)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline import defaults
from hotline.report.intents import intent_names
from hotline.web import calls, callsearch, recordings, review
from hotline.web.deps import COOKIE, Auth, ServicesDep, Visitor
from hotline.web.views import call_view_model, templates, timeline_json

router = APIRouter(prefix="/qa", include_in_schema=False)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/qa/login?next={quote(target, safe='')}", status_code=303)


def set_cookie(response: Response, session_id: str, secure: bool) -> None:
    response.set_cookie(COOKIE, session_id, max_age=int(defaults.SESSION_TTL_S), httponly=True,
                        samesite="lax", path="/", secure=secure)


def safe_next(target: str) -> str:
    """Only same-site relative targets after login (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/qa"


def token_in_url(request: Request, auth: Auth) -> Response | None:
    """`?token=` on a page is refused (never used): off to the login form, audited."""
    if "token" not in request.query_params:
        return None
    auth.audit(None, "auth", status="refused", detail=f"token in URL {request.url.path}")
    return RedirectResponse("/qa/login?error=url", status_code=303)


TokenRedirect = Annotated[Response | None, Depends(token_in_url)]


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/qa", error: str | None = None) -> Response:
    return templates().TemplateResponse(request, "qa/login.html", {
        "next": safe_next(next), "error": error, "who": None})


@router.post("/login")
def login_submit(request: Request, auth: Auth, token: str = Form(...),
                 next: str = Form("/qa")) -> Response:
    who = auth.verify(token)
    if who is None:
        auth.audit(None, "login", status="unauthorized", detail="unknown, expired or revoked token")
        return RedirectResponse(f"/qa/login?error=1&next={quote(safe_next(next), safe='')}",
                                status_code=303)
    auth.audit(who, "login")
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(response, auth.open_session(who), request.url.scheme == "https")
    return response


@router.get("/logout")
def logout(request: Request, auth: Auth) -> Response:
    auth.close_session(request.cookies.get(COOKIE))
    response = RedirectResponse("/qa/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("", response_class=HTMLResponse)
def search_page(request: Request, svc: ServicesDep, who: Visitor, redirect: TokenRedirect,
                filters: Annotated[dict[str, Any], Depends(calls.search_filters)],
                q: str = "", sort: str = "score", order: str = "desc",
                page: int = Query(1, ge=1)) -> Response:
    if redirect is not None:
        return redirect
    if who is None:
        return login_redirect(request)
    searched = bool(q or filters)
    results = None
    if searched:
        results = callsearch.call_page(svc, who, q, filters, sort, order, page)
    params = [(k, v) for k, v in request.query_params.multi_items()
              if k not in ("sort", "order", "page")]
    return templates().TemplateResponse(request, "qa/search.html", {
        "who": who, "q": q, "f": filters, "results": results, "searched": searched,
        "base_query": urlencode(params), "sorts": callsearch.SORTS})


@router.get("/search.csv")
def search_csv(request: Request, svc: ServicesDep, who: Visitor,
               filters: Annotated[dict[str, Any], Depends(calls.search_filters)],
               q: str = "", sort: str = "score", order: str = "desc") -> Response:
    """Every matching call (all pages) as CSV, in the page's order."""
    if who is None:
        return login_redirect(request)
    rows, _ = callsearch.all_calls(svc, who, q, filters, sort, order)
    return Response(callsearch.to_csv(rows), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="hotline-search.csv"'})


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call_page(request: Request, call_id: str, svc: ServicesDep, who: Visitor,
              redirect: TokenRedirect, t: float | None = None) -> Response:
    if redirect is not None:
        return redirect
    if who is None:
        return login_redirect(request)
    try:
        doc = calls.visible_document(svc, who, call_id, "view")
    except HTTPException:
        return templates().TemplateResponse(request, "qa/notfound.html",
                                            {"who": who, "call_id": call_id}, status_code=404)
    svc.auth.audit(who, "view", call_id=call_id)
    view = call_view_model(doc)
    redacted = recordings.redacted_copy(svc.roots, svc.store, doc)
    original = None if recordings.must_redact(who, doc) else \
        recordings.recording(svc.roots, svc.store, doc)
    return templates().TemplateResponse(request, "qa/call.html", {
        "who": who, "doc": view, "t": t, "has_redacted": redacted is not None,
        "has_audio": original is not None or redacted is not None,
        "doc_json": timeline_json(view), "review_statuses": review.STATUSES,
        "intent_names": intent_names(svc.settings.knowledge_dir),
        "scorecard": review.SCORECARD})
