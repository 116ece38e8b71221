"""What the web layer needs from the rest of hotline, opened once per process by the app's
lifespan and stored on `app.state.services`: the database, results store, token/audit store,
search index, live facts store, and the live engine (loaded on first use: a QA-only server
never pays for Whisper and MiniLM)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from hotline.assist.facts import FactsStore
from hotline.embed import Embedder
from hotline.search.index import SearchIndex, rulebook_rule_ids
from hotline.settings import Settings
from hotline.store.db import Database
from hotline.store.results import ResultsStore
from hotline.store.schema import open_database
from hotline.web.auth import AuthStore
from hotline.web.recordings import AudioRoots


@dataclass
class Services:
    """Connections and models shared by every request; built by `open_services`."""

    settings: Settings
    db: Database
    store: ResultsStore
    auth: AuthStore
    index: SearchIndex
    facts: FactsStore
    roots: AudioRoots
    embedder: Embedder                 # the server's one MiniLM (loads on first encode)
    engine: Any = None                 # hotline.assist.live.LiveEngine, loaded on first use
    live_streams: dict[str, int] = field(default_factory=dict)   # call id -> open streams
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _embed_lock: threading.Lock = field(default_factory=threading.Lock)

    def similar_index(self) -> SearchIndex:
        """The search index with the MiniLM embedder, loaded on the first "similar" request
        (keyword search never needs it, so a QA page opens without loading torch)."""
        with self._embed_lock:
            if self.index.embedder is None:
                self.index.embedder = self.embedder
        return self.index

    def engine_sync(self) -> Any:
        with self._lock:
            if self.engine is None:
                from hotline.assist.live import LiveEngine

                self.engine = LiveEngine.load(self.settings, embedder=self.embedder)
            return self.engine

    async def live_engine(self) -> Any:
        """The live engine; the first call loads it in a worker thread."""
        if self.engine is not None:
            return self.engine
        return await asyncio.to_thread(self.engine_sync)

    def close(self) -> None:
        self.db.close()


def open_services(settings: Settings, engine: Any = None) -> Services:
    """Open the database once and every store on top of it; `engine` is a loaded live engine
    to share (tests and benchmarks), else one is loaded on first use."""
    db = open_database(settings.db_url)       # schema created/migrated once, at start
    return Services(settings=settings, db=db, store=ResultsStore(db), auth=AuthStore(db),
                    index=SearchIndex(db, None, rule_ids=rulebook_rule_ids(settings.rulebook)),
                    facts=FactsStore(db), roots=AudioRoots.of(settings),
                    embedder=Embedder.from_settings(settings, threads=1), engine=engine)
