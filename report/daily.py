"""The daily QA report's numbers: one `DailyReport` that the HTML page, `--json` and the CSV
export all read, so they can never disagree.

What a hotline QA lead checks each morning against the SLAs in ../shared/DOMAIN.md: answer
speed, first-contact resolution, repeat complaints, complaint handling times, a scorecard per
agent, calls per hour, and how the day compares with the week before. Every number keeps the
ids of its calls (drill-down); a KPI whose metadata is missing is None ("no data").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hotline import defaults
from hotline.document import CallDocument
from hotline.report import kpis
from hotline.report import metadata as md
from hotline.report.emotion import ORDER, customer_emotion, emotion_escalated, emotion_worsened
from hotline.store.ranges import DayTotals, callers_after, complainers_before, day_totals

__all__ = ["DailyReport", "DayNumbers", "build_report", "compute_report", "customer_emotion",
           "day_numbers", "emotion_escalated", "emotion_worsened", "latest_day", "percentile"]

TOP_INTENTS = 10
TREND_KEYS = ("calls", "answered_within_15s", "mean_answer_s", "first_contact_resolution",
              "repeat_complaint_rate", "mean_handle_s", "violations_per_100_calls")


@dataclass
class DayNumbers:
    """The headline numbers of one day (the report day and each day of the trend)."""

    date: str
    calls: int
    answered_within_15s: float | None
    mean_answer_s: float | None
    first_contact_resolution: float | None
    repeat_complaint_rate: float | None
    mean_handle_s: float | None
    violations_per_100_calls: float | None


@dataclass
class DailyReport:
    date: str
    call_ids: list[str] = field(default_factory=list)
    durations: dict[str, float] = field(default_factory=dict)
    answered: kpis.Share = field(default_factory=kpis.Share)
    answer_time: kpis.Mean = field(default_factory=kpis.Mean)
    fcr: kpis.Share = field(default_factory=kpis.Share)
    repeat_complaints: kpis.Share = field(default_factory=kpis.Share)
    complaints: dict[str, kpis.Share] = field(default_factory=dict)
    agents: list[kpis.AgentCard] = field(default_factory=list)
    per_hour: dict[int, list[str]] | None = None
    emotions: dict[str, list[str]] = field(default_factory=dict)
    emotion_escalations: list[str] = field(default_factory=list)
    emotion_worsened: list[str] = field(default_factory=list)
    intents: list[tuple[str, list[str]]] = field(default_factory=list)
    violations: dict[str, list[str]] = field(default_factory=dict)  # rule -> calls (repeated)
    languages: dict[str, int] = field(default_factory=dict)
    asr_flags: dict[str, int] = field(default_factory=dict)   # language_unsupported, low_confidence
    previous: list[DayNumbers] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)         # one per call (CSV)

    @property
    def calls(self) -> int:
        return len(self.call_ids)

    @property
    def audio_hours(self) -> float:
        return sum(self.durations.values()) / 3600.0

    @property
    def mean_handle_s(self) -> float | None:
        values = list(self.durations.values())
        return round(sum(values) / len(values), 1) if values else None

    @property
    def violations_total(self) -> int:
        return sum(len(v) for v in self.violations.values())

    @property
    def violations_per_100_calls(self) -> float | None:
        return round(100.0 * self.violations_total / self.calls, 1) if self.calls else None

    def numbers(self) -> DayNumbers:
        return DayNumbers(self.date, self.calls, self.answered.value, self.answer_time.value,
                          self.fcr.value, self.repeat_complaints.value, self.mean_handle_s,
                          self.violations_per_100_calls)

    def trend(self) -> dict[str, dict[str, Any]]:
        """Each headline number vs the mean of the days before that had it."""
        today = self.numbers()
        out = {}
        for key in TREND_KEYS:
            before = [getattr(d, key) for d in self.previous if getattr(d, key) is not None
                      and (key == "calls" or d.calls)]
            mean = round(sum(before) / len(before), 4) if before else None
            value = getattr(today, key)
            delta = None if value is None or mean is None else round(value - mean, 4)
            out[key] = {"value": value, "previous_mean": mean, "delta": delta,
                        "days": len(before)}
        return out


# --- numbers -------------------------------------------------------------------------------
def latest_day(store: Any, until: str | None = None) -> str | None:
    """The latest call date with stored calls (on or before `until`), or None."""
    return store.latest_call_date(until=until)


def window(day: str) -> tuple[str, str]:
    """The stored dates one report reads: the trend days and their look-back, and the days
    after (a call is only first-contact resolved if the caller does not call again)."""
    date = dt.date.fromisoformat(day)
    back = defaults.TREND_DAYS + max(defaults.REPEAT_WINDOW_DAYS, defaults.FCR_WINDOW_DAYS)
    return ((date - dt.timedelta(days=back)).isoformat(),
            (date + dt.timedelta(days=defaults.FCR_WINDOW_DAYS)).isoformat())


def build_report(store: Any, day: str, as_of: dt.datetime | None = None) -> DailyReport:
    """Numbers for `day` from a `store.results.ResultsStore`. Only the day's summaries are
    read; what the report needs of the days around it is counted by the database over the
    per-call columns of schema v8: the trend days (`day_totals`), the callers who called
    again and those who had complained (`callers_after`, `complainers_before`) — at 1M turns
    the ±7-day window in Python took 3-4 s. `compute_report` over the documents of
    `window(day)` gives the same report (tests/report/test_ranges.py)."""
    repeat_from, fcr_end = _kpi_windows(day)
    around = Around(callers_after(store.db, day, fcr_end),
                    complainers_before(store.db, repeat_from, day))
    today = list(store.iter_documents(since=day, until=day, turns=False))
    rep = _day_report(today, day, as_of or dt.datetime.now(), around)
    date = dt.date.fromisoformat(day)
    first = (date - dt.timedelta(days=defaults.TREND_DAYS)).isoformat()
    last = (date - dt.timedelta(days=1)).isoformat()
    rep.previous = [numbers_of(t) for t in day_totals(store.db, first, last)]
    return rep


def compute_report(docs: list[CallDocument], day: str,
                   as_of: dt.datetime | None = None) -> DailyReport:
    """The report for `day` from the documents of the day and the days around it."""
    rep = _day_report(docs, day, as_of or dt.datetime.now(), around_of(docs, day))
    date = dt.date.fromisoformat(day)
    for n in range(defaults.TREND_DAYS, 0, -1):
        rep.previous.append(day_numbers(docs, (date - dt.timedelta(days=n)).isoformat()))
    return rep


def day_numbers(docs: list[CallDocument], day: str) -> DayNumbers:
    """The headline numbers of `day` (docs: the day and the windows around it)."""
    return _day_report(docs, day, dt.datetime.now(), around_of(docs, day), brief=True).numbers()


@dataclass(frozen=True)
class Around:
    """What the day's KPIs need of other days' calls."""

    called_again: set[str]      # callers with a call after the day, within the FCR window
    complained: set[str]        # callers with a complaint in the repeat window before it


def around_of(docs: list[CallDocument], day: str) -> Around:
    """`Around` of `day` from documents covering its windows (the Python path)."""
    start, end = _kpi_windows(day)
    return Around(kpis.later_callers([d for d in docs if day < md.call_date(d) <= end]),
                  kpis.complainers([d for d in docs if start <= md.call_date(d) < day]))


def _kpi_windows(day: str) -> tuple[str, str]:
    """The first day of `day`'s repeat-complaint window and the last of its FCR window."""
    date = dt.date.fromisoformat(day)
    return ((date - dt.timedelta(days=defaults.REPEAT_WINDOW_DAYS)).isoformat(),
            (date + dt.timedelta(days=defaults.FCR_WINDOW_DAYS)).isoformat())


