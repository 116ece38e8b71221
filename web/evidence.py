"""Violations as one plain sentence each, with clickable times, built from the violation's
fields and the transcript — not from the rule engine's debugging string — for the call page.

Times are rendered as `<a class="t" data-t="SECONDS">m:ss</a>`; the page's script seeks the
recording there. Quotes are escaped text from the (redacted) transcript.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from hotline import defaults

TITLES = {
    "greeting.missing": "Greeting missing",
    "closing.missing": "Closing missing",
    "verification.missing": "Identity not verified",
    "empathy.missing": "No empathy",
    "language.forbidden": "Forbidden phrase",
    "hold.no_notice": "Hold without notice",
    "interruption.excessive": "Talking over the customer",
    "emotion.escalate": "Angry customer",
}
QUOTE_CHARS = 90


def clock(seconds: float | None) -> str:
    """m:ss (h:mm:ss past an hour) — the one time format of the pages."""
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def t(seconds: float | None) -> Markup:
    """A clickable time."""
    if seconds is None:
        return Markup("")
    return Markup('<a class="t" href="?t={0:.2f}" data-t="{0:.2f}">{1}</a>').format(
        float(seconds), clock(seconds))


def quote(text: str) -> Markup:
    text = " ".join((text or "").split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1].rstrip() + "…"
    return Markup("“{}”").format(text)


def title(rule: str) -> str:
    return TITLES.get(rule, rule.replace(".", " ").replace("_", " ").capitalize())


def sentence(v: dict[str, Any], turns: list[dict[str, Any]]) -> Markup:
    """The violation `v` (contract dict) explained in one sentence over the call's turns."""
    turn = turns[v["turn"]] if isinstance(v.get("turn"), int) and 0 <= v["turn"] < len(turns) \
        else None
    start, end, rule = v.get("start"), v.get("end"), v["rule"]
    said = (Markup(", who said {} at {}").format(quote(turn["text"]), t(turn["start"]))
            if turn is not None else Markup(""))
    if rule == "greeting.missing":
        opener = (Markup("; the agent opened with {} at {}").format(quote(turn["text"]),
                                                                   t(turn["start"]))
                  if turn is not None else Markup("; the agent did not speak then"))
        return Markup("No greeting with the company and the agent's name between {} and {}{}.")\
            .format(t(start), t(end), opener)
    if rule == "closing.missing":
        return Markup("The agent did not ask whether there was anything else and thank the "
                      "customer before the end ({}–{}){}.").format(t(start), t(end), said)
    if rule == "verification.missing":
        return Markup("At {} the agent changed the account or disclosed personal data before "
                      "verifying the caller's identity{}.").format(t(start), said)
    if rule == "empathy.missing":
        return Markup("The customer was upset at {}{}; no apology or empathy from the agent "
                      "until {}.").format(t(start), _quoted(turn), t(end))
    if rule == "language.forbidden":
        return Markup("At {} the agent used a rude or deflecting phrase: {}.").format(
            t(start), quote(turn["text"]) if turn is not None else "")
    if rule == "hold.no_notice":
        gap = (end or 0) - (start or 0) if turn is None else turn["start"] - (start or 0)
        return Markup("{} s of silence from {} to {} without asking the customer to hold "
                      "(limit {:.0f} s).").format(f"{max(gap, 0):.0f}", t(start),
                                                  t(turn["start"] if turn else end),
                                                  defaults.HOLD_SILENCE_S)
    if rule == "interruption.excessive":
        times = overtalk_times(turns)
        return Markup("The agent talked over the customer {} times: {}.").format(
            len(times) or "several", Markup(", ").join(t(x) for x in times) or t(start))
    return Markup("{} ({}–{}){}.").format(v.get("message") or title(rule), t(start), t(end),
                                         said)


def _quoted(turn: dict[str, Any] | None) -> Markup:
    return Markup(" ({})").format(quote(turn["text"])) if turn is not None else Markup("")


def overtalk_times(turns: list[dict[str, Any]]) -> list[float]:
    """When an agent turn started before the customer's turn before it ended."""
    return [cur["start"] for prev, cur in zip(turns, turns[1:], strict=False)
            if prev["role"] == "customer" and cur["role"] == "agent" and cur["start"] < prev["end"]]
