"""Incremental live rules: the same events as re-evaluating everything, at a cost per turn that
does not grow with the call (issue 10, finding 6)."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from hotline.analytics.analyzer import LiveRules
from hotline.analytics.conditions import Pred
from hotline.analytics.rulebook import parse_rulebook
from hotline.document import CallDocument, Turn, Word
from hotline.synth.labelled import to_document
from hotline.synth.scenarios import KINDS, build_scenarios
from hotline.synth.truth import to_call_document
from tests.support.live_reference import FullLiveRules, long_call

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"

# Every rule kind and window shape, including the ones the telecom book does not use
# (windows in seconds, role-less windows, grouped anchors with turns: all).
SHAPES = """
rules:
  - id: reply.fast
    reminder: answer the customer
    after: {role: customer}
    expect: {role: agent, keyword: [sorry, help, check]}
    within: {seconds: 6}
  - id: reply.ever
    reminder: say sorry at some point
    after: {role: customer, keyword: [again, third time, ridiculous, not working]}
    expect: {keyword: [sorry, apologise]}
    within: {turns: all, role: agent}
  - id: reply.next
    after: {role: customer}
    expect: {keyword: [okay, sure, thank]}
    within: {turns: 1}
  - id: prep.recent
    before: {role: agent, keyword: [cancel, block, change, reset]}
    expect: {keyword: [verify, confirm, security]}
    within: {seconds: 20}
  - id: prep.prev
    before: {role: agent}
    expect: {keyword: [please]}
    within: {turns: 2}
  - id: early.hello
    reminder: say hello
    require:
      - {role: agent, window: {first: 8}, keyword: [hello, welcome, thank you for calling]}
      - {window: {start: 2, end: 12}, keyword: [name]}
  - id: middle.check
    require: {window: {start: 20, end: 60}, keyword: [check, look]}
  - id: many.questions
    count: {role: customer, regex: "\\\\?"}
    min: 3
  - id: rude
    forbid: {role: agent, keyword: [calm down, not my problem]}
  - id: upset
    alert: {role: customer, keyword: [ridiculous, again]}
"""


def _labelled() -> list[CallDocument]:
    docs = []
    for split in ("dev", "frozen"):
        for line in (EVAL / split / "calls.jsonl").open(encoding="utf-8"):
            docs.append(to_document(json.loads(line)))
    return docs


def _synthetic() -> list[CallDocument]:
    return [to_call_document(t) for seed in (5, 11) for t in build_scenarios(seed=seed, kinds=list(KINDS))]


def _jumbled(doc: CallDocument, rng: random.Random) -> CallDocument:
    """Times jittered (overlaps, out-of-order starts) and long pauses inside some turns."""
    out = copy.deepcopy(doc)
    for turn in out.turns:
        shift = rng.uniform(-3.0, 2.0)
        turn.start, turn.end = max(0.0, turn.start + shift), max(0.1, turn.end + shift)
        words = turn.text.split()
        if len(words) > 3 and rng.random() < 0.3:          # a hold inside the turn: two units
            half = len(words) // 2
            t0, t1 = turn.start, turn.start + 25.0
            turn.words = ([Word(w, t0 + 0.3 * k, t0 + 0.3 * k + 0.2) for k, w in enumerate(words[:half])]
                          + [Word(w, t1 + 0.3 * k, t1 + 0.3 * k + 0.2) for k, w in enumerate(words[half:])])
            turn.end = turn.words[-1].end
    return out


def _stream(engine: LiveRules, doc: CallDocument) -> list[list[tuple]]:
    """Events per turn then at the end, as comparable tuples (every field of every event)."""
    steps = [[(type(e).__name__, *vars(e).values()) for e in engine.add_turn(turn)]
             for turn in copy.deepcopy(doc.turns)]
    steps.append([(type(e).__name__, *vars(e).values()) for e in engine.finish(doc.duration)])
    return steps


def _assert_same(book, scorer, docs: list[CallDocument]) -> int:
    n = 0
    for doc in docs:
        scorer.score_call(doc)
        new = _stream(LiveRules(book, scorer, language=doc.language), doc)
        old = _stream(FullLiveRules(book, scorer, language=doc.language), doc)
        assert new == old, doc.call_id
        n += sum(map(len, new))
    return n


def test_same_events_as_full_reevaluation_on_labelled_calls(book, scorer):
    docs = _labelled()
    assert len(docs) == 264
    assert _assert_same(book, scorer, docs) > 264          # the calls do raise events


def test_same_events_on_synthetic_and_jumbled_calls(book, scorer):
    rng = random.Random(7)
    docs = _synthetic()
    assert _assert_same(book, scorer, docs + [_jumbled(d, rng) for d in docs]) > len(docs)


def test_same_events_for_every_rule_shape(scorer):
    book = parse_rulebook(SHAPES, "shapes.yaml")
    rng = random.Random(3)
    docs = _labelled()[::4] + _synthetic()[::2]
    docs += [_jumbled(d, rng) for d in docs]
    fired = set()
    for doc in docs:
        scorer.score_call(doc)
        new = _stream(LiveRules(book, scorer, language=doc.language), doc)
        assert new == _stream(FullLiveRules(book, scorer, language=doc.language), doc), doc.call_id
        fired |= {e[1] for step in new[:-1] for e in step}
    # every rule decided something live at least once, so each path was compared
    assert fired == {r.id for r in book.rules}


@pytest.fixture
def tests_counted(monkeypatch):
    """Counts condition evaluations (Pred.test calls, cached or not)."""
    count = [0]
    real = Pred.test

    def counted(self, ctx, i):
        count[0] += 1
        return real(self, ctx, i)

    monkeypatch.setattr(Pred, "test", counted)
    return count


def _work_per_block(engine: LiveRules, turns: list[Turn], at: list[int], count: list[int]) -> list[int]:
    """Condition evaluations spent on the 10 turns starting at each index in `at`."""
    out = []
    for k, turn in enumerate(turns):
        if k in at:
            before = count[0]
        engine.add_turn(turn)
        if k - 9 in at:
            out.append(count[0] - before)
    return out


def test_work_per_turn_does_not_grow_with_call_length(book, scorer, tests_counted):
    turns = long_call(1510)
    early, late = _work_per_block(LiveRules(book, scorer, "en"), turns, [50, 1500], tests_counted)
    assert 0 < late <= early
    # the counter does see the old engine's growth (the whole call again on every turn)
    old_early, old_late = _work_per_block(FullLiveRules(book, scorer, "en"), long_call(310),
                                          [50, 300], tests_counted)
    assert old_late > 4 * old_early > 4 * late


def test_long_call_still_decides_the_same(book, scorer):
    turns = long_call(400)
    doc = CallDocument(call_id="long", source="test://long", duration=turns[-1].end + 1.0,
                       sample_rate=8000, channels=1, language="en", pipeline_version="test",
                       turns=turns)
    assert _assert_same(book, scorer, [doc]) > 40
