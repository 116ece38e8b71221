"""Live rule evaluation that looks only at what a new turn can change.

Re-running the rulebook over every unit so far after each turn made a live call's cost per turn
grow with its length (10,000 turns took minutes). Here each rule keeps a small state and `step`
sees only the units the new turn added, so the work per turn does not depend on how many turns
came before. A step returns the events `Rule.evaluate(ctx, final=False)` over the whole call would
return that no earlier step did (same keys, same content); the end of the call is still one full
`final=True` evaluation (closing and relative windows need the whole call anyway).

What each kind keeps: require - which conditions held; forbid/alert - nothing; count - the hits;
before - the last `within.turns` units of the role (or, for `turns: all`, whether the expectation
was ever met, scanned lazily); after - the anchors whose window is still open (for `turns: all`
they share one future, so one expectation closes them all). Windows in seconds are walked from
the anchor, so their cost is bounded by how many units fit in the window, not the call.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from hotline.analytics.context import CallContext
from hotline.analytics.rulebook import Event, Rule


class RuleState:
    """One rule's live state; `step` gets the indices of the units a new turn added."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def step(self, ctx: CallContext, new: list[int]) -> list[Event]:  # pragma: no cover - abstract
        raise NotImplementedError


class ForbidState(RuleState):
    def step(self, ctx: CallContext, new: list[int]) -> list[Event]:
        return [e for i in new if (e := self.rule.forbid_event(ctx, i)) is not None]


class AlertState(RuleState):
    def step(self, ctx: CallContext, new: list[int]) -> list[Event]:
        return [e for i in new if (e := self.rule.alert_event(ctx, i)) is not None]


class RequireState(RuleState):
    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.held = [False] * len(rule.conds)
        self.violated = False

    def step(self, ctx: CallContext, new: list[int]) -> list[Event]:
        for k, cond in enumerate(self.rule.conds):
            if not self.held[k]:
                self.held[k] = any(cond.test(ctx, i) is not None for i in new)
        missing = [k for k, held in enumerate(self.held) if not held]
        if not missing:
            return []
        settled = self.rule.require_settled(ctx, missing, False)
        if settled and self.violated:
            return []                 # its one violation is out; the same key would come again
        self.violated |= settled
        return self.rule.require_events(ctx, missing, False)


class CountState(RuleState):
    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.hits: list[tuple[int, str]] = []
        self.done = False

    def step(self, ctx: CallContext, new: list[int]) -> list[Event]:
        if self.done:
            return []
        cond = self.rule.conds[0]
        self.hits += [(i, ev) for i in new if (ev := cond.test(ctx, i)) is not None]
        events = self.rule.count_events(ctx, self.hits)
        self.done = bool(events)
        return events


class BeforeState(RuleState):
    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.recent: deque[int] = deque(maxlen=rule.within_turns)  # role's units, newest last
        self.checked = 0              # turns: all - units already tested for the expectation
        self.found = False

    def step(self, ctx: CallContext, new: list[int]) -> list[Event]:
        out: list[Event] = []
        for i in new:
            ev = self.rule.conds[0].test(ctx, i)
            if ev is not None:
                found, nearest = self._look_back(ctx, i)
                if not found and not self.rule.expected_in_anchor(ctx, i, ev):
                    out.append(self.rule.before_violation(ctx, i, ev, nearest))
            if self.rule.in_role(ctx.units[i]):
                self.recent.append(i)
        return out

    def _look_back(self, ctx: CallContext, i: int) -> tuple[bool, int | None]:
        """(expectation met in the window before unit i, the closest unit of that window)."""
        expect = self.rule.expect
        assert expect is not None
        if self.rule.within_seconds is not None:
            looked, _ = self.rule._window(ctx, i, -1)
            return any(expect.test(ctx, j) is not None for j in looked), looked[0] if looked else None
        nearest = self.recent[-1] if self.recent else None
        if self.rule.within_turns is not None:
            return any(expect.test(ctx, j) is not None for j in reversed(self.recent)), nearest
        while not self.found and self.checked < i:
            j, self.checked = self.checked, self.checked + 1
            self.found = self.rule.in_role(ctx.units[j]) and expect.test(ctx, j) is not None
        return self.found, nearest


@dataclass
class _Anchor:
    index: int
    evidence: str
    looked: list[int] = field(default_factory=list)


class AfterState(RuleState):
    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.open: dict[int, _Anchor] = {}
        self.last_anchor: int | None = None
        self.between = False          # a unit of the window's role since the last anchor
        self.shared = rule.within_turns is None and rule.within_seconds is None

    def step(self, ctx: CallContext, new: list[int]) -> list[Event]:
        out: list[tuple[int, Event]] = []
        fresh = []
        for i in new:
            out += self._extend(ctx, i)
            ev = self.rule.conds[0].test(ctx, i)
            if ev is None:
                self.between |= self.rule.in_role(ctx.units[i])
                continue
            # Consecutive anchors with nothing from the expected role between them share one window.
            grouped = self.last_anchor is not None and not self.between
            self.last_anchor, self.between = i, False
            if not grouped:
                self.open[i] = _Anchor(i, ev)
                fresh.append(i)
        if self.rule.reminder:
            out += [(a, self.rule.after_reminder(ctx, a)) for a in fresh if a in self.open]
        return [event for _a, event in sorted(out, key=lambda pair: pair[0])]

    def _extend(self, ctx: CallContext, i: int) -> list[tuple[int, Event]]:
        """Unit i joins the windows of the open anchors; closed ones without it are violations."""
        expect, u = self.rule.expect, ctx.units[i]
        assert expect is not None
        if self.shared:
            if self.open and self.rule.in_role(u) and expect.test(ctx, i) is not None:
                self.open.clear()
            return []
        out = []
        for a in list(self.open.values()):
            secs = self.rule.within_seconds
            if secs is not None and u.start - ctx.units[a.index].end > secs:
                complete = True
            elif not self.rule.in_role(u):
                continue
            else:
                a.looked.append(i)
                if expect.test(ctx, i) is not None:
                    del self.open[a.index]
                    continue
                complete = self.rule.within_turns is not None and len(a.looked) >= self.rule.within_turns
            if complete:
                del self.open[a.index]
                out.append((a.index, self.rule.after_violation(ctx, a.index, a.evidence, a.looked)))
        return out


_STATES: dict[str, type[RuleState]] = {
    "require": RequireState, "forbid": ForbidState, "after": AfterState,
    "before": BeforeState, "count": CountState, "alert": AlertState,
}


def live_states(rules: list[Rule]) -> list[RuleState]:
    """States for the rules that can decide anything before the call ends (not relative ones)."""
    return [_STATES[r.kind](r) for r in rules if not r.relative]
