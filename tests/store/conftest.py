"""Store fixtures: redacted call documents with a caller number, date and words of their own."""

from __future__ import annotations

import hashlib

import pytest

from hotline.document import CallDocument, Turn, Word
from hotline.privacy.redact import redact_document


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
