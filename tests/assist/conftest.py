"""Assist fixtures: one loaded graph + MiniLM + facts store, and one real uvicorn server per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
FEED = """area,site_id,kind,status,detail,eta,updated_at
Haidian,HD-5G-017,base_station,maintenance,5G carrier off for antenna upgrade,2026-11-22T06:00:00Z,2026-11-22T01:00:00Z
Haidian,HD-5G-018,base_station,ok,,,2026-11-22T01:00:00Z
Northgate,NG-5G-003,base_station,down,power failure at the site,2026-11-22T05:30:00Z,2026-11-22T02:10:00Z
Chaoyang,CY-FTTH-3,broadband,down,fibre cut at Jianguo Rd,2026-11-22T09:00:00Z,2026-11-22T02:00:00Z
"""


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    from hotline.settings import Settings

    tmp = tmp_path_factory.mktemp("assist")
    return Settings(data_dir=str(tmp), db_url=f"sqlite:///{tmp / 'hotline.db'}", language="en")


@pytest.fixture(scope="session")
def graph():
    from hotline.assist.graph import KnowledgeGraph

    return KnowledgeGraph.load()


@pytest.fixture(scope="session")
def embedder():
    from hotline.embed import Embedder

    return Embedder(threads=None)   # torch threads untouched: other areas share this process


@pytest.fixture(scope="session")
def facts(settings):
    from hotline.assist.facts import FactsStore, parse_feed
    from hotline.store.db import Database

    store = FactsStore(Database(settings.db_url))
    store.upsert(parse_feed(FEED, "feed.csv"))
    return store


@pytest.fixture(scope="session")
def assistant(graph, embedder, facts, settings):
    from hotline.assist.assistant import Assistant

    return Assistant(graph, embedder, facts, cache_dir=settings.data_dir)


@pytest.fixture(scope="session")
def engine(assistant, settings):
    """The live engine with the real tiny.en transcriber and analytics' live rules."""
    from hotline.asr import ASROptions, load_transcriber
    from hotline.assist.live import LiveEngine, _rules_factory, live_asr_options

    transcriber = load_transcriber(settings)
    options = live_asr_options(ASROptions, "en", assistant.graph)
    eng = LiveEngine(assistant, transcriber, options, _rules_factory(settings, assistant.embedder))
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def live_server(engine, settings):
    """A real uvicorn server (in a thread) sharing the loaded engine; yields the http URL."""
    from hotline.web.app import create_app
    from tests.support.localnet import serve_in_thread

    server, thread, url = serve_in_thread(create_app(settings, engine=engine), ws_max_size=4 << 20)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_tokens(settings) -> dict[str, str]:
    """API tokens in the live server's store: admin, supervisor, qa, feed, agents A1 and A2."""
    from hotline.store.db import Database
    from hotline.web.auth import AuthStore

    db = Database(settings.db_url)
    auth = AuthStore(db)
    tokens = {role: auth.create_token(role, name=f"live-{role}")[0]
              for role in ("admin", "supervisor", "qa", "feed")}
    for agent in ("A1", "A2"):
        tokens[agent] = auth.create_token("agent", agent_id=agent, name=f"live-{agent}")[0]
    db.close()
    return tokens


@pytest.fixture(scope="session")
def simulate():
    sys.path.insert(0, str(ROOT / "scripts"))
    import simulate_call

    return simulate_call
