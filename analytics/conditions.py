"""Rule conditions: compiled predicates over one utterance unit of a call.

A condition is a YAML mapping; several keys in one mapping are ANDed. Each predicate returns
evidence (the matched text, "" when nothing textual matched) or None when it does not hold:

  role: agent | [agent, customer]
  window: {first: 15} | {first: "10%"} | {last: 10} | {last: "10%", at_least: 30}
          | {start: 5, end: 30}                   (absolute seconds or share of the call)
  keyword: [phrases] | {en: [...], zh: [...]} | "@phrase_set"
  regex: pattern | [patterns]                     (Python, case-insensitive, on the raw text)
  fuzzy: [phrases] | {phrases: ..., threshold: 88} (rapidfuzz partial ratio; ASR mishearings)
  semantic: [phrases] | {phrases: ..., threshold: 0.55} (MiniLM cosine, per sentence)
  recognise: LABEL | {label: LABEL, threshold: 0.5} (a trained behaviour recogniser,
           analytics.recognise: greeting_company, own_name, empathy, account_action, ...)
  emotion: angry | [angry, negative] | {label: ..., min_score: 0.5, valence_below: -0.3,
           arousal_above: 0.7}
  silence_before: 20 | {gt: 20}                   (seconds nobody spoke before this unit)
  overtalk: true | {over: customer, min_s: 0.5}   (started while another speaker still talked)
  speech_rate: {gt: 220}                          (words per minute in this unit)
  duration: {gt: 30}
  all: [...] | any: [...] | not: {...}
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hotline.analytics.context import CallContext, Unit
from hotline.analytics.recognise import recogniser_labels
from hotline.document import EMOTIONS
from hotline.errors import ConfigError
from hotline.text import find_phrase, has_cjk, normalize

FUZZY_THRESHOLD = 88.0
FUZZY_MIN_CHARS = 8         # shorter phrases are matched exactly (fuzzy would over-match)
SEMANTIC_THRESHOLD = 0.55
RECOGNISE_THRESHOLD = 0.5


@dataclass
class Where:
    """Where a condition came from, for error messages: file:line:column."""

    path: str
    line: int
    column: int

    def error(self, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}:{self.line}:{self.column}: {problem}")


class Pred:
    """Base predicate; subclasses override `_test`. Results are cached per (predicate, unit)."""

    relative = False             # needs the call duration (relative window): final-only
    window_end: float | None = None  # absolute end of a window all matches must lie in
    semantic = False

    def test(self, ctx: CallContext, i: int) -> str | None:
        key = (id(self), i)
        if key not in ctx.cache:
            ctx.cache[key] = self._test(ctx, i)
        return ctx.cache[key]

    def _test(self, ctx: CallContext, i: int) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError


class All(Pred):
    def __init__(self, parts: list[Pred]) -> None:
        # Cheap checks first so fuzzy/semantic run only on units that passed role and window.
        self.parts = sorted(parts, key=_cost)
        self.relative = any(p.relative for p in parts)
        self.semantic = any(p.semantic for p in parts)
        ends = [p.window_end for p in parts if p.window_end is not None]
        self.window_end = min(ends) if ends else None

    def _test(self, ctx: CallContext, i: int) -> str | None:
        found = []
        for part in self.parts:
            ev = part.test(ctx, i)
            if ev is None:
                return None
            if ev:
                found.append(ev)
        return "; ".join(found)


class Any_(Pred):
    def __init__(self, parts: list[Pred]) -> None:
        self.parts = sorted(parts, key=_cost)
        self.relative = any(p.relative for p in parts)
        self.semantic = any(p.semantic for p in parts)
        ends = [p.window_end for p in parts]
        self.window_end = max(ends) if ends and None not in ends else None  # type: ignore[type-var]

    def _test(self, ctx: CallContext, i: int) -> str | None:
        for part in self.parts:
            ev = part.test(ctx, i)
            if ev is not None:
                return ev
        return None


class Not(Pred):
    def __init__(self, part: Pred) -> None:
        self.part = part
        self.relative, self.semantic = part.relative, part.semantic

    def _test(self, ctx: CallContext, i: int) -> str | None:
        return "" if self.part.test(ctx, i) is None else None


class Role(Pred):
    def __init__(self, roles: set[str]) -> None:
        self.roles = roles

    def _test(self, ctx: CallContext, i: int) -> str | None:
        return "" if ctx.units[i].role in self.roles else None


class Window(Pred):
    """A time window; a unit is inside when it overlaps the window."""

    def __init__(self, start: float | None, end: float | None, first: Any, last: Any,
                 at_least: float) -> None:
        self.start, self.end, self.first, self.last, self.at_least = start, end, first, last, at_least
        self.relative = isinstance(first, str) or isinstance(last, str) or last is not None
        if not self.relative:
            self.window_end = first if first is not None else end

    def bounds(self, duration: float) -> tuple[float, float]:
        if self.first is not None:
            span = _span(self.first, duration, self.at_least)
            return 0.0, span
        if self.last is not None:
            span = _span(self.last, duration, self.at_least)
            return max(0.0, duration - span), float("inf")
        return self.start or 0.0, self.end if self.end is not None else float("inf")

    def _test(self, ctx: CallContext, i: int) -> str | None:
        u = ctx.units[i]
        lo, hi = self.bounds(ctx.duration if ctx.duration is not None else ctx.now)
        return "" if u.end > lo and u.start < hi else None


def _span(value: Any, duration: float, at_least: float) -> float:
    if isinstance(value, str):
        return max(float(value.rstrip("%")) / 100.0 * duration, at_least)
    return float(value)


class Phrases:
    """Phrase lists per language ('en', 'zh', 'any')."""

    def __init__(self, by_lang: dict[str, list[str]]) -> None:
        self.by_lang = by_lang

    def for_lang(self, lang: str) -> list[str]:
        return self.by_lang.get(lang, []) + self.by_lang.get("any", [])

    def all(self) -> list[str]:
        return [p for v in self.by_lang.values() for p in v]


class Keyword(Pred):
    def __init__(self, phrases: Phrases) -> None:
        self.phrases = phrases

    def _test(self, ctx: CallContext, i: int) -> str | None:
        u = ctx.units[i]
        for phrase in self.phrases.for_lang(u.lang):
            if find_phrase(phrase, u.norm, u.lang) >= 0:
                return phrase
        return None


class Regex(Pred):
    def __init__(self, patterns: list[re.Pattern[str]]) -> None:
        self.patterns = patterns

    def _test(self, ctx: CallContext, i: int) -> str | None:
        text = ctx.units[i].text
        for pat in self.patterns:
            m = pat.search(text)
            if m:
                return m.group(0)
        return None


class Fuzzy(Pred):
    """ASR-tolerant phrase match: rapidfuzz partial ratio of the phrase against the unit text."""

    def __init__(self, phrases: Phrases, threshold: float) -> None:
        self.phrases, self.threshold = phrases, threshold

    def _test(self, ctx: CallContext, i: int) -> str | None:
        from rapidfuzz import fuzz

        u = ctx.units[i]
        for phrase in self.phrases.for_lang(u.lang):
            norm = normalize(phrase, "zh" if has_cjk(phrase) else u.lang)
            if len(norm) < FUZZY_MIN_CHARS or len(u.norm) < len(norm) * 0.6:
                if find_phrase(phrase, u.norm, u.lang) >= 0:
                    return phrase
                continue
            res = fuzz.partial_ratio_alignment(norm, u.norm, score_cutoff=self.threshold)
            if res is not None:
                return u.norm[res.dest_start:res.dest_end]
        return None


class Semantic(Pred):
    """Meaning match: best cosine between any sentence of the unit and any phrase."""

    semantic = True

    def __init__(self, phrases: Phrases, threshold: float) -> None:
        self.phrases, self.threshold = phrases, threshold
        self._vecs: dict[str, np.ndarray] = {}

    def _test(self, ctx: CallContext, i: int) -> str | None:
        u = ctx.units[i]
        phrases = self.phrases.for_lang(u.lang)
        if not phrases or not u.text.strip() or ctx.embedder is None:
            return None
        if u.lang not in self._vecs:
            self._vecs[u.lang] = ctx.embedder.encode(phrases)
        sims = ctx.sentence_embeddings(i) @ self._vecs[u.lang].T
        best = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[best] < self.threshold:
            return None
        return f"~{phrases[best[1]]!r} ({float(sims[best]):.2f})"


class Recognise(Pred):
    """Meaning match by a trained recogniser: its probability for the unit (best piece)."""

    semantic = True

    def __init__(self, label: str, threshold: float) -> None:
        self.label, self.threshold = label, threshold

    def _test(self, ctx: CallContext, i: int) -> str | None:
        if ctx.recognisers is None or not ctx.units[i].text.strip():
            return None
        p = float(ctx.recognition(i)[ctx.recognisers.index(self.label)])
        return f"~{self.label} ({p:.2f})" if p >= self.threshold else None


class Emotion_(Pred):
    def __init__(self, labels: set[str] | None, min_score: float, valence_below: float | None,
                 arousal_above: float | None) -> None:
        self.labels, self.min_score = labels, min_score
        self.valence_below, self.arousal_above = valence_below, arousal_above

    def _test(self, ctx: CallContext, i: int) -> str | None:
        emo = ctx.units[i].emotion
        if emo is None:
            return None
        if self.labels is not None and (emo.label not in self.labels or emo.score < self.min_score):
            return None
        if self.valence_below is not None and emo.valence >= self.valence_below:
            return None
        if self.arousal_above is not None and emo.arousal <= self.arousal_above:
            return None
        return f"emotion {emo.label} {emo.score:.2f}"


class Measure(Pred):
    """Numeric fact of a unit compared to bounds (silence_before, speech_rate, duration, overtalk)."""

    def __init__(self, name: str, get: Callable[[Unit], float], bounds: dict[str, float],
                 over: str | None = None) -> None:
        self.name, self.get, self.bounds, self.over = name, get, bounds, over

    def _test(self, ctx: CallContext, i: int) -> str | None:
        u = ctx.units[i]
        if self.over is not None and u.over_role != self.over:
            return None
        value = self.get(u)
        ok = all(_OPS[op](value, ref) for op, ref in self.bounds.items())
        return f"{self.name} {value:.1f}" if ok else None


_OPS: dict[str, Callable[[float, float], bool]] = {
    "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
}
_MEASURES: dict[str, Callable[[Unit], float]] = {
    "silence_before": lambda u: u.gap_before,
    "speech_rate": lambda u: 60.0 * u.n_words / max(u.end - u.start, 1e-3),
    "duration": lambda u: u.end - u.start,
}


def _cost(p: Pred) -> int:
    if isinstance(p, Role | Window | Measure | Emotion_):
        return 0
    if isinstance(p, Keyword | Regex):
        return 1
    if isinstance(p, Fuzzy):
        return 2
    if isinstance(p, Semantic | Recognise) or p.semantic:
        return 4
    return 3


# --- compiling YAML into predicates ----------------------------------------------------------
class Compiler:
    """Turns condition mappings (with YAML marks, see analytics.rulebook) into predicates."""

    def __init__(self, path: str, phrase_sets: dict[str, Phrases]) -> None:
        self.path = path
        self.phrase_sets = phrase_sets

    def where(self, node: Any, key: Any = None) -> Where:
        marks = getattr(node, "key_marks", {}) if key is not None else {}
        mark = marks.get(key) or getattr(node, "mark", None)
        return Where(self.path, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0)

    def compile(self, node: Any, where: Where) -> Pred:
        if not isinstance(node, dict) or not node:
            raise where.error(f"a condition must be a non-empty mapping, got {node!r}")
        parts = [self._one(key, value, self.where(node, key)) for key, value in node.items()]
        return parts[0] if len(parts) == 1 else All(parts)

    def _one(self, key: str, value: Any, where: Where) -> Pred:
        handler = getattr(self, f"_c_{key}", None)
        if handler is None:
            known = sorted(n[3:] for n in dir(self) if n.startswith("_c_"))
            raise where.error(f"unknown condition {key!r}; known: {', '.join(known)}")
        return handler(value, where)

    def _list_of_conditions(self, value: Any, where: Where, name: str) -> list[Pred]:
        if not isinstance(value, list) or not value:
            raise where.error(f"{name!r} needs a non-empty list of conditions")
        return [self.compile(v, self.where(v) if hasattr(v, "mark") else where) for v in value]

    def _c_all(self, value: Any, where: Where) -> Pred:
        return All(self._list_of_conditions(value, where, "all"))

    def _c_any(self, value: Any, where: Where) -> Pred:
        return Any_(self._list_of_conditions(value, where, "any"))

    def _c_not(self, value: Any, where: Where) -> Pred:
        return Not(self.compile(value, where))

    def _c_role(self, value: Any, where: Where) -> Pred:
        roles = {value} if isinstance(value, str) else set(value) if isinstance(value, list) else set()
        bad = roles - {"agent", "customer", "unknown"}
        if not roles or bad:
            raise where.error(f"role must be agent, customer or unknown (or a list); got {value!r}")
        return Role(roles)

    def _c_window(self, value: Any, where: Where) -> Pred:
        if not isinstance(value, dict):
            raise where.error("window needs a mapping: {first: 15} / {last: '10%'} / {start:, end:}")
        bad = set(value) - {"first", "last", "start", "end", "at_least"}
        if bad:
            raise where.error(f"window: unknown key(s) {sorted(bad)}")
        for k in ("first", "last"):
            if k in value:
                _check_span(value[k], where, k)
        for k in ("start", "end", "at_least"):
            if k in value and not isinstance(value[k], int | float):
                raise where.error(f"window {k} must be a number of seconds, got {value[k]!r}")
        if sum(k in value for k in ("first", "last")) + ("start" in value or "end" in value) != 1:
            raise where.error("window needs exactly one of first, last, or start/end")
        return Window(value.get("start"), value.get("end"), value.get("first"), value.get("last"),
                      float(value.get("at_least", 0.0)))

    def phrases(self, value: Any, where: Where) -> Phrases:
        if isinstance(value, str) and value.startswith("@"):
            if value[1:] not in self.phrase_sets:
                raise where.error(f"unknown phrase set {value!r}; defined: "
                                  f"{', '.join(sorted(self.phrase_sets)) or 'none'}")
            return self.phrase_sets[value[1:]]
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            by_lang: dict[str, list[str]] = {"en": [], "zh": []}
            for item in value:
                if isinstance(item, str) and item.startswith("@"):
                    sub = self.phrases(item, where)
                    for lang, items in sub.by_lang.items():
                        by_lang.setdefault(lang, []).extend(items)
                elif isinstance(item, str) and item.strip():
                    by_lang["zh" if has_cjk(item) else "en"].append(item)
                else:
                    raise where.error(f"phrases must be non-empty strings, got {item!r}")
            return Phrases(by_lang)
        if isinstance(value, dict):
            bad = set(value) - {"en", "zh", "any"}
            if bad:
                raise where.error(f"phrases by language take en/zh/any keys, got {sorted(bad)}")
            return Phrases({lang: self.phrases(v, where).all() for lang, v in value.items()})
        raise where.error(f"expected a phrase list, a {{en: [...], zh: [...]}} mapping or '@set'; "
                          f"got {value!r}")

    def _c_keyword(self, value: Any, where: Where) -> Pred:
        return Keyword(self.phrases(value, where))

    def _c_regex(self, value: Any, where: Where) -> Pred:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise where.error("regex needs a pattern or a list of patterns")
        pats = []
        for item in items:
            try:
                pats.append(re.compile(str(item), re.IGNORECASE))
            except re.error as exc:
                raise where.error(f"bad regex {item!r}: {exc}") from exc
        return Regex(pats)

    def _thresholded(self, value: Any, where: Where, default: float, hi: float) -> tuple[Phrases, float]:
        if isinstance(value, dict) and "phrases" in value:
            bad = set(value) - {"phrases", "threshold"}
            if bad:
                raise where.error(f"unknown key(s) {sorted(bad)}; use phrases and threshold")
            thr = value.get("threshold", default)
            if not isinstance(thr, int | float) or not 0 < thr <= hi:
                raise where.error(f"threshold must be a number in (0, {hi}], got {thr!r}")
            return self.phrases(value["phrases"], where), float(thr)
        return self.phrases(value, where), default

    def _c_fuzzy(self, value: Any, where: Where) -> Pred:
        return Fuzzy(*self._thresholded(value, where, FUZZY_THRESHOLD, 100.0))

    def _c_semantic(self, value: Any, where: Where) -> Pred:
        return Semantic(*self._thresholded(value, where, SEMANTIC_THRESHOLD, 1.0))

    def _c_recognise(self, value: Any, where: Where) -> Pred:
        if isinstance(value, str):
            value = {"label": value}
        if not isinstance(value, dict) or set(value) - {"label", "threshold"} or \
                not isinstance(value.get("label"), str):
            raise where.error(f"recognise takes a label or {{label:, threshold:}}; got {value!r}")
        if value["label"] not in recogniser_labels():
            raise where.error(f"unknown recogniser {value['label']!r}; known: "
                              f"{', '.join(recogniser_labels())}")
        thr = value.get("threshold", RECOGNISE_THRESHOLD)
        if not isinstance(thr, int | float) or not 0 < thr < 1:
            raise where.error(f"threshold must be a number in (0, 1), got {thr!r}")
        return Recognise(value["label"], float(thr))

    def _c_emotion(self, value: Any, where: Where) -> Pred:
        if isinstance(value, str | list):
            value = {"label": value}
        if not isinstance(value, dict):
            raise where.error(f"emotion needs a label, a list of labels or a mapping; got {value!r}")
        bad = set(value) - {"label", "min_score", "valence_below", "arousal_above"}
        if bad:
            raise where.error(f"emotion: unknown key(s) {sorted(bad)}")
        labels = value.get("label")
        labels = {labels} if isinstance(labels, str) else set(labels) if labels else None
        if labels and labels - set(EMOTIONS):
            raise where.error(f"emotion label must be one of {', '.join(EMOTIONS)}; got {sorted(labels)}")
        return Emotion_(labels, float(value.get("min_score", 0.0)), value.get("valence_below"),
                        value.get("arousal_above"))

    def _bounds(self, value: Any, where: Where, name: str) -> dict[str, float]:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"gt": float(value)}
        if isinstance(value, dict) and value and set(value) <= set(_OPS) and all(
                isinstance(v, int | float) for v in value.values()):
            return {k: float(v) for k, v in value.items()}
        raise where.error(f"{name} needs a number or a mapping of gt/gte/lt/lte to numbers; got {value!r}")

    def _c_silence_before(self, value: Any, where: Where) -> Pred:
        return Measure("silence", _MEASURES["silence_before"], self._bounds(value, where, "silence_before"))

    def _c_speech_rate(self, value: Any, where: Where) -> Pred:
        return Measure("words/min", _MEASURES["speech_rate"], self._bounds(value, where, "speech_rate"))

    def _c_duration(self, value: Any, where: Where) -> Pred:
        return Measure("duration", _MEASURES["duration"], self._bounds(value, where, "duration"))

    def _c_overtalk(self, value: Any, where: Where) -> Pred:
        if value is True:
            value = {}
        if not isinstance(value, dict) or set(value) - {"over", "min_s"}:
            raise where.error("overtalk takes true or {over: customer|agent, min_s: seconds}")
        return Measure("overtalk", lambda u: u.overlap, {"gt": float(value.get("min_s", 0.0))},
                       over=value.get("over"))


def _check_span(value: Any, where: Where, key: str) -> None:
    if isinstance(value, bool):
        raise where.error(f"window {key} must be seconds or a percentage like '10%'")
    if isinstance(value, int | float) and value > 0:
        return
    if isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?%", value.strip()):
        pct = float(value.strip().rstrip("%"))
        if 0 < pct <= 100:
            return
    raise where.error(f"window {key} must be positive seconds or a percentage like '10%', got {value!r}")
