"""Script-compliance rulebooks: YAML in, compiled rules out; one engine for stored and live calls.

A rule has an id, a severity, a message and exactly one of these kinds (conditions: see
`analytics.conditions`):

  require: COND | [COND, ...]   each condition must hold for some unit (negation: "never said")
  forbid: COND                  every unit where COND holds is a violation
  after: ANCHOR, expect: COND, within: {turns: 2, role: agent} | {seconds: 30}
                                after each anchor unit, one of the next units must satisfy COND
  before: ANCHOR, expect: COND, within: {turns: 1, role: agent} | {turns: all}
                                before each anchor unit, one of the previous units must satisfy COND
                                (optional `same_turn: COND`: or COND held in the anchor unit's
                                clauses before the one the anchor holds in)
  count: COND, min: 3           violation once COND held for `min` units
  alert: COND                   no violation: a live reminder whenever COND holds

`reminder:` (optional) is the sidebar text shown live while a require/after rule is still open.
Evaluation is incremental-safe: `evaluate(ctx, final=False)` returns only decisions that no
later turn can change, keyed so a live caller can emit each once; `final=True` settles the rest.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hotline import defaults
from hotline.analytics.conditions import All, Compiler, Phrases, Pred, Where, Window
from hotline.analytics.context import CallContext, Unit, clauses
from hotline.analytics.recognise import Recognisers
from hotline.document import Violation
from hotline.embed import Embedder
from hotline.errors import ConfigError

SEVERITIES = ("critical", "major", "minor", "info")
KINDS = ("require", "forbid", "after", "before", "count", "alert")
RULEBOOK_DIR = Path(__file__).parent / "rulebooks"
DEFAULT_RULEBOOK = RULEBOOK_DIR / "telecom.yaml"
EVIDENCE_CHARS = 160


@dataclass
class Reminder:
    """A live prompt for the agent sidebar (not a violation)."""

    rule: str
    message: str
    turn: int | None
    time: float
    kind: str = "reminder"
    severity: str = "info"


Event = tuple[Hashable, "Violation | Reminder"]


@dataclass
class Rule:
    id: str
    kind: str
    severity: str
    message: str
    where: Where
    conds: list[Pred]                   # require: each; others: [main condition]
    expect: Pred | None = None
    same_turn: Pred | None = None       # before: the expectation said earlier in the anchor turn
    within_turns: int | None = None     # None = unbounded (turns: all)
    within_role: str | None = None
    within_seconds: float | None = None
    min_count: int = 1
    reminder: str = ""
    labels: list[str] = field(default_factory=list)  # human names of require parts

    @property
    def relative(self) -> bool:
        preds = [*self.conds, *([self.expect] if self.expect else [])]
        return any(p.relative for p in preds)

    @property
    def semantic(self) -> bool:
        preds = [*self.conds, *([self.expect] if self.expect else [])]
        return any(p.semantic for p in preds)

    # --- evaluation -----------------------------------------------------------------------
    def evaluate(self, ctx: CallContext, final: bool) -> list[Event]:
        if self.relative and not final:
            return []
        return getattr(self, f"_eval_{self.kind}")(ctx, final)

    def _violation(self, unit: Unit | None, start: float, end: float, evidence: str) -> Violation:
        return Violation(rule=self.id, severity=self.severity, start=round(start, 2),
                         end=round(end, 2), turn=unit.turn if unit else None,
                         evidence=evidence, message=self.message)

    def _eval_require(self, ctx: CallContext, final: bool) -> list[Event]:
        missing = [k for k, cond in enumerate(self.conds)
                   if not any(cond.test(ctx, i) is not None for i in range(len(ctx.units)))]
        return self.require_events(ctx, missing, final)

    def require_settled(self, ctx: CallContext, missing: list[int], final: bool) -> bool:
        """No later turn can satisfy the missing conditions (their windows are over)."""
        latest_start = ctx.units[-1].start if ctx.units else 0.0
        ends = [self.conds[k].window_end for k in missing]
        return final or (None not in ends and latest_start > min(ends))  # type: ignore[type-var]

    def require_events(self, ctx: CallContext, missing: list[int], final: bool) -> list[Event]:
        """The reminder (still open) or the violation (settled) for the missing conditions."""
        if not missing:
            return []
        if not self.require_settled(ctx, missing, final):
            if self.reminder and ctx.units:
                return [((self.id, "reminder"),
                         Reminder(self.id, self.reminder, ctx.units[-1].turn, ctx.now))]
            return []
        lo, hi = self._span(ctx, missing)
        names = ", ".join(self.labels[k] for k in missing)
        first = next((u for u in ctx.units if lo <= u.start < hi and u.role == "agent"), None)
        said = f'; agent said: "{_clip(first.text)}"' if first else "; no agent speech there"
        evidence = f"never said in {lo:.0f}-{hi:.0f} s: {names}{said}"
        return [((self.id,), self._violation(first, lo, hi, evidence))]

    def _span(self, ctx: CallContext, missing: list[int]) -> tuple[float, float]:
        duration = ctx.duration if ctx.duration is not None else ctx.now
        for k in missing:
            cond = self.conds[k]
            parts = cond.parts if isinstance(cond, All) else [cond]
            for p in parts:
                if isinstance(p, Window):
                    lo, hi = p.bounds(duration)
                    return lo, min(hi, duration)
        return 0.0, duration

    def _eval_forbid(self, ctx: CallContext, final: bool) -> list[Event]:
        return [e for i in range(len(ctx.units)) if (e := self.forbid_event(ctx, i)) is not None]

    def forbid_event(self, ctx: CallContext, i: int) -> Event | None:
        u = ctx.units[i]
        ev = self.conds[0].test(ctx, i)
        if ev is None:
            return None
        evidence = f'{u.role} said "{ev}": "{_clip(u.text)}"' if ev else f'"{_clip(u.text)}"'
        return (self.id, i), self._violation(u, u.start, u.end, evidence)

    def in_role(self, u: Unit) -> bool:
        """The unit counts for the within-window (its role is within.role, or no role given)."""
        return self.within_role is None or u.role == self.within_role

    def _window(self, ctx: CallContext, i: int, step: int) -> tuple[list[int], bool]:
        """Units after (step=1) or before (step=-1) unit i that the expectation may use."""
        anchor = ctx.units[i]
        picked: list[int] = []
        j = i + step
        while 0 <= j < len(ctx.units):
            u = ctx.units[j]
            if self.within_seconds is not None:
                gap = u.start - anchor.end if step > 0 else anchor.start - u.end
                if gap > self.within_seconds:
                    return picked, True
            if self.in_role(u):
                picked.append(j)
                if self.within_turns is not None and len(picked) >= self.within_turns:
                    return picked, True
            j += step
        return picked, step < 0  # looking back: everything before the anchor is known

    def _eval_after(self, ctx: CallContext, final: bool) -> list[Event]:
        out: list[Event] = []
        last_anchor = None
        for i in range(len(ctx.units)):
            ev = self.conds[0].test(ctx, i)
            if ev is None:
                continue
            # Consecutive anchors with nothing from the expected role between them share one window.
            if last_anchor is not None and not any(
                    self.in_role(ctx.units[k]) for k in range(last_anchor + 1, i)):
                last_anchor = i
                continue
            last_anchor = i
            looked, complete = self._window(ctx, i, 1)
            if any(self.expect.test(ctx, j) is not None for j in looked):  # type: ignore[union-attr]
                continue
            if complete or final:
                out.append(self.after_violation(ctx, i, ev, looked))
            elif self.reminder:
                out.append(self.after_reminder(ctx, i))
        return out

    def after_violation(self, ctx: CallContext, i: int, ev: str, looked: list[int]) -> Event:
        """Anchor i's window passed (`looked`) without the expectation."""
        anchor = ctx.units[i]
        then = " | ".join(f'"{_clip(ctx.units[j].text, 80)}"' for j in looked) or "nothing"
        evidence = f'{anchor.role} ({ev or "anchor"}): "{_clip(anchor.text, 100)}" -> next: {then}'
        end = ctx.units[looked[-1]].end if looked else anchor.end
        return (self.id, i), self._violation(anchor, anchor.start, end, evidence)

    def after_reminder(self, ctx: CallContext, i: int) -> Event:
        anchor = ctx.units[i]
        return (self.id, "reminder", i), Reminder(self.id, self.reminder, anchor.turn, anchor.end)

    def _eval_before(self, ctx: CallContext, final: bool) -> list[Event]:
        out: list[Event] = []
        for i in range(len(ctx.units)):
            ev = self.conds[0].test(ctx, i)
            if ev is None:
                continue
            looked, _ = self._window(ctx, i, -1)
            if any(self.expect.test(ctx, j) is not None for j in looked):  # type: ignore[union-attr]
                continue
            if self.expected_in_anchor(ctx, i, ev):
                continue
            out.append(self.before_violation(ctx, i, ev, looked[0] if looked else None))
        return out

    def expected_in_anchor(self, ctx: CallContext, i: int, ev: str) -> bool:
        """The rule's `same_turn` condition was said earlier in the anchor's own unit ("That's
        verified. I've blocked the card"): the clauses before the one where the anchor first
        holds satisfy it. A check said after the action in the same turn does not count. It is
        a condition of its own, stricter than `expect`: an earlier clause of the action's turn
        is often a thanks or an apology that a broad expectation would take for a check."""
        if self.same_turn is None or not self.in_role(ctx.units[i]):
            return False
        for text in self._heads(ctx, i, ev):
            head = ctx.piece(i, text)
            if self.conds[0].test(head, 0) is not None:
                return False          # the anchor already holds in this head
            # a lone "Okay," / "好的，" is no check (the Mandarin recogniser calls it one)
            if head.units[0].n_words >= defaults.SAME_TURN_MIN_WORDS and \
                    self.same_turn.test(head, 0) is not None:
                return True
        return False

    def _heads(self, ctx: CallContext, i: int, ev: str) -> list[str]:
        """What unit i said before its anchor, longer and longer: its first clauses; for text
        without punctuation (ASR) the words before where the anchor's evidence was found."""
        u = ctx.units[i]
        parts, sep = clauses(u.text), "" if u.lang == "zh" else " "
        heads = [sep.join(parts[:k]) for k in range(1, len(parts))]
        if heads:
            return heads
        at = u.text.lower().find(ev.lower()) if ev and not ev.startswith("~") else -1
        return [u.text[:at].rstrip()] if at > 0 else []

    def before_violation(self, ctx: CallContext, i: int, ev: str, nearest: int | None) -> Event:
        """Anchor i without the expectation before it; `nearest` = the closest unit looked at."""
        anchor = ctx.units[i]
        prev = f'"{_clip(ctx.units[nearest].text, 80)}"' if nearest is not None else "nothing"
        evidence = f'{anchor.role} ({ev or "anchor"}): "{_clip(anchor.text, 100)}"; before: {prev}'
        start = anchor.start - anchor.gap_before
        return (self.id, i), self._violation(anchor, start, anchor.end, evidence)

    def _eval_count(self, ctx: CallContext, final: bool) -> list[Event]:
        hits = [(i, ev) for i in range(len(ctx.units))
                if (ev := self.conds[0].test(ctx, i)) is not None]
        return self.count_events(ctx, hits)

    def count_events(self, ctx: CallContext, hits: list[tuple[int, str]]) -> list[Event]:
        """The one violation once the condition held `min` times (`hits`: unit, evidence)."""
        if len(hits) < self.min_count:
            return []
        nth = ctx.units[hits[self.min_count - 1][0]]
        times = ", ".join(f"{ctx.units[i].start:.1f}s" for i, _ in hits)
        evidence = f"{len(hits)} times (limit {self.min_count}): {times}"
        return [((self.id,), self._violation(nth, ctx.units[hits[0][0]].start, nth.end, evidence))]

    def _eval_alert(self, ctx: CallContext, final: bool) -> list[Event]:
        if final:
            return []
        return [e for i in range(len(ctx.units)) if (e := self.alert_event(ctx, i)) is not None]

    def alert_event(self, ctx: CallContext, i: int) -> Event | None:
        if self.conds[0].test(ctx, i) is None:
            return None
        u = ctx.units[i]
        return (self.id, "alert", i), Reminder(self.id, self.reminder or self.message, u.turn, u.end,
                                               kind="alert")


