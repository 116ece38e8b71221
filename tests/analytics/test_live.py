"""LiveRules: the same engine turn by turn — reminders while rules are open, same final answer."""

from __future__ import annotations

import copy

from hotline.analytics.analyzer import LiveRules
from hotline.analytics.rulebook import Reminder
from hotline.document import Violation
from hotline.synth.scenarios import KINDS, build_scenarios
from hotline.synth.truth import to_call_document

GREETING = "Thank you for calling Skyline Mobile, my name is Emma. How can I help?"


def test_greeting_reminder_then_violation_when_window_passes(book, scorer, call):
    doc = call([("customer", 0.3, 3.0, "Hello? Is anybody there?"),
                ("agent", 3.5, 5.0, "Hello, how can I help?"),
                ("customer", 5.5, 16.5, "My phone has no signal since this morning."),
                ("agent", 17.0, 19.0, "Let me see.")])
    live = LiveRules(book, scorer)
    first = live.add_turn(doc.turns[0])
    assert [(e.rule, e.kind) for e in first if isinstance(e, Reminder)] == [("greeting.missing", "reminder")]
    assert "company and your name" in first[0].message
    assert live.add_turn(doc.turns[1]) == []          # still inside the 15 s window, no repeat
    assert not any(isinstance(e, Violation) for e in live.add_turn(doc.turns[2]))
    late = live.add_turn(doc.turns[3])                # a turn starting after 15 s settles it
    assert [e.rule for e in late if isinstance(e, Violation)] == ["greeting.missing"]


def test_anger_triggers_empathy_reminder_and_escalation_alert(book, scorer, call):
    doc = call([("agent", 0.3, 4.0, GREETING),
                ("customer", 4.5, 8.0, "This is ridiculous, it's the third time I call about this!"),
                ("agent", 8.5, 10.0, "Okay, let me check."),
                ("customer", 10.5, 11.0, "Hurry up."),
                ("agent", 11.5, 13.0, "The system shows a fault.")])
    live = LiveRules(book, scorer)
    assert live.add_turn(doc.turns[0]) == []
    events = live.add_turn(doc.turns[1])
    assert doc.turns[1].emotion.label == "angry"      # scored live from the text
    kinds = {(e.rule, e.kind) for e in events}
    assert ("empathy.missing", "reminder") in kinds and ("emotion.escalate", "alert") in kinds
    assert "apologise" in next(e.message for e in events if e.rule == "empathy.missing")
    assert not any(isinstance(e, Violation) for e in live.add_turn(doc.turns[2]))
    live.add_turn(doc.turns[3])
    final = live.add_turn(doc.turns[4])               # second agent turn without empathy
    assert [(e.rule, e.turn) for e in final if isinstance(e, Violation)] == [("empathy.missing", 1)]


def test_live_equals_batch_on_synthetic_calls(book, scorer):
    """Feeding turns one by one, then finish(), gives the same violations as the stored-call run."""
    for truth in build_scenarios(seed=5, kinds=list(KINDS)):
        doc = to_call_document(truth)
        scorer.score_call(doc)
        batch = {(v.rule, v.turn, v.start) for v in book.check(doc)}
        live = LiveRules(book, scorer, language=doc.language)
        for turn in copy.deepcopy(doc.turns):
            live.add_turn(turn)
        live.finish(doc.duration)
        assert {(v.rule, v.turn, v.start) for v in live.violations} == batch, truth["name"]


def test_closing_is_only_decided_at_the_end(book, scorer, call):
    doc = call([("agent", 0.3, 4.0, GREETING), ("customer", 4.5, 6.0, "Thanks, bye.")])
    live = LiveRules(book, scorer)
    for turn in doc.turns:
        assert not any(isinstance(e, Violation) for e in live.add_turn(turn))
    assert [v.rule for v in live.finish(7.0)] == ["closing.missing"]


def test_event_dict_for_the_sidebar(book, scorer, call):
    from hotline.analytics.analyzer import event_dict

    live = LiveRules(book, scorer)
    events = live.add_turn(call([("customer", 0.0, 2.0, "Hello?")]).turns[0])
    d = event_dict(events[0])
    assert d["type"] == "reminder" and d["rule"] == "greeting.missing" and d["message"]
    v = live.finish(3.0)[0]
    assert event_dict(v)["type"] == "violation" and event_dict(v)["evidence"]


def _verification_live_and_batch(book, scorer, call, agent_line: str) -> tuple[set, set]:
    """verification.missing hits of one call, live (turn by turn, settled before finish) and
    stored."""
    doc = call([("agent", 0.3, 4.0, GREETING),
                ("customer", 4.5, 8.0, "I lost my phone, can you block the card?"),
                ("agent", 8.5, 13.0, agent_line)])
    live = LiveRules(book, scorer)
    for turn in copy.deepcopy(doc.turns):
        live.add_turn(turn)
    scorer.score_call(doc)
    hit = {(v.rule, v.turn) for v in live.violations if v.rule == "verification.missing"}
    return hit, {(v.rule, v.turn) for v in book.check(doc) if v.rule == "verification.missing"}


def test_identity_check_in_the_action_turn_counts_live_and_stored(book, scorer, call):
    for line in ["That's verified, thank you. I've blocked the SIM card.",
                 "Thanks, the date of birth matches. I've now blocked the card for you."]:
        assert _verification_live_and_batch(book, scorer, call, line) == (set(), set()), line
    late = "I've blocked the SIM card. Can you confirm your date of birth for security?"
    want = {("verification.missing", 2)}
    assert _verification_live_and_batch(book, scorer, call, late) == (want, want)
