"""The FastAPI application: QA routes and live-assist routes mounted side by side."""

from __future__ import annotations

from fastapi import FastAPI

from hotline.config import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the app; each router loads its own resources lazily, once, on first use."""
    from hotline.web import live, qa

    app = FastAPI(title="hotline", version="0.1.0",
                  description="Call-center voice analytics and live agent assist")
    app.state.settings = settings
    app.include_router(qa.make_router(settings))
    app.include_router(live.make_router(settings))
    return app
