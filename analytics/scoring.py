"""Score the analyzer on labelled calls: per-rule F1, clean calls flagged, angry-turn recall.

Used by scripts/bench_analytics.py and the tests on the blind evaluation sets
(tests/data/eval/{dev,frozen}/calls.jsonl). A call's `violations` are the rule ids it breaks;
customer turns carry an `emotion` label. `texts` (per call id, one string per turn) replaces the
written turns with what ASR heard; calls without texts are skipped in that mode.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from hotline.analytics.analyzer import CallAnalyzer
from hotline.document import CallDocument
from hotline.synth.labelled import call_audio, to_document


@dataclass
class RuleScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def f1(self) -> float:
        return 2 * self.tp / max(1, 2 * self.tp + self.fp + self.fn)


@dataclass
class Scores:
    calls: int = 0
    rules: dict[str, RuleScore] = field(default_factory=dict)
    clean_calls: int = 0
    clean_flagged: int = 0
    angry_turns: int = 0
    angry_found: int = 0
    calm_turns: int = 0
    calm_not_angry: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (call, kind, rule/turn)

    @property
    def min_f1(self) -> float:
        return min((r.f1 for r in self.rules.values()), default=0.0)

    @property
    def clean_flagged_rate(self) -> float:
        return self.clean_flagged / max(1, self.clean_calls)

    @property
    def angry_recall(self) -> float:
        return self.angry_found / max(1, self.angry_turns)

    @property
    def calm_not_angry_rate(self) -> float:
        return self.calm_not_angry / max(1, self.calm_turns)

    def summary(self) -> dict[str, Any]:
        return {"calls": self.calls, "min_rule_f1": round(self.min_f1, 3),
                "rule_f1": {k: round(v.f1, 3) for k, v in sorted(self.rules.items())},
                "clean_flagged": round(self.clean_flagged_rate, 3),
                "angry_recall": round(self.angry_recall, 3),
                "calm_not_angry": round(self.calm_not_angry_rate, 3)}


def analyze_labelled(analyzer: CallAnalyzer, call: dict[str, Any],
                     asr: dict[str, Any] | None = None, with_audio: bool = False) -> CallDocument:
    """The analyzer's document for one labelled call (written text, or the ASR entry's; with
    the rendered call audio too when `with_audio`, so voice arousal counts)."""
    doc = to_document(call, asr["texts"] if asr else None, asr["durations"] if asr else None)
    audio = call_audio(call, doc) if with_audio else None
    return analyzer.analyze(copy.deepcopy(doc), audio)


def score_calls(analyzer: CallAnalyzer, calls: list[dict[str, Any]], rule_ids: list[str],
                asr: dict[str, dict[str, Any]] | None = None, with_audio: bool = False) -> Scores:
    """Scores over `calls` (only those in `asr` when it is given)."""
    out = Scores(rules={r: RuleScore() for r in rule_ids})
    for call in calls:
        if asr is not None and call["id"] not in asr:
            continue
        doc = analyze_labelled(analyzer, call, asr[call["id"]] if asr is not None else None,
                               with_audio)
        _score_call(out, call, doc)
    return out


def _score_call(out: Scores, call: dict[str, Any], doc: CallDocument) -> None:
    out.calls += 1
    gold, pred = set(call["violations"]), {v.rule for v in doc.violations}
    for rule, s in out.rules.items():
        s.tp += rule in gold and rule in pred
        s.fp += rule in pred and rule not in gold
        s.fn += rule in gold and rule not in pred
        if (rule in gold) != (rule in pred):
            out.errors.append((call["id"], "missed" if rule in gold else "false", rule))
    if not gold:
        out.clean_calls += 1
        out.clean_flagged += bool(pred & set(out.rules))
    for i, (spec, turn) in enumerate(zip(call["turns"], doc.turns, strict=True)):
        if spec["role"] != "customer" or not spec.get("emotion"):
            continue
        said = turn.emotion.label if turn.emotion else "neutral"
        if spec["emotion"] == "angry":
            out.angry_turns += 1
            out.angry_found += said == "angry"
        else:
            out.calm_turns += 1
            out.calm_not_angry += said != "angry"
        if (spec["emotion"] == "angry") != (said == "angry"):
            out.errors.append((call["id"], f"emotion {spec['emotion']}->{said}", str(i)))
