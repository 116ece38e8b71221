"""Rendering helpers for the QA pages: the Jinja environment and the call page's view model."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from hotline.document import CallDocument
from hotline.report.emotion import customer_emotion, emotion_escalated, emotion_worsened

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The page templates with the `mmss` and `snippet` filters (built once, on first use)."""
    out = Jinja2Templates(directory=str(TEMPLATES))
    out.env.filters["mmss"] = fmt_time
    out.env.filters["snippet"] = snippet_html
    return out


def call_view_model(doc: CallDocument) -> dict[str, Any]:
    """The call document plus, per turn, the violations to highlight on it."""
    data = doc.to_dict()
    by_turn: dict[int, list[dict[str, Any]]] = {}
    call_level = []
    for v in data["violations"]:
        idx = v.get("turn")
        if idx is None:
            idx = next((i for i, t in enumerate(doc.turns) if t.end >= v["start"]), None)
        if idx is not None and 0 <= idx < len(doc.turns):
            by_turn.setdefault(idx, []).append(v)
        else:
            call_level.append(v)
    redacted_turns = {r["turn"] for r in data["redactions"]}
    for i, turn in enumerate(data["turns"]):
        turn["index"] = i
        turn["violations"] = by_turn.get(i, [])
        turn["redacted"] = i in redacted_turns
        turn.pop("words", None)
    data["call_level_violations"] = call_level
    data["customer_mood"] = customer_mood(doc)
    return data


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
        "violations": [{"rule": v["rule"], "start": v["start"], "end": v["end"],
                        "turn": v.get("turn"), "severity": v.get("severity")}
                       for v in view["violations"]],
    }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def snippet_html(snippet: str) -> Markup:
    """The index's snippet (escaped text + <mark>) as markup; any other tag is neutralised."""
    return Markup(re.sub(r"<(?!/?mark>)", "&lt;", snippet or ""))


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"
