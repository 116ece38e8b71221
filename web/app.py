"""The FastAPI application: QA pages, JSON API, audit log and live assist, one router per
area, sharing the services the lifespan opens once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hotline.settings import Settings
from hotline.web import api, audit, live, pages, review
from hotline.web.services import open_services

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings, engine: Any = None) -> FastAPI:
    """The app; `engine` shares an already loaded live engine (tests, benchmarks), else the
    first live request loads one."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = open_services(settings, engine)
        try:
            yield
        finally:
            app.state.services.close()

    app = FastAPI(title="hotline", version="0.1.0", lifespan=lifespan,
                  description="Call-center voice analytics and live agent assist")
    app.state.settings = settings
    for router in (api.router, review.router, audit.router, pages.router, live.router):
        app.include_router(router)
    app.mount("/qa/static", StaticFiles(directory=STATIC / "qa"), name="qa-static")
    app.mount("/live/static", StaticFiles(directory=STATIC / "live"), name="live-static")
    return app
