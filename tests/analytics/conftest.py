"""Analytics fixtures: the default rulebook/scorer (loaded once per session) and call builders."""

from __future__ import annotations

import pytest

from hotline.document import CallDocument, Speaker, Turn


@pytest.fixture(scope="session")
def book():
    """The default telecom rulebook; its MiniLM embedder loads lazily, once per session."""
    from hotline.analytics.rulebook import load_rulebook

    return load_rulebook()


@pytest.fixture(scope="session")
def scorer():
    from hotline.analytics.emotion import EmotionScorer

    return EmotionScorer()


@pytest.fixture(scope="session")
def analyzer(book, scorer):
    from hotline.analytics.analyzer import CallAnalyzer

    return CallAnalyzer(book, scorer)


def make_doc(turns: list[tuple], language: str = "en", duration: float | None = None) -> CallDocument:
    """A call from (role, start, end, text) tuples; agent is S0, customer S1."""
    ts = [Turn(speaker="S0" if role == "agent" else "S1", role=role, start=start, end=end, text=text)
          for role, start, end, text in turns]
    end = max((t.end for t in ts), default=0.0)
    return CallDocument(call_id="test", source="test://call", duration=duration or end + 0.5,
                        sample_rate=8000, channels=1, language=language, pipeline_version="test",
                        speakers=[Speaker("S0", "agent", 1.0), Speaker("S1", "customer", 1.0)],
                        turns=ts)


@pytest.fixture(scope="session")
def call():
    """The `make_doc` builder (test modules cannot import conftest under importlib mode)."""
    return make_doc
