"""The live rule path before it was incremental, kept as the reference for tests and the bench.

Every turn re-evaluated the whole rulebook over all units so far (`final=False`) and emitted the
decisions not seen before: correct, but the cost of a turn grew with the call's length.
"""

from __future__ import annotations

from collections.abc import Hashable

from hotline.analytics.analyzer import LiveRules
from hotline.analytics.rulebook import Reminder
from hotline.document import Violation


class FullLiveRules(LiveRules):
    """LiveRules that re-evaluates everything after each turn (the old behaviour)."""

    def _step(self, added: list[int]) -> list[tuple[Hashable, Violation | Reminder]]:
        return self.rulebook.evaluate(self.ctx, final=False)
