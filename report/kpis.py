"""The hotline's SLA numbers for one day, each with the calls behind it (../shared/DOMAIN.md).

A `Share` keeps the call ids on both sides of a rate, so the report can link every number to
its calls and a KPI without data is None ("no data"), never 0 % or 100 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from hotline import defaults
from hotline.document import CallDocument
from hotline.report import metadata as md
from hotline.report.emotion import customer_emotion


@dataclass
class Share:
    """yes / (yes + no) over the calls that had the data; `target` is the SLA."""

    yes: list[str] = field(default_factory=list)
    no: list[str] = field(default_factory=list)
    target: float | None = None
    lower_is_better: bool = False

    @property
    def total(self) -> int:
        return len(self.yes) + len(self.no)

    @property
    def value(self) -> float | None:
        return round(len(self.yes) / self.total, 4) if self.total else None

    @property
    def on_target(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value <= self.target if self.lower_is_better else self.value >= self.target

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "yes": len(self.yes), "of": self.total,
                "target": self.target, "on_target": self.on_target,
                "calls_yes": self.yes, "calls_no": self.no}


@dataclass
class Mean:
    """A mean over the calls that had the value (seconds)."""

    values: dict[str, float] = field(default_factory=dict)

    @property
    def value(self) -> float | None:
        return round(sum(self.values.values()) / len(self.values), 2) if self.values else None


@dataclass
class AgentCard:
    """One agent's day: the scorecard row of the report."""

    agent_id: str
    calls: list[str] = field(default_factory=list)
    handle_s: float = 0.0
    violations: int = 0
    violation_calls: list[str] = field(default_factory=list)
    angry: list[str] = field(default_factory=list)
    escalations: list[str] | None = None      # None: no call said whether it was escalated
    by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def mean_handle_s(self) -> float:
        return round(self.handle_s / len(self.calls), 1) if self.calls else 0.0

    @property
    def violations_per_100_calls(self) -> float:
        return round(100.0 * self.violations / len(self.calls), 1) if self.calls else 0.0

    @property
    def on_target(self) -> bool:
        return self.violations_per_100_calls <= defaults.VIOLATIONS_PER_100_TARGET

    def to_json(self) -> dict[str, Any]:
        return {"agent_id": self.agent_id, "calls": len(self.calls),
                "mean_handle_s": self.mean_handle_s, "violations": self.violations,
                "violations_per_100_calls": self.violations_per_100_calls,
                "violations_target": defaults.VIOLATIONS_PER_100_TARGET,
                "on_target": self.on_target, "angry_customers": len(self.angry),
                "escalations": None if self.escalations is None else len(self.escalations),
                "by_rule": self.by_rule, "call_ids": self.calls}


def ordered(docs: list[CallDocument]) -> list[CallDocument]:
    """Calls in the order they happened: date, then start time when known, then id."""
    def key(doc: CallDocument) -> tuple[str, str, str]:
        start = md.started_at(doc)
        return md.call_date(doc), start.isoformat() if start else "", doc.call_id
    return sorted(docs, key=key)


def answered_within(docs: list[CallDocument]) -> Share:
    share = Share(target=defaults.ANSWERED_WITHIN_TARGET)
    for doc in docs:
        wait = md.answer_seconds(doc)
        if wait is not None:
            (share.yes if wait <= defaults.ANSWER_WITHIN_S else share.no).append(doc.call_id)
    return share


def mean_answer(docs: list[CallDocument]) -> Mean:
    return Mean({d.call_id: w for d in docs if (w := md.answer_seconds(d)) is not None})


def first_contact_resolution(today: list[CallDocument], called_again: set[str]) -> Share:
    """Resolved on this call (outcome) and the caller did not call again within the window.

    `called_again`: the callers with a stored call after the day (up to FCR_WINDOW_DAYS;
    `later_callers`, or counted by the database); a later call of the same caller that day
    counts too. Calls without an outcome or without a caller id have no data and are left out.
    """
    share = Share(target=defaults.FCR_TARGET)
    sequence = ordered(today)
    last_of = {key: i for i, d in enumerate(sequence) if (key := md.caller_key(d)) is not None}
    for i, doc in enumerate(sequence):
        key, result = md.caller_key(doc), md.outcome(doc)
        if key is None or result is None:
            continue
        again = key in called_again or last_of[key] > i
        (share.yes if result == "resolved" and not again else share.no).append(doc.call_id)
    return share


