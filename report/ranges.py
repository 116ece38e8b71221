"""The report's range views (7 or 30 days): the headline numbers of every day of a range.

Two paths with one result: `range_numbers` counts in SQL over the per-call columns
(hotline.store.ranges, ~72k calls in well under a second), `compute_range` in Python over the
calls' documents (the daily report's own arithmetic, the reference the SQL path is tested
against). Rates and means are rounded here, the same way for both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hotline.document import CallDocument
from hotline.report.daily import DayNumbers, day_numbers
from hotline.store.ranges import DayTotals, day_totals


def range_numbers(store: Any, since: str, until: str) -> list[DayNumbers]:
    """Each day in [since, until] from a `ResultsStore`, counted by the database."""
    return [_numbers(t) for t in day_totals(store.db, since, until)]


def compute_range(docs: list[CallDocument], since: str, until: str) -> list[DayNumbers]:
    """The same from documents covering [since - repeat window, until + FCR window]."""
    first, last = dt.date.fromisoformat(since), dt.date.fromisoformat(until)
    return [day_numbers(docs, (first + dt.timedelta(days=n)).isoformat())
            for n in range((last - first).days + 1)]


def _share(yes: int, of: int) -> float | None:
    return round(yes / of, 4) if of else None


def _numbers(t: DayTotals) -> DayNumbers:
    return DayNumbers(
        date=t.day, calls=t.calls,
        answered_within_15s=_share(t.answered_yes, t.answered_of),
        mean_answer_s=round(t.answer_sum / t.answered_of, 2) if t.answered_of else None,
        first_contact_resolution=_share(t.fcr_yes, t.fcr_of),
        repeat_complaint_rate=_share(t.repeat_yes, t.repeat_of),
        mean_handle_s=round(t.handle_sum / t.calls, 1) if t.calls else None,
        violations_per_100_calls=round(100.0 * t.violations / t.calls, 1) if t.calls else None)
