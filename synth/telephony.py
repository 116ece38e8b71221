"""Realistic telephony and ticket metadata for generated calls (the fields of docs/metadata.md).

A hotline's switch and CRM export what the audio cannot tell: when the call came in, how long
it queued and rang, the call type, the outcome, and the complaint ticket's times. The values
follow a busy hotline's shape (morning and afternoon peaks, most calls answered within 15 s,
complaints mostly answered within the hour), so `scripts/make_calls.py` gives the daily report
something to show; an angry customer is likelier to complain, wait long and be escalated.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

# Share of calls per hour of the day (08:00-21:59), peaks late morning and mid-afternoon.
HOUR_WEIGHTS = {8: 4, 9: 9, 10: 11, 11: 10, 12: 6, 13: 7, 14: 9, 15: 10, 16: 9, 17: 7,
                18: 5, 19: 4, 20: 3, 21: 2}
CALL_TYPE_BY_PREFIX = {"network": "fault", "device": "fault", "plan": "business",
                       "account": "business", "billing": "consultation", "care": "consultation"}


def telephony_metadata(truth: dict[str, Any], rng: random.Random,
                       as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Metadata fields for one generated call (`truth` from synth.scenarios, with its date).

    Ticket times later than `as_of` (the moment of the export) are left out, as a CRM export
    would not have them yet.
    """
    meta = truth["metadata"]
    angry = truth.get("customer_emotion") == "angry"
    day = dt.date.fromisoformat(str(meta["date"])[:10])
    hour = rng.choices(list(HOUR_WEIGHTS), weights=list(HOUR_WEIGHTS.values()))[0]
    start = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59), rng.randint(0, 59)))
    queue = rng.expovariate(1 / (14.0 if angry else 6.0))       # busy lines queue angry callers
    out: dict[str, Any] = {
        "started_at": start.isoformat(timespec="seconds"),
        "queue_wait_s": round(min(queue, 240.0), 1),
        "ring_s": round(rng.uniform(1.5, 7.0), 1),
        "call_type": _call_type(truth, rng, angry),
        "outcome": _outcome(rng, angry),
    }
    out["escalated"] = out["outcome"] == "escalated"
    if out["call_type"] in ("complaint", "fault"):
        opened = start + dt.timedelta(seconds=out["queue_wait_s"] + truth.get("duration", 60.0))
        out["ticket"] = _ticket(rng, out["call_type"], opened, as_of or dt.datetime.now())
    return out


def _call_type(truth: dict[str, Any], rng: random.Random, angry: bool) -> str:
    intents = truth.get("intents") or []
    if "service.complaint_escalation" in intents or (angry and rng.random() < 0.7):
        return "complaint"
    prefix = str(intents[0]).split(".")[0] if intents else ""
    return CALL_TYPE_BY_PREFIX.get(prefix, "consultation")


def _outcome(rng: random.Random, angry: bool) -> str:
    choices = ("resolved", "unresolved", "callback", "transferred", "escalated")
    weights = (0.45, 0.15, 0.15, 0.05, 0.20) if angry else (0.86, 0.04, 0.05, 0.03, 0.02)
    return rng.choices(choices, weights=weights)[0]


def _ticket(rng: random.Random, kind: str, opened: dt.datetime,
            as_of: dt.datetime) -> dict[str, Any]:
    """A ticket whose response, solution and follow-up mostly meet 1 h / 24 h / 72 h."""
    responded = opened + dt.timedelta(minutes=rng.choices(
        (rng.uniform(3, 55), rng.uniform(65, 180)), weights=(0.9, 0.1))[0])
    solved = responded + dt.timedelta(hours=rng.choices(
        (rng.uniform(1, 20), rng.uniform(26, 60)), weights=(0.85, 0.15))[0])
    followed = solved + dt.timedelta(hours=rng.choices(
        (rng.uniform(2, 40), rng.uniform(80, 120)), weights=(0.9, 0.1))[0])
    ticket: dict[str, Any] = {"id": f"T{opened:%Y%m%d}-{rng.randint(0, 9999):04d}", "type": kind,
                              "opened_at": opened.isoformat(timespec="seconds")}
    for key, when in (("responded_at", responded), ("solved_at", solved),
                      ("followed_up_at", followed)):
        if when > as_of:
            break
        ticket[key] = when.isoformat(timespec="seconds")
    return ticket
