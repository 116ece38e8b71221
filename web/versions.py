"""The HTTP API's one version prefix, and the old unversioned paths as aliases.

Every JSON route is declared under `/api/v1/`; a request to the old `/api/<path>` is answered
by `/api/v1/<path>` (same handler, same auth, same audit), so integrations written before
versioning keep working while OpenAPI lists each operation once.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

API_V1 = "/api/v1"
_OLD = "/api/"


def versioned(path: str) -> str | None:
    """The /api/v1 path an old /api path stands for; None when it is not an old API path."""
    if not path.startswith(_OLD) or path == API_V1 or path.startswith(API_V1 + "/"):
        return None
    return API_V1 + path[len(_OLD) - 1:]


class ApiAliases:
    """Pure ASGI middleware: rewrites `/api/...` (unversioned) to `/api/v1/...`."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            new = versioned(scope["path"])
            if new is not None:
                scope = {**scope, "path": new, "raw_path": new.encode()}
        await self.app(scope, receive, send)