def _day_report(docs: list[CallDocument], day: str, as_of: dt.datetime, around: Around,
                brief: bool = False) -> DailyReport:
    today = kpis.ordered([d for d in docs if md.call_date(d) == day])
    rep = DailyReport(date=day, call_ids=[d.call_id for d in today],
                      durations={d.call_id: float(d.duration or 0.0) for d in today})
    rep.answered = kpis.answered_within(today)
    rep.answer_time = kpis.mean_answer(today)
    rep.fcr = kpis.first_contact_resolution(today, around.called_again)
    rep.repeat_complaints = kpis.repeat_complaints(today, around.complained)
    for doc in today:
        for v in doc.violations:
            rep.violations.setdefault(v.rule, []).append(doc.call_id)
    if brief:
        return rep
    rep.complaints = kpis.complaint_handling(today, as_of)
    rep.agents = kpis.agent_cards(today)
    rep.per_hour = kpis.calls_per_hour(today)
    _moods(rep, today)
    rep.languages = dict(Counter(d.language or "unknown" for d in today).most_common())
    rep.asr_flags = dict(Counter(f for d in today for f in d.asr.get("flags", [])).most_common())
    rep.rows = [_row(rep, d) for d in today]
    return rep


def numbers_of(t: DayTotals) -> DayNumbers:
    """A day's headline numbers from the database's counts and sums, rounded as the Python
    report rounds them."""
    return DayNumbers(
        date=t.day, calls=t.calls,
        answered_within_15s=_share(t.answered_yes, t.answered_of),
        mean_answer_s=round(t.answer_sum / t.answered_of, 2) if t.answered_of else None,
        first_contact_resolution=_share(t.fcr_yes, t.fcr_of),
        repeat_complaint_rate=_share(t.repeat_yes, t.repeat_of),
        mean_handle_s=round(t.handle_sum / t.calls, 1) if t.calls else None,
        violations_per_100_calls=round(100.0 * t.violations / t.calls, 1) if t.calls else None)


