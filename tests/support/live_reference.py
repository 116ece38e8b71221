"""The live rule path before it was incremental, kept as the reference for tests and the bench.

Every turn re-evaluated the whole rulebook over all units so far (`final=False`) and emitted the
decisions not seen before: correct, but the cost of a turn grew with the call's length.
"""

from __future__ import annotations

from collections.abc import Hashable

from hotline.analytics.analyzer import LiveRules
from hotline.analytics.rulebook import Reminder
from hotline.document import Turn, Violation


class FullLiveRules(LiveRules):
    """LiveRules that re-evaluates everything after each turn (the old behaviour)."""

    def _step(self, added: list[int]) -> list[tuple[Hashable, Violation | Reminder]]:
        return self.rulebook.evaluate(self.ctx, final=False)


BLOCK = [("agent", "Thank you for calling Skyline Mobile, my name is Emma."),
         ("customer", "This is ridiculous, my phone stopped working again!"),
         ("agent", "Okay, let me check."),
         ("customer", "Why does this keep happening? Can you fix it?"),
         ("agent", "I have reset your network settings."),
         ("customer", "Fine. Is it done?"),
         ("agent", "Could you please hold for a moment?"),
         ("customer", "Sure."),
         ("agent", "Thanks for holding, it is sorted now."),
         ("customer", "Okay, thanks.")]


def long_call(n: int) -> list[Turn]:
    """n turns: one 10-turn exchange (anger, account change, hold, questions) over and over."""
    turns, t = [], 0.0
    for k in range(n):
        role, text = BLOCK[k % len(BLOCK)]
        gap = 22.0 if k % len(BLOCK) == 8 else 0.5
        turns.append(Turn(speaker="S0" if role == "agent" else "S1", role=role,
                          start=t + gap, end=t + gap + 3.0, text=text))
        t += gap + 3.0
    return turns
