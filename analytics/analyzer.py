"""Entry points: `CallAnalyzer` for stored calls and `LiveRules` for a call in progress.

Both run the same compiled rulebook over the same units. The live one emits each settled decision
once (a violation, or a reminder for the agent sidebar) as turns arrive, looking only at what the
new turn can change (analytics.incremental), and settles the rest with one full evaluation at the end.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Hashable
from typing import Any

from hotline.analytics.context import CallContext
from hotline.analytics.emotion import EmotionScorer, summarize
from hotline.analytics.incremental import live_states
from hotline.analytics.metrics import compute_metrics
from hotline.analytics.rulebook import Reminder, Rulebook, load_rulebook
from hotline.document import CallDocument, Turn, Violation
from hotline.embed import Embedder
from hotline.settings import Settings


class CallAnalyzer:
    """Fills turn.emotion, doc.violations, doc.metrics and doc.emotion_summary."""

    def __init__(self, rulebook: Rulebook | None = None, emotion: EmotionScorer | None = None) -> None:
        self.rulebook = rulebook or load_rulebook()
        self.emotion = (emotion or EmotionScorer()).with_recognisers(self.rulebook.recognisers)

    @classmethod
    def load(cls, settings: Settings | None = None, embedder: Embedder | None = None,
             warm: bool = True) -> CallAnalyzer:
        """Rulebook from settings.rulebook (default telecom) and the emotion scorer, loaded once;
        semantic rule conditions use the process's one `embedder`."""
        path = (settings.rulebook or None) if settings is not None else None
        return cls(load_rulebook(path, embedder), EmotionScorer.load(settings, warm=warm))

    def analyze(self, doc: CallDocument, audio: Any = None) -> CallDocument:
        t0 = time.perf_counter()
        self.emotion.score_call(doc, audio)
        t1 = time.perf_counter()
        ctx = self.rulebook.context(doc)
        events = self.rulebook.evaluate(ctx, final=True)
        doc.violations = sorted((e for _k, e in events if isinstance(e, Violation)),
                                key=lambda v: (v.start, v.rule))
        t2 = time.perf_counter()
        doc.metrics = {**doc.metrics, **compute_metrics(ctx, doc.duration)}
        doc.emotion_summary = summarize(doc)
        doc.timings = {**doc.timings, "analytics_emotion": round(t1 - t0, 4),
                       "analytics_rules": round(t2 - t1, 4),
                       "analytics": round(time.perf_counter() - t0, 4)}
        return doc


class LiveRules:
    """Incremental compliance for a live call: feed turns as they finish.

    `add_turn` returns the new violations and reminders (e.g. "greet the customer with the
    company and your name" while the greeting window is open, "apologise now" after anger);
    `finish` settles the rules that need the whole call (closing, relative windows).
    Turns without an emotion get a text-only one.
    """

    def __init__(self, rulebook: Rulebook | None = None, emotion: EmotionScorer | None = None,
                 language: str = "auto") -> None:
        self.rulebook = rulebook or load_rulebook()
        self.emotion = (emotion or EmotionScorer()).with_recognisers(self.rulebook.recognisers)
        self.ctx = CallContext(language, None, self.rulebook.embedder, self.rulebook.recognisers)
        self.turns: list[Turn] = []
        self.violations: list[Violation] = []
        self.reminders: list[Reminder] = []
        self._seen: set[Hashable] = set()
        self._states = live_states(self.rulebook.rules)

    def add_turn(self, turn: Turn) -> list[Violation | Reminder]:
        """The new events; the work does not grow with the number of turns so far."""
        if turn.emotion is None:
            turn.emotion = self.emotion.score_text(turn.text, self.ctx.language)
        self.turns.append(turn)
        added = self.ctx.add_turn(turn, len(self.turns) - 1)
        return self._emit(self._step(added))

    def _step(self, added: list[int]) -> list[tuple[Hashable, Violation | Reminder]]:
        return [event for state in self._states for event in state.step(self.ctx, added)]

    def finish(self, duration: float | None = None) -> list[Violation]:
        """End of call: the remaining violations (rules that needed the whole call)."""
        self.ctx.duration = max(duration or 0.0, self.ctx.now)
        new = self._emit(self.rulebook.evaluate(self.ctx, final=True))
        return [e for e in new if isinstance(e, Violation)]

    def _emit(self, events: list[tuple[Hashable, Violation | Reminder]]) -> list[Violation | Reminder]:
        new: list[Violation | Reminder] = []
        for key, event in events:
            vkey = (isinstance(event, Violation), key)
            if vkey in self._seen:
                continue
            self._seen.add(vkey)
            new.append(event)
            (self.violations if isinstance(event, Violation) else self.reminders).append(event)
        return new


def event_dict(event: Violation | Reminder) -> dict[str, Any]:
    """JSON for the agent sidebar: {"type": "violation" | "reminder" | "alert", ...fields}."""
    kind = event.kind if isinstance(event, Reminder) else "violation"
    return {"type": kind, **dataclasses.asdict(event)}
