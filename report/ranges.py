"""The report's range views (7 or 30 days): the headline numbers of every day of a range.

Two paths with one result: `range_numbers` counts in SQL over the per-call columns
(hotline.store.ranges, ~72k calls in well under a second), `compute_range` in Python over the
calls' documents (the daily report's own arithmetic, the reference the SQL path is tested
against). Rates and means are rounded the same way for both (`daily.numbers_of`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hotline.document import CallDocument
from hotline.report.daily import DayNumbers, day_numbers, numbers_of
from hotline.store.ranges import day_totals


def range_numbers(store: Any, since: str, until: str) -> list[DayNumbers]:
    """Each day in [since, until] from a `ResultsStore`, counted by the database."""
    return [numbers_of(t) for t in day_totals(store.db, since, until)]


def compute_range(docs: list[CallDocument], since: str, until: str) -> list[DayNumbers]:
    """The same from documents covering [since - repeat window, until + FCR window]."""
    first, last = dt.date.fromisoformat(since), dt.date.fromisoformat(until)
    return [day_numbers(docs, (first + dt.timedelta(days=n)).isoformat())
            for n in range((last - first).days + 1)]
