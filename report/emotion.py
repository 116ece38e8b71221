"""How the customer felt on a call, as the report and the call page count it."""

from __future__ import annotations

from hotline.document import CallDocument

SEVERITY = {"positive": 0, "neutral": 1, "negative": 2, "angry": 3}
ORDER = ("positive", "neutral", "negative", "angry", "unknown")


def customer_emotion(doc: CallDocument) -> str:
    """The call's customer emotion: the analyzer's summary label, else the worst turn label."""
    summary = doc.emotion_summary or {}
    for key in ("customer_label", "customer", "customer_emotion"):
        value = summary.get(key)
        if isinstance(value, dict):
            value = value.get("label") or value.get("peak") or value.get("overall")
        if isinstance(value, str) and value in SEVERITY:
            return value
    labels = _customer_labels(doc)
    return max(labels, key=SEVERITY.__getitem__) if labels else "unknown"


def emotion_escalated(doc: CallDocument) -> bool:
    """The customer turned angry (the analyzer's `escalation`: move to a senior agent)."""
    summary = doc.emotion_summary or {}
    if "escalation" in summary:
        return bool(summary["escalation"])
    return "angry" in _customer_labels(doc)


def emotion_worsened(doc: CallDocument) -> bool:
    """The customer's emotion got worse during the call (the analyzer's `trend`, else: a
    later customer turn negative or angry and worse than the first)."""
    summary = doc.emotion_summary or {}
    if summary.get("trend"):
        return summary["trend"] == "worsened"
    labels = _customer_labels(doc)
    if len(labels) < 2:
        return False
    first = SEVERITY[labels[0]]
    return any(SEVERITY[x] > first and SEVERITY[x] >= SEVERITY["negative"] for x in labels[1:])


def _customer_labels(doc: CallDocument) -> list[str]:
    """Customer turn labels in order; a call read without its turns (range reports) has them
    in `emotion_summary.trajectory`."""
    if not doc.turns:
        points = (doc.emotion_summary or {}).get("trajectory") or []
        return [p["label"] for p in points if p.get("label") in SEVERITY]
    return [t.emotion.label for t in doc.turns
            if t.role == "customer" and t.emotion and t.emotion.label in SEVERITY]
