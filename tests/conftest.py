"""Shared infrastructure fixtures: real redis-server, real PostgreSQL scratch databases, data.

Area-specific fixtures (models, generated calls) live in each tests/<area>/conftest.py.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A private redis-server on a free port, started for this test session."""
    from tests.support.localnet import start_redis

    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed (make test installs it)")
    proc, port = start_redis(tmp_path_factory.mktemp("redis"))
    url = f"redis://127.0.0.1:{port}/0"
    yield {"url": url, "port": port, "proc": proc}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server) -> str:
    """A flushed database on the session's redis-server."""
    import redis

    conn = redis.Redis.from_url(redis_server["url"])
    conn.flushdb()
    return redis_server["url"]


@pytest.fixture
def pg_url():
    """A scratch PostgreSQL database on the local server, dropped afterwards."""
    yield from scratch_pg()


def scratch_pg():
    """Yield a scratch database URL; a clear failure when PostgreSQL is not reachable."""
    import psycopg

    from tests.support.localnet import scratch_postgres

    try:
        with scratch_postgres(PG_ADMIN_URL) as url:
            yield url
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hotline.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """Run the same test against both store backends, each on a real server/file."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hotline.db'}"
    return request.getfixturevalue("pg_url")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright, shared by a module's page tests. Not
    per session: sync Playwright keeps an event loop running in the main thread while it is
    open, and every later `asyncio.run` (the live WebSocket tests) would fail."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (make apt installs chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def multilingual_dir(tmp_path_factory):
    """A tiny multilingual Whisper with RANDOM weights (tests.support.tiny_whisper), built once."""
    from tests.support.tiny_whisper import build_tiny_multilingual

    return build_tiny_multilingual(tmp_path_factory.mktemp("tiny_multilingual") / "ct2")
