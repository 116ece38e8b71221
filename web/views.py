"""Rendering helpers for the QA pages: the Jinja environment and the call page's view model."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from hotline import defaults
from hotline.document import CallDocument
from hotline.report.emotion import customer_emotion, emotion_escalated, emotion_worsened
from hotline.web import evidence

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The page templates with the `mmss` and `snippet` filters (built once, on first use)."""
    out = Jinja2Templates(directory=str(TEMPLATES))
    out.env.filters["mmss"] = evidence.clock
    out.env.filters["snippet"] = snippet_html
    return out


def call_view_model(doc: CallDocument) -> dict[str, Any]:
    """The call document plus what the page draws: per turn its words (for highlighting) and
    violation badges; holds (long silences) with the violations about them; each violation as
    one sentence with clickable times; metrics formatted."""
    data = doc.to_dict()
    turns = data["turns"]
    redacted_turns = {r["turn"] for r in data["redactions"]}
    for i, turn in enumerate(turns):
        turn["index"], turn["violations"] = i, []
        turn["redacted"] = i in redacted_turns
        turn["words"] = spaced_words(turn.get("words") or [])
    data["holds"] = holds(turns, doc.duration)
    call_level = []
    for v in data["violations"]:
        v["title"], v["sentence"] = evidence.title(v["rule"]), evidence.sentence(v, turns)
        hold = _hold_of(v, data["holds"])
        idx = v.get("turn")
        if hold is not None:
            hold["violations"].append(v)
        elif idx is not None and 0 <= idx < len(turns):
            turns[idx]["violations"].append(v)
        else:
            call_level.append(v)
    data["call_level_violations"] = call_level
    data["customer_mood"] = customer_mood(doc)
    data["metric_rows"] = metric_rows(data["metrics"])
    return data


def spaced_words(words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Words with the space before each one where the text has it (Whisper words carry their
    own; bare words get one between Latin words, none around CJK or before punctuation)."""
    out: list[dict[str, Any]] = []
    for w in words:
        text = w["word"]
        if out and text and not text[0].isspace() and not out[-1]["w"][-1:].isspace():
            if not (_wide(out[-1]["w"][-1:]) or _wide(text[0])) and text[0] not in ",.?!;:'%)":
                text = " " + text
        out.append({"w": text, "s": w["start"], "e": w["end"]})
    return out


def _wide(ch: str) -> bool:
    return bool(ch) and unicodedata.east_asian_width(ch) in ("W", "F")


def holds(turns: list[dict[str, Any]], duration: float) -> list[dict[str, Any]]:
    """Silences of at least HOLD_SHADE_S between speech, each with the turn that ends it."""
    out, spoken_until = [], 0.0
    for i, turn in enumerate(turns):
        if turn["start"] - spoken_until >= defaults.HOLD_SHADE_S and i > 0:
            out.append({"start": round(spoken_until, 2), "end": turn["start"], "before_turn": i,
                        "violations": []})
        spoken_until = max(spoken_until, turn["end"])
    return out


def _hold_of(v: dict[str, Any], found: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The silence a hold violation is about (it ends where the next turn starts)."""
    if v["rule"] != "hold.no_notice":
        return None
    return next((h for h in found if h["start"] - 1.0 <= v["start"] <= h["end"]
                 or h["before_turn"] == v.get("turn")), None)


METRICS = {  # key -> (label, format)
    "call_duration": ("call duration", "clock"), "turns": ("turns", "int"),
    "talk_ratio_agent": ("agent talking", "pct"), "talk_ratio_customer": ("customer talking", "pct"),
    "silence_ratio": ("silence", "pct"), "longest_silence": ("longest silence", "secs"),
    "overtalk_count": ("overtalk", "int"), "interruptions_by_agent": ("agent interruptions", "int"),
    "agent_speech_rate_wpm": ("agent speech rate", "wpm"),
    "agent_response_latency_mean": ("agent response time, mean", "secs"),
    "agent_response_latency_p90": ("agent response time, p90", "secs"),
}


def metric_rows(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) with ratios as %, durations as m:ss, rates with their unit."""
    rows = []
    for key, value in metrics.items():
        label, kind = METRICS.get(key, (key.replace("_", " "), "pct" if "ratio" in key else ""))
        rows.append((label, _format(value, kind)))
    return rows


def _format(value: Any, kind: str) -> str:
    if value is None:
        return "no data"
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    if kind == "pct":
        return f"{100 * value:.0f} %"
    if kind == "clock":
        return evidence.clock(value)
    if kind == "secs":
        tenths = round(value, 1)
        return f"{int(tenths // 60)}:{tenths % 60:04.1f}"
    if kind == "wpm":
        return f"{value:.0f} words/min"
    return f"{value:.0f}" if kind == "int" else f"{value:g}"


def customer_mood(doc: CallDocument) -> dict[str, Any]:
    """How the customer felt: the call's label (as the daily report counts it), how the last
    customer turn ended, whether they turned angry and whether it got worse."""
    last = next((t.emotion.label for t in reversed(doc.turns)
                 if t.role == "customer" and t.emotion), None)
    return {"label": customer_emotion(doc), "end": last, "escalated": emotion_escalated(doc),
            "worsened": emotion_worsened(doc)}


def timeline_json(view: dict[str, Any]) -> str:
    """What the call page's script needs (turn times, roles, emotions, violations), as JSON
    safe to embed in a <script type="application/json"> block."""
    data = {
        "call_id": view["call_id"], "duration": view["duration"],
        "turns": [{"i": t["index"], "role": t["role"], "start": t["start"], "end": t["end"],
                   "emotion": t.get("emotion")} for t in view["turns"]],
        "violations": [{"rule": v["rule"], "title": v["title"], "start": v["start"],
                        "end": v["end"], "turn": v.get("turn"), "severity": v.get("severity")}
                       for v in view["violations"]],
        "holds": [{"start": h["start"], "end": h["end"],
                   "flagged": bool(h["violations"])} for h in view["holds"]],
    }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def snippet_html(snippet: str) -> Markup:
    """The index's snippet (escaped text + <mark>) as markup; any other tag is neutralised."""
    return Markup(re.sub(r"<(?!/?mark>)", "&lt;", snippet or ""))
