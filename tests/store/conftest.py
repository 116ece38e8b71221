"""Store fixtures: redacted call documents with a caller, a date and words of their own, and a
populated store (results + search index + vectors + muted copies + originals) on a backend."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from hotline.document import CallDocument, Turn, Word
from hotline.privacy.redact import redact_document
from hotline.search.index import SearchIndex
from hotline.store.db import Database
from hotline.store.results import ResultsStore
from hotline.web.auth import Principal
from hotline.web.review import Review, ReviewStore

CALLER_A = "+86 138 0013 8000"
CALLER_B = "13900139000"


def make_call(tag: str, date: str, caller: str, agent: str = "A1",
              lines: tuple[str, ...] = ()) -> CallDocument:
    """A redacted call whose turns say `lines` (default: words unique to `tag`)."""
    lines = lines or (f"Thank you for calling Skyline, this is {tag}amy.",
                      f"My {tag}zebra router keeps dropping the {tag}quokka signal.")
    turns, t = [], 0.0
    for i, text in enumerate(lines):
        words = []
        for w in text.split():
            words.append(Word(w, round(t, 2), round(t + 0.3, 2)))
            t += 0.3
        turns.append(Turn(speaker=f"S{i % 2}", role=("agent", "customer")[i % 2],
                          start=words[0].start, end=round(t, 2), text=text, words=words))
        t += 0.5
    call_id = hashlib.sha256(tag.encode()).hexdigest()[:16]
    doc = CallDocument(call_id=call_id, source=f"/calls/{tag}.wav", duration=t, sample_rate=8000,
                       channels=1, language="en", pipeline_version="hotline-0.1", turns=turns,
                       intents=["network.weak_signal"],
                       metadata={"date": date, "agent_id": agent, "caller_number": caller})
    return redact_document(doc)


@pytest.fixture
def call_factory():
    return make_call


@dataclass
class World:
    """A store as the pipeline and QA leave it: every call saved, indexed, embedded, reviewed
    (verdict + comment), muted copy written under the data dir, original outside it."""

    db_url: str
    data_dir: Path
    originals: Path
    docs: dict[str, CallDocument] = field(default_factory=dict)   # tag -> document

    def muted(self, tag: str) -> Path:
        return self.data_dir / "redacted_audio" / f"{self.docs[tag].call_id}.wav"

    def original(self, tag: str) -> Path:
        return self.originals / f"{tag}.wav"


# tag: (date, caller)
CALLS = {"alpha": ("2026-11-01", CALLER_A), "bravo": ("2026-11-10", CALLER_B),
         "charlie": ("2026-11-20", CALLER_A), "delta": ("2026-11-21", CALLER_B)}


@pytest.fixture
def world(db_url, tmp_path, monkeypatch) -> World:
    w = World(db_url, tmp_path / "data", tmp_path / "incoming")
    w.originals.mkdir()
    monkeypatch.setenv("HOTLINE_DB_URL", db_url)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(w.data_dir))
    db = Database(db_url)
    store, index, reviews = ResultsStore(db), SearchIndex(db), ReviewStore(db)
    for tag, (date, caller) in CALLS.items():
        doc = make_call(tag, date, caller)
        doc.source = str(w.original(tag))
        w.original(tag).write_bytes(b"RIFF original " + tag.encode())
        w.docs[tag] = doc
        muted = w.muted(tag)
        muted.parent.mkdir(parents=True, exist_ok=True)
        muted.write_bytes(b"RIFF muted " + tag.encode())
        doc.metadata["redacted_audio"] = str(muted)
        store.save_document(doc)
        index.index_call(doc)
        db.execute("INSERT INTO search_vectors (call_id, dim, embedding) VALUES (?, ?, ?)",
                   (doc.call_id, 4, np.ones(4, dtype=np.float32).tobytes()))
        reviewer = Principal(token_id="t1", name="qa-ann", role="qa")
        reviews.save_verdict(Review(doc.call_id, status="reviewed"), reviewer)
        reviews.add_comment(doc.call_id, reviewer, f"caller mentions {tag}zebra twice", 1.0)
    db.close()
    return w
