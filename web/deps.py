"""FastAPI dependencies: the services opened by the lifespan, and who is asking.

Programs send `Authorization: Bearer <token>` (HTTP and the WebSocket handshake alike); the
pages, their own fetches, the <audio> element and the sidebar's WebSocket ride on the login
cookie, which holds a server-side session id (never the token). A missing or bad credential
answers 401 (a WebSocket handshake: closed with 1008) and is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Security, WebSocketException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from hotline.search.index import SearchIndex
from hotline.settings import Settings
from hotline.store.results import ResultsStore
from hotline.web.auth import AuthStore, Principal
from hotline.web.services import Services

COOKIE = "hotline_session"
# what OpenAPI shows as the API's security scheme (the check itself is api_principal's)
BEARER = HTTPBearer(scheme_name="bearer", auto_error=False,
                    description="a token from `hotline token create`")


def get_services(conn: HTTPConnection) -> Services:
    return conn.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(svc: ServicesDep) -> Settings:
    return svc.settings


def get_store(svc: ServicesDep) -> ResultsStore:
    return svc.store


def get_auth(svc: ServicesDep) -> AuthStore:
    return svc.auth


def get_index(svc: ServicesDep) -> SearchIndex:
    return svc.index


async def get_engine(svc: ServicesDep) -> Any:
    return await svc.live_engine()


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def identify(conn: HTTPConnection, auth: AuthStore) -> tuple[Principal | None, str]:
    """(who, why not): the bearer token if one is sent, else the session cookie."""
    token = bearer(conn)
    if token is not None:
        who = auth.verify(token)
        return who, "" if who else "invalid, expired or revoked token"
    sid = conn.cookies.get(COOKIE)
    if sid:
        who = auth.session(sid)
        return who, "" if who else "session expired or ended: log in again"
    return None, "missing token: send 'Authorization: Bearer <token>'"


def _audit_refusal(conn: HTTPConnection, auth: AuthStore, why: str) -> None:
    auth.audit(None, "auth", status="unauthorized",
               detail=f"{conn.scope['type']} {conn.url.path[:200]}: {why}")


def api_principal(conn: HTTPConnection, auth: Annotated[AuthStore, Depends(get_auth)],
                  _scheme: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
                  ) -> Principal:
    """The caller, or 401 (audited)."""
    who, why = identify(conn, auth)
    if who is None:
        _audit_refusal(conn, auth, why)
        raise HTTPException(401, why, headers={"WWW-Authenticate": "Bearer"})
    return who


def ws_principal(conn: HTTPConnection, auth: Annotated[AuthStore, Depends(get_auth)]) -> Principal:
    """The WebSocket caller, or the handshake refused (1008 -> HTTP 403; audited)."""
    who, why = identify(conn, auth)
    if who is None:
        _audit_refusal(conn, auth, why)
        raise WebSocketException(code=1008, reason=why)
    return who


def page_principal(conn: HTTPConnection,
                   auth: Annotated[AuthStore, Depends(get_auth)]) -> Principal | None:
    """The page visitor, or None (the page redirects to the login form)."""
    return auth.session(conn.cookies.get(COOKIE))


def require(who: Principal, roles: tuple[str, ...], what: str, auth: AuthStore) -> Principal:
    """403 (audited) unless `who` has one of `roles`."""
    if who.role not in roles:
        auth.audit(who, what, status="forbidden", detail=f"needs {' or '.join(roles)}")
        raise HTTPException(403, f"{what} needs a {' or '.join(roles)} token")
    return who


Store = Annotated[ResultsStore, Depends(get_store)]
Auth = Annotated[AuthStore, Depends(get_auth)]
Caller = Annotated[Principal, Depends(api_principal)]
WsCaller = Annotated[Principal, Depends(ws_principal)]
Visitor = Annotated[Principal | None, Depends(page_principal)]
Engine = Annotated[Any, Depends(get_engine)]
