"""QA web fixtures: a temp SQLite store filled with synthetic calls (one with real rendered
audio), search-indexed, API tokens for every role, and a real uvicorn server on a free port."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hotline.document import CallDocument, Emotion

# valence / arousal a scorer would give each label (test data only)
LABEL_VA = {"positive": (0.6, 0.4), "neutral": (0.05, 0.2), "negative": (-0.45, 0.5),
            "angry": (-0.85, 0.9)}
OWN_AGENT, OTHER_AGENT = "A1", "A2"
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:       # synth/ is a top-level dev package, not installed
    sys.path.insert(0, str(ROOT))


@dataclass
class QAWorld:
    """Everything a QA web test needs: server URL, tokens, documents, the played call."""

    url: str
    db_url: str
    tokens: dict[str, str]
    docs: dict[str, CallDocument]
    played: CallDocument          # has real audio on disk, agent A1
    audio_path: Path
    shared_dir: Path              # a second audio dir (HOTLINE_AUDIO_DIRS): "shared storage"
    truths: dict[str, dict[str, Any]] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def calls_of(self, agent_id: str) -> set[str]:
        return {c for c, d in self.docs.items() if d.metadata.get("agent_id") == agent_id}


def _place_violations(doc: CallDocument, truth: dict[str, Any]) -> None:
    """Put each ground-truth violation on the turn that shows it, with that turn as evidence."""
    turns = truth["turns"]
    agent = [i for i, t in enumerate(turns) if t["role"] == "agent"]
    acts = [set(t.get("acts", [])) for t in turns]

    def first(pred, default: int) -> int:
        return next((i for i in agent if pred(i)), default)

    places = {
        "greeting.missing": agent[0] if agent else 0,
        "closing.missing": agent[-1] if agent else len(turns) - 1,
        "verification.missing": first(lambda i: bool(acts[i] & {"account_change", "disclose"}),
                                      agent[0]),
        "language.forbidden": first(
            lambda i: any(p in turns[i]["text"].lower()
                          for p in ("not my department", "calm down", "不归我管", "没办法")),
            agent[0]),
        "empathy.missing": next((j for i, t in enumerate(turns) if t["role"] == "customer"
                                 and t["emotion"] == "angry" for j in agent if j > i), agent[0]),
        "hold.no_notice": next((i for i in range(1, len(turns))
                                if turns[i]["start"] - turns[i - 1]["end"] > 20), 0),
        "interruption.excessive": first(lambda i: i > 0 and turns[i]["start"] < turns[i - 1]["end"],
                                        agent[0]),
    }
    for v in doc.violations:
        idx = places.get(v.rule, 0)
        v.turn, v.start, v.end = idx, turns[idx]["start"], turns[idx]["end"]
        if v.rule == "hold.no_notice" and idx > 0:      # the engine spans the silence too
            v.start = turns[idx - 1]["end"]
        # the rule engine's own wording (the page must not show it)
        v.evidence = f'engine: {v.rule} @ {v.start:.1f}s: "{turns[idx]["text"][:60]}"'


def _metrics(truth: dict[str, Any]) -> dict[str, Any]:
    """Talk, silence and overtalk measured on the ground-truth turn times."""
    turns, duration = truth["turns"], truth["duration"]
    spoken, end, gaps = 0.0, 0.0, []
    for t in turns:
        gaps.append(max(0.0, t["start"] - end))
        spoken += max(0.0, t["end"] - max(t["start"], end))
        end = max(end, t["end"])
    gaps.append(max(0.0, duration - end))
    agent = sum(t["end"] - t["start"] for t in turns if t["role"] == "agent")
    return {"call_duration": duration, "talk_ratio_agent": round(agent / duration, 3),
            "silence_ratio": round(1 - spoken / duration, 3),
            "longest_silence": round(max(gaps), 2), "overtalk_count": len(truth["overlaps"])}


def synthetic_document(truth: dict[str, Any], agent_id: str, date: str,
                       source: str | None = None) -> CallDocument:
    """A call document from synthetic ground truth with emotions and placed violations,
    redacted as the pipeline does before anything is stored."""
    from hotline.privacy.redact import redact_document
    from hotline.synth.truth import to_call_document

    doc = to_call_document(truth, with_violations=True)
    for turn, t in zip(doc.turns, truth["turns"], strict=True):
        valence, arousal = LABEL_VA[t["emotion"]]
        turn.emotion = Emotion(label=t["emotion"], score=0.8, valence=valence, arousal=arousal)
    _place_violations(doc, truth)
    doc.metrics = _metrics(truth)
    doc.metadata.update(agent_id=agent_id, date=date)
    if source:
        doc.source = source
    return redact_document(doc)


@pytest.fixture(scope="session")
def qa_world(tmp_path_factory) -> QAWorld:
    """Six synthetic calls (A1 and A2), the first rendered to real audio, and a live server."""
    from hotline.search.index import SearchIndex
    from hotline.settings import Settings
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore
    from hotline.synth.render import render_call
    from hotline.synth.scenarios import build_scenarios
    from hotline.web.app import create_app
    from hotline.web.auth import AuthStore
    from tests.support.localnet import serve_in_thread

    root = tmp_path_factory.mktemp("qa_web")
    db_url = f"sqlite:///{root / 'hotline.db'}"
    kinds = ["language.forbidden+angry", "clean", "empathy.missing", "pii",
             "closing.missing+hold.no_notice", "clean"]
    scenarios = build_scenarios(seed=11, languages=("en",), kinds=kinds, n=len(kinds))
    played_truth = render_call(scenarios[0], root / "audio")
    audio_path = (root / "audio" / played_truth["audio"]).resolve()

    db = Database(db_url)
    store, index = ResultsStore(db), SearchIndex(db, None)
    docs, truths = {}, {}
    for i, truth in enumerate([played_truth, *scenarios[1:]]):
        agent_id = OWN_AGENT if i % 2 == 0 else OTHER_AGENT
        doc = synthetic_document(truth, agent_id, f"2026-11-{20 - i:02d}",
                                 str(audio_path) if i == 0 else None)
        store.save_document(doc)
        index.index_call(doc)
        docs[doc.call_id], truths[doc.call_id] = doc, truth
    auth = AuthStore(db)
    tokens = {role: auth.create_token(role, name=f"test-{role}")[0]
              for role in ("qa", "supervisor", "admin")}
    tokens["agent"] = auth.create_token("agent", agent_id=OWN_AGENT, name="agent-a1")[0]
    tokens["agent2"] = auth.create_token("agent", agent_id=OTHER_AGENT, name="agent-a2")[0]
    db.close()

    shared = tmp_path_factory.mktemp("shared_audio")
    settings = Settings(db_url=db_url, data_dir=str(root), audio_dirs=str(shared))
    server, thread, url = serve_in_thread(create_app(settings))
    played = docs[played_truth["call_id"]]
    yield QAWorld(url=url, db_url=db_url, tokens=tokens, docs=docs, played=played,
                  audio_path=audio_path, shared_dir=shared, truths=truths)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def make_document():
    """`synthetic_document(truth, agent_id, date, source=None)` for tests that build a store."""
    return synthetic_document
