"""The telephony/CRM fields of a call's sidecar metadata, read defensively (docs/metadata.md).

The report's SLA numbers come from what the switch and the ticket system recorded, not from the
audio: queue wait and ring time (answer speed), the call's outcome, the complaint ticket's
times. Every reader returns None when the field is missing or malformed, so a KPI without data
stays "no data" instead of turning into a made-up number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hotline.document import CallDocument

OUTCOMES = ("resolved", "unresolved", "callback", "transferred", "escalated")
CALL_TYPES = ("consultation", "business", "fault", "complaint")
TICKET_TIMES = ("opened_at", "responded_at", "solved_at", "followed_up_at")


@dataclass(frozen=True)
class Ticket:
    """A complaint/fault ticket raised from the call (times as datetimes; None = not yet)."""

    type: str | None
    opened_at: dt.datetime | None
    responded_at: dt.datetime | None
    solved_at: dt.datetime | None
    followed_up_at: dt.datetime | None


def meta(doc: CallDocument) -> dict[str, Any]:
    return doc.metadata or {}


def call_date(doc: CallDocument) -> str:
    return str(meta(doc).get("date") or "")[:10]


def seconds(value: Any) -> float | None:
    """A non-negative number of seconds, else None (strings of digits are accepted)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out >= 0 and out == out else None


def timestamp(value: Any) -> dt.datetime | None:
    """An ISO-8601 date-time (naive = local time of the hotline), else None."""
    if not isinstance(value, str) or len(value) < 16:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.replace(tzinfo=None) if stamp.tzinfo is None else stamp


def answer_seconds(doc: CallDocument) -> float | None:
    """Time from the call being offered to an agent answering: queue wait + ring time."""
    parts = [seconds(meta(doc).get(k)) for k in ("queue_wait_s", "ring_s")]
    known = [p for p in parts if p is not None]
    return round(sum(known), 3) if known else None


def started_at(doc: CallDocument) -> dt.datetime | None:
    return timestamp(meta(doc).get("started_at"))


def outcome(doc: CallDocument) -> str | None:
    value = meta(doc).get("outcome")
    return value if value in OUTCOMES else None


def escalated(doc: CallDocument) -> bool | None:
    """The agent escalated the call (a senior agent or back office took it over)."""
    flag = meta(doc).get("escalated")
    if isinstance(flag, bool):
        return flag
    out = outcome(doc)
    return None if out is None else out == "escalated"


def ticket(doc: CallDocument) -> Ticket | None:
    raw = meta(doc).get("ticket")
    if not isinstance(raw, dict):
        return None
    times = {k: timestamp(raw.get(k)) for k in TICKET_TIMES}
    kind = raw.get("type")
    return Ticket(type=kind if isinstance(kind, str) else None, **times)


def is_complaint(doc: CallDocument) -> bool | None:
    """A complaint call: call_type "complaint" or a complaint ticket; None when neither is known."""
    kind = meta(doc).get("call_type")
    tick = ticket(doc)
    if kind not in CALL_TYPES and (tick is None or tick.type is None):
        return None
    return kind == "complaint" or (tick is not None and tick.type == "complaint")


def caller_key(doc: CallDocument) -> str | None:
    """The salted caller hash; the raw caller number only when no hash was stored."""
    key = meta(doc).get("caller_hash") or meta(doc).get("caller_number")
    return str(key) if key else None


def agent_id(doc: CallDocument) -> str:
    return str(meta(doc).get("agent_id") or "unknown")
