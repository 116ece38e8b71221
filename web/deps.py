"""FastAPI dependencies: the services opened by the lifespan, and who is asking.

API callers send `Authorization: Bearer <token>`; the pages (and their own fetches, the
<audio> element, the sidebar's WebSocket) ride on the login cookie.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException
from starlette.requests import HTTPConnection

from hotline.search.index import SearchIndex
from hotline.settings import Settings
from hotline.store.results import ResultsStore
from hotline.web.auth import AuthStore, Principal
from hotline.web.services import Services

COOKIE = "hotline_token"


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


def token_from(conn: HTTPConnection) -> str | None:
    """The bearer token, else the login cookie."""
    header = conn.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return conn.cookies.get(COOKIE)


def unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def api_principal(conn: HTTPConnection, auth: Annotated[AuthStore, Depends(get_auth)]) -> Principal:
    """The caller, or 401."""
    token = token_from(conn)
    if not token:
        raise unauthorized("missing token: send 'Authorization: Bearer <token>'")
    who = auth.verify(token)
    if who is None:
        raise unauthorized("invalid or revoked token")
    return who


def page_principal(conn: HTTPConnection,
                   auth: Annotated[AuthStore, Depends(get_auth)]) -> Principal | None:
    """The page visitor, or None (the page redirects to the login form)."""
    return auth.verify(token_from(conn))


Store = Annotated[ResultsStore, Depends(get_store)]
Auth = Annotated[AuthStore, Depends(get_auth)]
Caller = Annotated[Principal, Depends(api_principal)]
Visitor = Annotated[Principal | None, Depends(page_principal)]
Engine = Annotated[Any, Depends(get_engine)]
