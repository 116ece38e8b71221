"""Browser-facing defences for every response and WebSocket handshake: the Origin check and
the security headers.

- Origin: a browser sends it on every WebSocket handshake and cross-site fetch/POST. Unless
  it is this server's own (the Host it was reached at) or configured (`allowed_origins`), the
  request is refused — 403, or the handshake closed with 1008 — even with a valid credential,
  so no other web page can drive a logged-in browser against us. Programs send no Origin.
- Headers: a Content-Security-Policy that allows only our own scripts and connections and no
  framing, nosniff, no referrer to other sites (`same-origin`: with `no-referrer` Chromium
  sends `Origin: null` on our own form posts), and `no-store` on everything but static assets
  (pages and API answers carry transcripts).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.web.problems import PROBLEM_JSON, problem_body

STATIC_PREFIXES = ("/qa/static/", "/live/static/", "/docs/static/", "/docs/local/")
_TOKEN_IN_TEXT = re.compile(r"(?i)((?:token|session)=)[^&\s\"']+")


def csp(host: str) -> str:
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; media-src 'self'; "
            f"connect-src 'self' ws://{host} wss://{host}; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return ""


def origin_allowed(origin: str, host: str, allowed: Iterable[str]) -> bool:
    """No Origin (a program), our own host, or a configured origin."""
    if not origin:
        return True
    if origin.rstrip("/") in allowed:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and bool(host) and parts.netloc == host


class SecurityMiddleware:
    """Pure ASGI middleware (HTTP and WebSocket alike); see the module docstring."""

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str] = ()):
        self.app = app
        self.allowed = frozenset(o.rstrip("/") for o in allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        if not origin_allowed(_header(scope, b"origin"), host, self.allowed):
            await _refuse(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _secured(message.get("headers") or [], host, static)
            await send(message)

        await self.app(scope, receive, with_headers)


def _secured(headers: list[tuple[bytes, bytes]], host: str, static: bool
             ) -> list[tuple[bytes, bytes]]:
    out = [(k, v) for k, v in headers if k.lower() != b"cache-control" or static]
    out += [(b"content-security-policy", csp(host).encode("latin-1")),
            (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY")]
    if not static:
        out.append((b"cache-control", b"no-store"))
    return out


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    origin = _header(scope, b"origin")[:200]
    logging.getLogger("hotline.web").warning("refused %s %s from foreign origin %r",
                                             scope["type"], scope["path"], origin)
    services = getattr(getattr(scope.get("app"), "state", None), "services", None)
    if services is not None:
        services.auth.audit(None, "origin", status="refused",
                            detail=f"{scope['type']} {scope['path'][:200]} from {origin}")
    if scope["type"] == "websocket":
        await receive()                                   # websocket.connect
        await send({"type": "websocket.close", "code": 1008, "reason": "origin not allowed"})
        return
    body = json.dumps(problem_body(403, "cross-site request refused: origin not allowed",
                                   scope["path"][:200])).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class TokenLogFilter(logging.Filter):
    """Masks `token=...` / `session=...` in log records (e.g. uvicorn's access log), so a
    credential someone put in a URL never lands in a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(_TOKEN_IN_TEXT.sub(r"\1***", a) if isinstance(a, str) else a
                                for a in record.args)
        record.msg = _TOKEN_IN_TEXT.sub(r"\1***", str(record.msg))
        return True