def later_callers(docs: list[CallDocument]) -> set[str]:
    """Callers of `docs` (the calls after a day, within its FCR window)."""
    return {k for d in docs if (k := md.caller_key(d))}


def complainers(docs: list[CallDocument]) -> set[str]:
    """Callers who complained in `docs` (the repeat window before a day)."""
    return {k for d in docs if md.is_complaint(d) and (k := md.caller_key(d))}


def repeat_complaints(today: list[CallDocument], complained: set[str]) -> Share:
    """Complaints of the day from a caller who complained in the window before (`complained`:
    `complainers` of those calls, or counted by the database) or earlier that day; complaints
    without a caller id are left out."""
    share = Share(target=defaults.REPEAT_COMPLAINT_TARGET, lower_is_better=True)
    seen = set(complained)
    for doc in ordered(today):
        key = md.caller_key(doc)
        if not md.is_complaint(doc) or key is None:
            continue
        (share.yes if key in seen else share.no).append(doc.call_id)
        seen.add(key)
    return share


DEADLINES = {  # JSON key -> (ticket time, seconds allowed after the ticket was opened)
    "responded_within_1h": ("responded_at", defaults.COMPLAINT_RESPOND_S),
    "solved_within_24h": ("solved_at", defaults.COMPLAINT_SOLVE_S),
    "followed_up_within_72h": ("followed_up_at", defaults.COMPLAINT_FOLLOW_UP_S),
}


def complaint_handling(today: list[CallDocument], as_of: dt.datetime) -> dict[str, Share]:
    """Per deadline: complaint tickets handled in time. A ticket still open whose deadline has
    not passed at `as_of` is pending and not counted; one past its deadline counts as missed."""
    out = {name: Share(target=defaults.COMPLAINT_TARGET) for name in DEADLINES}
    for doc in today:
        tick = md.ticket(doc)
        if tick is None or tick.type != "complaint":
            continue
        opened = tick.opened_at or md.started_at(doc)
        if opened is None:
            continue
        for name, (attr, allowed) in DEADLINES.items():
            done = getattr(tick, attr)
            if done is not None:
                ok = (done - opened).total_seconds() <= allowed
            elif (as_of - opened).total_seconds() > allowed:
                ok = False
            else:
                continue
            (out[name].yes if ok else out[name].no).append(doc.call_id)
    return out


def calls_per_hour(docs: list[CallDocument]) -> dict[int, list[str]] | None:
    """Hour of day (0-23) -> calls that started in it; None when no call has a start time."""
    hours: dict[int, list[str]] = {h: [] for h in range(24)}
    known = False
    for doc in docs:
        if (start := md.started_at(doc)) is not None:
            hours[start.hour].append(doc.call_id)
            known = True
    return hours if known else None


def agent_cards(docs: list[CallDocument]) -> list[AgentCard]:
    """The scorecard per agent, most violations per 100 calls first."""
    cards: dict[str, AgentCard] = {}
    for doc in docs:
        card = cards.setdefault(md.agent_id(doc), AgentCard(md.agent_id(doc)))
        card.calls.append(doc.call_id)
        card.handle_s += float(doc.duration or 0.0)
        rules = [v.rule for v in doc.violations]
        card.violations += len(rules)
        if rules:
            card.violation_calls.append(doc.call_id)
        for rule in rules:
            card.by_rule[rule] = card.by_rule.get(rule, 0) + 1
        if customer_emotion(doc) == "angry":
            card.angry.append(doc.call_id)
        made = md.escalated(doc)
        if made is not None:
            card.escalations = (card.escalations or []) + ([doc.call_id] if made else [])
    return sorted(cards.values(),
                  key=lambda c: (-c.violations_per_100_calls, -len(c.calls), c.agent_id))
