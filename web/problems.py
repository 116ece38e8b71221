"""RFC 7807 errors: every error answered on an API path (`/api/...`, `/metrics`) is
`application/problem+json` — {type, title, status, detail, instance}, plus `errors` (one per
bad field) on a 422. Pages keep FastAPI's own answers (the login redirect, HTML).

`type` is "about:blank" (RFC 7807 §4.2: the HTTP status says it all; `title` is its phrase).
A 500 never shows the exception: the server log has it.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("hotline.web")


def is_api(request: Request) -> bool:
    path = request.url.path
    return request.scope["type"] == "http" and (path.startswith("/api/") or path == "/metrics")


def problem_body(status: int, detail: str, instance: str, **extra: Any) -> dict[str, Any]:
    """The RFC 7807 members (and any extensions) of one problem."""
    return {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail, "instance": instance, **extra}


def problem(request: Request, status: int, detail: str, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    """One problem document (RFC 7807) for `request`."""
    return JSONResponse(problem_body(status, detail, request.url.path, **extra),
                        status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if not is_api(request):
        return await http_exception_handler(request, exc)
    if isinstance(exc.detail, str):
        return problem(request, exc.status_code, exc.detail, headers=exc.headers)
    return problem(request, exc.status_code, HTTPStatus(exc.status_code).phrase,
                   headers=exc.headers, errors=exc.detail)


def field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """{"field", "in" (query, path, body, header), "message", "type"} per bad value."""
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        where, name = (loc[0], ".".join(loc[1:])) if len(loc) > 1 else ("", ".".join(loc))
        out.append({"field": name, "in": where, "message": err.get("msg", ""),
                    "type": err.get("type", "")})
    return out


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    if not is_api(request):
        return await request_validation_exception_handler(request, exc)
    errors = field_errors(exc)
    detail = "; ".join(f"{e['field'] or e['in']}: {e['message']}" for e in errors)
    return problem(request, 422, detail or "invalid request", errors=errors)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if not is_api(request):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return problem(request, 500, "internal error: the server log has the details")


def install(app: FastAPI) -> None:
    """Answer API errors as problem+json (HTTP errors, validation, anything unhandled)."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)
