"""Fixtures for the redaction tests: call documents with word timings, synthetic PII calls."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from hotline.document import CallDocument, Turn, Word

ROOT = Path(__file__).resolve().parents[2]


def split_words(text: str, language: str) -> list[str]:
    """Word tokens as an ASR would give them: English by spaces, Chinese by character."""
    if language == "zh":
        return re.findall(r"[A-Za-z0-9@._\-]+|\S", text)
    return text.split()


def build_doc(turns: list[tuple[str, str]], language: str = "en", call_id: str = "c1",
              metadata: dict | None = None) -> CallDocument:
    """A document from (role, text) pairs, 0.4 s per word, agent = S0, customer = S1."""
    out, t = [], 0.0
    for role, text in turns:
        words = []
        for w in split_words(text, language):
            words.append(Word(word=w, start=round(t, 2), end=round(t + 0.35, 2)))
            t += 0.4
        start = words[0].start if words else t
        out.append(Turn(speaker="S0" if role == "agent" else "S1", role=role, start=start,
                        end=round(t, 2), text=text, words=words))
        t += 0.5
    return CallDocument(call_id=call_id, source=f"/calls/{call_id}.wav", duration=t,
                        sample_rate=8000, channels=1, language=language,
                        pipeline_version="test", turns=out, metadata=dict(metadata or {}))


def truth_to_doc(truth: dict) -> CallDocument:
    """A synthetic ground-truth call as a document with words (independent of synth.truth)."""
    return build_doc([(t["role"], t["text"]) for t in truth["turns"]], truth["language"],
                     call_id=truth["name"], metadata=truth["metadata"])


@pytest.fixture
def make_doc():
    return build_doc


@pytest.fixture
def truth_doc():
    return truth_to_doc


@pytest.fixture(scope="session")
def synth_pii_calls():
    """40 synthetic calls (EN + ZH) that read out cards, CVVs, phones, IDs and e-mails."""
    if str(ROOT) not in sys.path:      # synth/ is a top-level dev package, not installed
        sys.path.insert(0, str(ROOT))
    from hotline.synth.scenarios import build_scenarios

    return build_scenarios(seed=7, n=40, kinds=["pii"])
