"""The per-call numbers the report's range views count, kept as columns of `call_results`.

Why columns: a 30-day view at 1M turns is ~72k calls; parsing each call's JSON summary and
counting in Python took 5-11 s. With these columns (written on save, backfilled by schema step
8) the per-day counts and sums are one SQL `GROUP BY` (hotline.store.ranges). Each value is
read by the same `hotline.report.metadata` function the Python report uses, so both paths
count the same calls the same way.
"""

from __future__ import annotations

from typing import Any

from hotline.document import CallDocument
from hotline.report import metadata as md

# column -> how it is read from a call (the order of `values_of`)
COLUMNS = ("report_date", "report_start", "report_caller", "report_outcome",
           "report_complaint", "report_answer_s", "report_violations")
DDL = ("report_date TEXT", "report_start TEXT", "report_caller TEXT", "report_outcome TEXT",
       "report_complaint INTEGER", "report_answer_s DOUBLE PRECISION",
       "report_violations INTEGER")


def values_of(doc: CallDocument) -> tuple[Any, ...]:
    """The `COLUMNS` of one call: its metadata date (not the row's mtime fallback), start as
    the report orders it, caller key, outcome, complaint (1/0/NULL), answer seconds, rules."""
    start = md.started_at(doc)
    complaint = md.is_complaint(doc)
    return (md.call_date(doc), start.isoformat() if start else "", md.caller_key(doc),
            md.outcome(doc), None if complaint is None else int(complaint),
            md.answer_seconds(doc), len(doc.violations))
