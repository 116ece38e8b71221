"""The FastAPI application: QA pages, JSON API, audit log and live assist, one router per
area, sharing the services the lifespan opens once; the security middleware in front."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from hotline.settings import Settings
from hotline.web import api, audit, live, openapi, ops, pages, problems, reports, review
from hotline.web.security import SecurityMiddleware, TokenLogFilter
from hotline.web.services import open_services
from hotline.web.versions import ApiAliases

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings, engine: Any = None) -> FastAPI:
    """The app; `engine` shares an already loaded live engine (tests, benchmarks), else the
    first live request loads one."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = open_services(settings, engine)
        access = logging.getLogger("uvicorn.access")
        if not any(isinstance(f, TokenLogFilter) for f in access.filters):
            access.addFilter(TokenLogFilter())
        try:
            yield
        finally:
            app.state.services.close()

    app = FastAPI(title="hotline", version="0.1.0", lifespan=lifespan, docs_url=None,
                  redoc_url=None, description="Call-center voice analytics and live agent assist",
                  generate_unique_id_function=openapi.operation_id)
    app.state.settings = settings
    app.state.stage_totals = ops.StageTotals()       # /metrics: read incrementally
    for router in (api.router, review.router, audit.router, pages.router, live.router,
                   ops.router, reports.router):
        app.include_router(router)
    _mount_static(app)
    problems.install(app)
    openapi.install(app)
    app.add_middleware(SecurityMiddleware, allowed_origins=settings.origins)
    app.add_middleware(ApiAliases)
    return app


def _mount_static(app: FastAPI) -> None:
    """Page assets, and Swagger UI from local files (the swagger-ui-bundle package): /docs
    works offline and under a CSP that allows only this server's scripts."""
    app.mount("/qa/static", StaticFiles(directory=STATIC / "qa"), name="qa-static")
    app.mount("/live/static", StaticFiles(directory=STATIC / "live"), name="live-static")
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:             # an environment made before the dependency: no /docs UI
        swagger_ui_path = None
    if swagger_ui_path is not None:
        app.mount("/docs/static", StaticFiles(directory=swagger_ui_path), name="docs-static")
    app.mount("/docs/local", StaticFiles(directory=STATIC / "docs"), name="docs-local")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        if swagger_ui_path is None:
            return HTMLResponse("Swagger UI needs the swagger-ui-bundle package "
                                "(pip install swagger-ui-bundle); the API schema is at "
                                "/openapi.json", status_code=503)
        return HTMLResponse((STATIC / "docs" / "index.html").read_text(encoding="utf-8"))
