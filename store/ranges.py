"""Per-day counts and sums of the report's headline numbers over a date range, in SQL.

Why: the report's 7- and 30-day views at 1M turns read ~72k calls; parsing each summary and
counting in Python took 5-11 s. Here one statement reads the per-call columns of schema step 8
(`hotline.store.callnumbers`) and groups by day. The two KPIs that look at other calls keep
the report's rules (hotline.report.kpis) with window functions over the caller's calls in the
report's order (date, start time, call id):

- first-contact resolution: outcome "resolved" and the caller's NEXT call (if any) is after
  the FCR window; calls without a caller or an outcome have no data;
- repeat complaint: a complaint whose caller's PREVIOUS complaint (window partitioned by
  caller and complaint flag) is within the repeat window (or earlier that day).

Both windows are computed in the one scan (no self-join: SQLite would nest-loop it).

The days come in as a VALUES list with their window ends computed in Python, so no date
arithmetic is spelled twice (SQLite and PostgreSQL differ there) and malformed dates never
reach a cast. One document per call: the most recently finished row, as `iter_documents`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hotline import defaults
from hotline.store.db import Database
from hotline.store.schema import REPORT_INDEX

# PostgreSQL orders TEXT by the database collation; the report orders by code point ("C")
_BYTES = {"sqlite": "", "postgresql": ' COLLATE "C"'}
# SQLite: read the report columns from their index (schema step 10), not from the rows, where
# they sit behind the documents; its planner prefers the narrower date index otherwise
_INDEXED = {"sqlite": f" INDEXED BY {REPORT_INDEX}", "postgresql": ""}

# one row per call (the most recently finished) among the rows dated in [?, ?]
_LATEST = """latest AS (
    SELECT call_id, report_date AS d, report_start AS s, report_caller AS k,
           report_outcome AS o, report_complaint AS cp, report_answer_s AS a,
           COALESCE(duration, 0) AS dur, report_violations AS v,
           ROW_NUMBER() OVER (PARTITION BY call_id ORDER BY finished_at DESC) AS n
    FROM call_results{indexed}
    WHERE status = 'done' AND document IS NOT NULL AND call_date >= ? AND call_date <= ?)"""

_SQL = """WITH days (day, repeat_from, fcr_until) AS (VALUES {days}),
""" + _LATEST + """,
c AS (SELECT *,
        LEAD(d) OVER (PARTITION BY k ORDER BY d, s{c}, call_id{c}) AS next_d,
        LAG(d) OVER (PARTITION BY k, cp ORDER BY d, s{c}, call_id{c}) AS prev_d
    FROM latest WHERE n = 1 AND d >= ? AND d <= ?)
SELECT days.day AS day, COUNT(*) AS calls,
    SUM(CASE WHEN a <= ? THEN 1 ELSE 0 END) AS answered_yes, COUNT(a) AS answered_of,
    SUM(a) AS answer_sum, SUM(dur) AS handle_sum, SUM(v) AS violations,
    SUM(CASE WHEN k IS NOT NULL AND o = 'resolved'
              AND (next_d IS NULL OR next_d > days.fcr_until) THEN 1 ELSE 0 END) AS fcr_yes,
    SUM(CASE WHEN k IS NOT NULL AND o IS NOT NULL THEN 1 ELSE 0 END) AS fcr_of,
    SUM(CASE WHEN k IS NOT NULL AND cp = 1 AND prev_d >= days.repeat_from THEN 1 ELSE 0 END)
        AS repeat_yes,
    SUM(CASE WHEN k IS NOT NULL AND cp = 1 THEN 1 ELSE 0 END) AS repeat_of
FROM c JOIN days ON c.d = days.day
GROUP BY days.day ORDER BY days.day"""


@dataclass(frozen=True)
class DayTotals:
    """One day's counts and sums; the report turns them into rates and means."""

    day: str
    calls: int = 0
    answered_yes: int = 0
    answered_of: int = 0
    answer_sum: float = 0.0
    handle_sum: float = 0.0
    violations: int = 0
    fcr_yes: int = 0
    fcr_of: int = 0
    repeat_yes: int = 0
    repeat_of: int = 0


def day_totals(db: Database, since: str, until: str) -> list[DayTotals]:
    """Every day in [since, until] (days without calls included, all zero)."""
    first, last = dt.date.fromisoformat(since), dt.date.fromisoformat(until)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    back = dt.timedelta(days=defaults.REPEAT_WINDOW_DAYS)
    ahead = dt.timedelta(days=defaults.FCR_WINDOW_DAYS)
    params: list[object] = []
    for day in days:
        params += [day.isoformat(), (day - back).isoformat(), (day + ahead).isoformat()]
    lo, hi = (first - back).isoformat(), (last + ahead).isoformat()
    params += [lo, hi, lo, hi, defaults.ANSWER_WITHIN_S]
    sql = _SQL.format(days=", ".join(["(?, ?, ?)"] * len(days)), c=_BYTES[db.dialect],
                      indexed=_INDEXED[db.dialect])
    found = {r["day"]: r for r in db.execute(sql, params)}
    return [_totals(d.isoformat(), found.get(d.isoformat())) for d in days]


def _totals(day: str, row: dict | None) -> DayTotals:
    if row is None:
        return DayTotals(day)
    return DayTotals(day, int(row["calls"]), int(row["answered_yes"]), int(row["answered_of"]),
                     float(row["answer_sum"] or 0.0), float(row["handle_sum"] or 0.0),
                     int(row["violations"] or 0), int(row["fcr_yes"]), int(row["fcr_of"]),
                     int(row["repeat_yes"]), int(row["repeat_of"]))


def callers_after(db: Database, day: str, until: str) -> set[str]:
    """Callers with a call dated after `day`, up to `until` (a day's FCR window). The newest
    row per call is picked among the rows of [day, until]: the same as among the report's
    whole window as long as a call's pipeline versions share its date."""
    return _callers(db, (day, until), "d > ? AND d <= ?", (day, until))


def complainers_before(db: Database, since: str, day: str) -> set[str]:
    """Callers with a complaint dated from `since` to before `day` (a day's repeat window)."""
    return _callers(db, (since, day), "cp = 1 AND d >= ? AND d < ?", (since, day))


def _callers(db: Database, rows: tuple[str, str], where: str, params: tuple[str, str]
             ) -> set[str]:
    latest = _LATEST.format(indexed=_INDEXED[db.dialect])
    sql = f"WITH {latest} SELECT DISTINCT k FROM latest WHERE n = 1 AND k IS NOT NULL AND {where}"
    return {r["k"] for r in db.execute(sql, [*rows, *params])}