def _share(yes: int, of: int) -> float | None:
    return round(yes / of, 4) if of else None


def _moods(rep: DailyReport, today: list[CallDocument]) -> None:
    by_label: dict[str, list[str]] = {}
    for doc in today:
        by_label.setdefault(customer_emotion(doc), []).append(doc.call_id)
    rep.emotions = {k: by_label[k] for k in ORDER if k in by_label}
    rep.emotion_escalations = [d.call_id for d in today if emotion_escalated(d)]
    rep.emotion_worsened = [d.call_id for d in today if emotion_worsened(d)]
    intents: dict[str, list[str]] = {}
    for doc in today:
        for intent in dict.fromkeys(doc.intents or []):
            intents.setdefault(intent, []).append(doc.call_id)
    rep.intents = sorted(intents.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:TOP_INTENTS]


def _row(rep: DailyReport, doc: CallDocument) -> dict[str, Any]:
    """One call as the CSV export lists it (every column from the same numbers as the page)."""
    start = md.started_at(doc)
    fcr = "yes" if doc.call_id in rep.fcr.yes else "no" if doc.call_id in rep.fcr.no else ""
    repeat = ("yes" if doc.call_id in rep.repeat_complaints.yes
              else "no" if doc.call_id in rep.repeat_complaints.no else "")
    return {"call_id": doc.call_id, "date": md.call_date(doc),
            "started_at": start.isoformat(timespec="seconds") if start else "",
            "agent_id": md.agent_id(doc), "handle_s": round(float(doc.duration or 0.0), 1),
            "answer_s": md.answer_seconds(doc), "outcome": md.outcome(doc) or "",
            "first_contact_resolved": fcr, "complaint": {True: "yes", False: "no"}.get(
                md.is_complaint(doc), ""), "repeat_complaint": repeat,
            "customer_emotion": customer_emotion(doc), "violations": len(doc.violations),
            "rules": " ".join(v.rule for v in doc.violations),
            "intents": " ".join(doc.intents or [])}


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


# --- JSON ----------------------------------------------------------------------------------
def to_json(rep: DailyReport, intent_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The numbers of the page as JSON (`hotline report --json`); null = no data."""
    names = intent_names or {}
    handle = list(rep.durations.values())
    return {
        "date": rep.date, "calls": rep.calls, "call_ids": rep.call_ids,
        "audio_hours": round(rep.audio_hours, 3),
        "handle_time_s": {"mean": rep.mean_handle_s,
                          "p50": round(percentile(handle, 50), 1) if handle else None,
                          "p90": round(percentile(handle, 90), 1) if handle else None},
        "answered_within_15s": rep.answered.value,
        "mean_answer_s": rep.answer_time.value,
        "first_contact_resolution": rep.fcr.value,
        "repeat_complaint_rate": rep.repeat_complaints.value,
        "complaints": {k: s.value for k, s in rep.complaints.items()},
        "agents": [a.to_json() for a in rep.agents],
        "calls_per_hour": None if rep.per_hour is None else {
            f"{h:02d}": len(ids) for h, ids in rep.per_hour.items()},
        "customer_emotion": {k: len(v) for k, v in rep.emotions.items()},
        "emotion_escalations": len(rep.emotion_escalations),
        "emotion_worsened": len(rep.emotion_worsened),
        "intents": [{"intent": i, "name": names.get(i, i), "calls": len(ids)}
                    for i, ids in rep.intents],
        "violations_by_rule": {r: len(ids) for r, ids in rep.violations.items()},
        "violations_per_100_calls": rep.violations_per_100_calls,
        "trend": rep.trend(),
        "detail": {"answered_within_15s": rep.answered.to_json(),
                   "first_contact_resolution": rep.fcr.to_json(),
                   "repeat_complaint_rate": rep.repeat_complaints.to_json(),
                   "complaints": {k: s.to_json() for k, s in rep.complaints.items()}},
    }


CSV_COLUMNS = ("call_id", "date", "started_at", "agent_id", "handle_s", "answer_s", "outcome",
               "first_contact_resolved", "complaint", "repeat_complaint", "customer_emotion",
               "violations", "rules", "intents")


def to_csv(rep: DailyReport) -> str:
    """One row per call of the day, the columns the page's numbers are counted from."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rep.rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in CSV_COLUMNS})
    return buf.getvalue()
