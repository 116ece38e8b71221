"""A small real store for API tests: synthetic calls (two agents, four days) with stage
timings, indexed for search, and a token per role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline import defaults
from hotline.document import CallDocument


@dataclass
class ApiStore:
    db_url: str
    docs: list[CallDocument]
    tokens: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def build_api_store(db_url: str, make_document: Any, n: int = 5) -> ApiStore:
    from hotline.search.index import SearchIndex
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore
    from hotline.synth.scenarios import build_scenarios
    from hotline.web.auth import AuthStore

    db = Database(db_url)
    store, index = ResultsStore(db), SearchIndex(db, None)
    docs = []
    for i, truth in enumerate(build_scenarios(seed=21, n=n, languages=("en",))):
        doc = make_document(truth, f"A{i % 2 + 1}", f"2026-11-{10 + i % 4:02d}")
        doc.timings = {"asr": 1.5 + i, "diarization": 0.25 * (i + 1)}
        doc.pipeline_version = defaults.PIPELINE_VERSION      # as this version's worker wrote
        store.save_document(doc)
        index.index_call(doc)
        docs.append(doc)
    auth = AuthStore(db)
    tokens = {r: auth.create_token(r, name=f"t-{r}")[0] for r in ("qa", "supervisor", "admin")}
    tokens["agent"] = auth.create_token("agent", agent_id="A1", name="agent-a1")[0]
    db.close()
    return ApiStore(db_url=db_url, docs=docs, tokens=tokens)
