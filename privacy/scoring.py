"""Score redaction on a labelled corpus (tests/data/eval/*/redaction.jsonl): span recall and
false positives, each item seen as the product sees it — the agent's question, then the answer.

An item: {"context": agent's previous turn ("" = none), "text": the utterance, "spans": [{"type",
"text"}]} ; `spans: []` marks a negative (a look-alike that must stay). A span counts as found
when every digit in it and at least `COVER` of its letters and digits were masked; a negative is
a false positive when anything in it was masked.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from hotline.document import CallDocument, Speaker, Turn
from hotline.privacy.redact import redact_document
from hotline.synth.truth import spread_words

COVER = 0.8


@dataclass
class RedactionScores:
    spans: int = 0
    found: int = 0
    negatives: int = 0
    false_positives: int = 0
    by_type: dict[str, list[int]] = field(default_factory=dict)   # type -> [found, total]
    misses: list[tuple[str, str]] = field(default_factory=list)   # (item id, what)

    @property
    def recall(self) -> float:
        return self.found / max(1, self.spans)

    @property
    def fp_rate(self) -> float:
        return self.false_positives / max(1, self.negatives)


def item_document(item: dict[str, Any]) -> CallDocument:
    """The item as a two-turn call (agent question, customer answer) with word timings."""
    turns, t = [], 0.0
    for role, text in (("agent", item.get("context") or ""), ("customer", item["text"])):
        if not text:
            continue
        end = t + max(1.0, len(text) / 12)
        turns.append(Turn(speaker="S0" if role == "agent" else "S1", role=role, start=t, end=end,
                          text=text, words=spread_words(text, t, end)))
        t = end + 0.5
    return CallDocument(call_id=item["id"], source="", duration=t, sample_rate=8000, channels=1,
                        language=item.get("language", "en"), pipeline_version="eval",
                        speakers=[Speaker("S0", "agent", 1.0), Speaker("S1", "customer", 1.0)],
                        turns=turns)


def masked_chars(before: str, after: str) -> set[int]:
    """Positions of `before` that redaction replaced."""
    out: set[int] = set()
    for op, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, before, after,
                                                       autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            out.update(range(i1, i2))
    return out


def _span_found(text: str, span: str, masked: set[int]) -> bool:
    start = text.find(span)
    if start < 0:
        return False
    idx = [i for i in range(start, start + len(span)) if text[i].isalnum()]
    digits = [i for i in idx if text[i].isdigit()]
    covered = sum(i in masked for i in idx)
    return all(i in masked for i in digits) and covered >= COVER * max(1, len(idx))


def score_items(items: list[dict[str, Any]]) -> RedactionScores:
    out = RedactionScores()
    for item in items:
        doc = redact_document(item_document(item))
        text = item["text"]
        masked = masked_chars(text, doc.turns[-1].text)
        if not item["spans"]:
            out.negatives += 1
            if masked:
                out.false_positives += 1
                out.misses.append((item["id"], f"masked: {doc.turns[-1].text}"))
            continue
        for span in item["spans"]:
            ok = _span_found(text, span["text"], masked)
            out.spans += 1
            out.found += ok
            tally = out.by_type.setdefault(span["type"], [0, 0])
            tally[0] += ok
            tally[1] += 1
            if not ok:
                out.misses.append((item["id"], f"{span['type']} {span['text']!r} -> "
                                                f"{doc.turns[-1].text}"))
    return out
