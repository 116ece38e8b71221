"""The audit log, for admin and supervisor tokens: JSON at /api/audit, a page at /qa/audit."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from hotline.web.auth import AuthStore, Principal
from hotline.web.deps import Auth, Caller, Visitor
from hotline.web.models import AuditRow
from hotline.web.pages import login_redirect
from hotline.web.versions import API_V1
from hotline.web.views import templates

router = APIRouter()


def _reader(who: Principal, auth: AuthStore) -> Principal:
    if not who.can_read_audit:
        auth.audit(who, "audit_read", status="forbidden")
        raise HTTPException(403, "the audit log is for admin and supervisor tokens")
    return who


@router.get(f"{API_V1}/audit", response_model=list[AuditRow], tags=["qa"])
def api_audit(auth: Auth, who: Caller, limit: int = Query(100, ge=1, le=5000),
              action: str | None = None, call_id: str | None = None,
              since: str | None = Query(None, description="ISO time lower bound (UTC)")
              ) -> list[AuditRow]:
    """The audit log, newest first (admin and supervisor only). Reading it is audited."""
    _reader(who, auth)
    rows = [AuditRow(**r) for r in auth.audit_rows(limit, action, call_id, since)]
    auth.audit(who, "audit_read", query={"action": action, "call_id": call_id, "since": since,
                                         "limit": limit}, detail=f"{len(rows)} rows")
    return rows


@router.get("/qa/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(request: Request, auth: Auth, who: Visitor,
               action: str | None = None) -> Response:
    if who is None:
        return login_redirect(request)
    _reader(who, auth)
    rows = auth.audit_rows(200, action or None)
    auth.audit(who, "audit_read", query={"action": action, "page": True},
               detail=f"{len(rows)} rows")
    return templates().TemplateResponse(request, "qa/audit.html",
                                        {"who": who, "rows": rows, "action": action or ""})