def _clip(text: str, n: int = EVIDENCE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass
class Rulebook:
    """Compiled rules; `embedder` and `recognisers` exist only when some rule has a semantic
    (or recognise) condition."""

    name: str
    path: str
    rules: list[Rule]
    embedder: Embedder | None = None
    recognisers: Recognisers | None = None

    @property
    def uses_semantic(self) -> bool:
        return any(r.semantic for r in self.rules)

    def context(self, doc: Any) -> CallContext:
        return CallContext.from_document(doc, self.embedder, self.recognisers)

    def evaluate(self, ctx: CallContext, final: bool = True) -> list[Event]:
        out: list[Event] = []
        for rule in self.rules:
            out.extend(rule.evaluate(ctx, final))
        return out

    def check(self, doc: Any) -> list[Violation]:
        """All violations of a stored call (turn emotions should be set first)."""
        events = self.evaluate(self.context(doc), final=True)
        found = [e for _k, e in events if isinstance(e, Violation)]
        return sorted(found, key=lambda v: (v.start, v.rule))


# --- loading -------------------------------------------------------------------------------
class _Map(dict):
    mark: Any = None
    key_marks: dict[Any, Any]


class _Seq(list):
    mark: Any = None


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps the position of every mapping, key and list for error messages."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.mark, out.key_marks = node.start_mark, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise _Marked("a mapping key must be a plain value", key_node.start_mark)
        if key in out:
            raise _Marked(f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_marks[key] = key_node.start_mark
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.mark = node.start_mark
    return out


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """'${NAME}' is the value of hotline.defaults.NAME (keeps tunables in one place)."""
    value = loader.construct_scalar(node)
    m = re.fullmatch(r"\$\{([A-Z][A-Z0-9_]*)\}", value.strip())
    if not m:
        return value
    if not hasattr(defaults, m.group(1)):
        raise _Marked(f"unknown setting {value!r} (no hotline.defaults.{m.group(1)})", node.start_mark)
    return getattr(defaults, m.group(1))


class _Marked(Exception):
    """A problem found while constructing YAML, with its position."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem, self.mark = problem, mark


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def default_rulebook_path() -> Path:
    return DEFAULT_RULEBOOK


def load_rulebook(path: str | os.PathLike | None = None, embedder: Embedder | None = None) -> Rulebook:
    """Load and compile a rulebook (default: the telecom one). Errors name file:line:column.

    A semantic condition anywhere gives the rulebook an Embedder (the one passed, or a lazy
    MiniLM); none is created otherwise.
    """
    path = str(path or DEFAULT_RULEBOOK)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(f"cannot read rulebook {path}: {exc.strerror or exc}") from exc
    return parse_rulebook(text, path, embedder)


def parse_rulebook(text: str, path: str = "<rulebook>", embedder: Embedder | None = None) -> Rulebook:
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except _Marked as exc:
        raise ConfigError(f"{path}:{exc.mark.line + 1}:{exc.mark.column + 1}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        loc = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise ConfigError(f"{loc}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1:1: a rulebook must be a mapping with a 'rules' list")
    return _compile_book(data, path, embedder)


def _compile_book(data: _Map, path: str, embedder: Embedder | None) -> Rulebook:
    root = Compiler(path, {})
    bad = set(data) - {"name", "description", "version", "languages", "phrases", "rules"}
    if bad:
        key = sorted(bad, key=str)[0]
        raise root.where(data, key).error(f"unknown top-level key {key!r}")
    sets = data.get("phrases") or {}
    if not isinstance(sets, dict):
        raise root.where(data, "phrases").error("'phrases' must map set names to phrase lists")
    compiler = Compiler(path, {})
    for name, value in sets.items():
        compiler.phrase_sets[name] = compiler.phrases(value, compiler.where(sets, name))
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        raise root.where(data, "rules" if "rules" in data else None).error(
            "a rulebook needs a non-empty 'rules' list")
    compiled: list[Rule] = []
    for node in rules:
        rule = _compile_rule(node, compiler)
        if any(r.id == rule.id for r in compiled):
            raise rule.where.error(f"duplicate rule id {rule.id!r}")
        compiled.append(rule)
    book = Rulebook(name=str(data.get("name") or Path(path).stem), path=path, rules=compiled)
    if book.uses_semantic:
        book.embedder = embedder or Embedder()
        book.recognisers = Recognisers(book.embedder)   # weights read on first use
    return book


def _compile_rule(node: Any, c: Compiler) -> Rule:
    where = c.where(node) if hasattr(node, "mark") else Where(c.path, 0, 0)
    if not isinstance(node, dict):
        raise where.error(f"each rule must be a mapping, got {node!r}")
    rid = node.get("id")
    if not isinstance(rid, str) or not rid:
        raise where.error("rule without an 'id'")
    label = f"rule {rid!r}"
    known = {"id", "severity", "message", "description", "reminder", "enabled", "expect",
             "within", "min", "names", "same_turn", *KINDS}
    bad = set(node) - known
    if bad:
        key = sorted(bad, key=str)[0]
        raise c.where(node, key).error(f"{label}: unknown key {key!r}")
    kinds = [k for k in KINDS if k in node]
    if len(kinds) != 1:
        raise where.error(f"{label}: needs exactly one of {', '.join(KINDS)}; got {kinds or 'none'}")
    kind = kinds[0]
    severity = node.get("severity", "major")
    if severity not in SEVERITIES:
        raise c.where(node, "severity").error(f"{label}: severity must be one of {', '.join(SEVERITIES)}")
    rule = Rule(id=rid, kind=kind, severity=severity, message=str(node.get("message", "")),
                where=where, conds=[], reminder=str(node.get("reminder", "")))
    main = node[kind]
    if kind == "require" and isinstance(main, list):
        rule.conds = [c.compile(item, c.where(item) if hasattr(item, "mark") else where)
                      for item in main]
        names = node.get("names") or []
        rule.labels = [str(names[k]) if k < len(names) else f"condition {k + 1}"
                       for k in range(len(main))]
        if not rule.conds:
            raise c.where(node, kind).error(f"{label}: require needs at least one condition")
    else:
        rule.conds = [c.compile(main, c.where(node, kind))]
        names = node.get("names") or [rule.message or rid]
        rule.labels = [str(names[0])]
    if kind in ("after", "before"):
        _compile_anchor(rule, node, c, label)
    elif "expect" in node or "within" in node:
        raise c.where(node, "expect" if "expect" in node else "within").error(
            f"{label}: 'expect'/'within' only go with 'after' or 'before'")
    if kind == "count":
        n = node.get("min")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise c.where(node, "min" if "min" in node else None).error(
                f"{label}: count needs 'min', a whole number >= 1")
        rule.min_count = n
    elif "min" in node:
        raise c.where(node, "min").error(f"{label}: 'min' only goes with 'count'")
    return rule


def _compile_anchor(rule: Rule, node: Any, c: Compiler, label: str) -> None:
    if "expect" not in node:
        raise rule.where.error(f"{label}: '{rule.kind}' needs an 'expect' condition")
    rule.expect = c.compile(node["expect"], c.where(node, "expect"))
    if "same_turn" in node:
        if rule.kind != "before":
            raise c.where(node, "same_turn").error(f"{label}: 'same_turn' only goes with 'before'")
        rule.same_turn = c.compile(node["same_turn"], c.where(node, "same_turn"))
    within = node.get("within", {"turns": 2})
    w = c.where(node, "within")
    if not isinstance(within, dict) or not within or set(within) - {"turns", "role", "seconds"}:
        raise w.error(f"{label}: within takes turns (a number or 'all'), role and/or seconds")
    turns = within.get("turns", "all" if "seconds" in within else 2)
    if turns != "all" and (not isinstance(turns, int) or isinstance(turns, bool) or turns < 1):
        raise w.error(f"{label}: within.turns must be a whole number >= 1 or 'all'; got {turns!r}")
    rule.within_turns = None if turns == "all" else turns
    role = within.get("role")
    if role not in (None, "agent", "customer"):
        raise w.error(f"{label}: within.role must be agent or customer; got {role!r}")
    rule.within_role = role
    secs = within.get("seconds")
    if secs is not None and (not isinstance(secs, int | float) or secs <= 0):
        raise w.error(f"{label}: within.seconds must be a positive number; got {secs!r}")
    rule.within_seconds = secs


__all__ = ["Reminder", "Rule", "Rulebook", "load_rulebook", "parse_rulebook", "default_rulebook_path",
           "Phrases"]
