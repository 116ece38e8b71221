"""Rules by meaning and emotion on phrasings nobody listed (issue 12's failures), and the blind
dev set scored through synth.labelled + analytics.scoring."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hotline.analytics.scoring import analyze_labelled, score_calls
from hotline.synth.labelled import to_document

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"
GREETING = "Hiya, Aisha from NorthWave Telecom here, how can I help?"
DEV2_MIN_F1, DEV2_CLEAN = 0.75, 0.1  # dev2 (2026-12-07): min F1 0.80, 6.8 % clean flagged
CLOSING = ["Anything else on your mind today?", "Many thanks for calling, have a nice weekend."]


def _call(agent_lines: list[str], customer: str = "My line stopped working.",
          emotion: str = "neutral", language: str = "en") -> dict:
    turns = [{"role": "agent", "text": agent_lines[0]},
             {"role": "customer", "text": customer, "emotion": emotion}]
    for line in agent_lines[1:]:
        turns += [{"role": "agent", "text": line},
                  {"role": "customer", "text": "Okay." if language == "en" else "好的。",
                   "emotion": "neutral"}]
    return {"id": "t-1", "language": language, "turns": turns, "violations": []}


def _rules(analyzer, call: dict) -> set[str]:
    return {v.rule for v in analyze_labelled(analyzer, call).violations}


def test_misheard_closing_still_closes(analyzer) -> None:
    call = _call([GREETING, "I've checked it, the line is fine now.",
                  "Is there anything else I can help with?", "Okay, and for calling, don't buy."])
    assert "closing.missing" not in _rules(analyzer, call)
    call = _call([GREETING, "I've checked it, the line is fine now.", "Okay, bye."])
    assert "closing.missing" in _rules(analyzer, call)


@pytest.mark.parametrize("action", [
    "I've blocked the SIM card, nobody can use it now.",
    "I've unblocked your line.",
    "I have sent the porting code by text.",
    "I've reset your voicemail PIN.",
    "I've suspended the line for six months.",
    "I remove the insurance add-on from today.",          # ASR dropped "'ve"
])
def test_any_account_action_needs_verification(analyzer, action: str) -> None:
    assert "verification.missing" in _rules(analyzer, _call([GREETING, action, *CLOSING]))
    verified = _call([GREETING, "First, could you give me your date of birth please?",
                      "That checks out, thank you.", action, *CLOSING])
    assert "verification.missing" not in _rules(analyzer, verified)


def test_question_is_no_account_action(analyzer) -> None:
    call = _call([GREETING, "Can I change anything else on the plan for you?", *CLOSING])
    assert "verification.missing" not in _rules(analyzer, call)


def test_mandarin_account_action(analyzer) -> None:
    agent = ["您好，华联通信，我是张敏。", "已经帮您办理了挂失停机。", "请问还有其他需要吗？", "感谢您的来电，再见。"]
    assert "verification.missing" in _rules(analyzer, _call(agent, "手机丢了。", language="zh"))
    agent.insert(1, "请您报一下服务密码，我这边验证一下。")
    assert "verification.missing" not in _rules(analyzer, _call(agent, "手机丢了。", language="zh"))


def test_greeting_needs_company_and_name(analyzer) -> None:
    assert "greeting.missing" not in _rules(analyzer, _call([GREETING, *CLOSING]))
    assert "greeting.missing" not in _rules(
        analyzer, _call(["Bluepeak Wireless, good afternoon, you're speaking with Dana.", *CLOSING]))
    assert "greeting.missing" in _rules(analyzer, _call(["Customer service, what do you need?",
                                                          *CLOSING]))


def test_deflection_by_meaning(analyzer) -> None:
    call = _call([GREETING, "That's above my pay grade, you'll have to call back another time.",
                  *CLOSING])
    assert "language.forbidden" in _rules(analyzer, call)
    harmless = _call([GREETING, "Once the wind has calmed down the engineers will go up.", *CLOSING])
    assert "language.forbidden" not in _rules(analyzer, harmless)


@pytest.mark.parametrize("text,label", [
    ("I want to cancel my contract, your prices went up.", "negative"),
    ("I would like to raise a formal complaint about the billing.", "negative"),
    ("It's always down! Every single evening!", "angry"),
    ("You people are useless, absolutely useless.", "angry"),
    ("No thanks, all good.", "positive"),
])
def test_calm_complaints_are_not_anger(scorer, text: str, label: str) -> None:
    assert scorer.score_text(text, "en").label == label


def test_labelled_call_timing() -> None:
    call = {"id": "t-2", "language": "en", "violations": [], "turns": [
        {"role": "agent", "text": "one two three four five six"},
        {"role": "customer", "text": "seven eight", "emotion": "neutral"},
        {"role": "agent", "text": "nine ten", "pause_before_s": 25.0},
        {"role": "customer", "text": "eleven", "emotion": "neutral"},
        {"role": "agent", "text": "twelve", "overlaps_previous": True}]}
    doc = to_document(call)
    assert doc.turns[2].start - doc.turns[1].end >= 25.0
    assert doc.turns[4].start < doc.turns[3].end           # the overlap is a real overlap
    assert [w.word for w in doc.turns[0].words] == "one two three four five six".split()


@pytest.mark.parametrize(("split", "min_f1", "clean_flagged"), [("dev", 0.75, 0.05),
                                                               ("dev2", DEV2_MIN_F1, DEV2_CLEAN)])
def test_blind_dev_sets(analyzer, book, split: str, min_f1: float, clean_flagged: float) -> None:
    """Written text of the dev sets (tuned and trained on): what they still get wrong is the
    floor. The frozen set is only scored by the bench."""
    calls = [json.loads(line) for line in (EVAL / split / "calls.jsonl").open(encoding="utf-8")]
    ids = [r.id for r in book.rules if r.kind != "alert"]
    s = score_calls(analyzer, calls, ids)
    assert s.calls == len(calls) >= 100
    assert s.min_f1 >= min_f1, s.summary()
    assert s.clean_flagged_rate <= clean_flagged, s.summary()
    assert s.angry_recall >= 0.9 and s.calm_not_angry_rate >= 0.95, s.summary()


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs espeak-ng (make apt)")
def test_rendered_eval_call_is_louder_when_angry(scorer) -> None:
    """synth.labelled renders a labelled call in unseen voices; the angry turn is raised."""
    from hotline.synth.labelled import call_audio, render_turns

    call = {"id": "t-3", "language": "en", "violations": [], "turns": [
        {"role": "customer", "text": "I have been waiting for the technician since Monday.",
         "emotion": "negative"},
        {"role": "customer", "text": "I have been waiting for the technician since Monday!",
         "emotion": "angry"},
        {"role": "customer", "text": "I have been waiting for the technician since Monday.",
         "emotion": "negative"}]}
    clips = render_turns(call)
    doc = to_document(call, durations=[len(c) / 8000 for c in clips])
    audio = call_audio(call, doc)
    assert audio.samples.shape[0] == 1 and audio.duration >= doc.turns[-1].end
    calm1, loud, calm2 = scorer.turn_arousal(doc, audio)
    assert loud > max(calm1, calm2)


def test_verification_asks_and_passcode_texts_flag_nothing(analyzer) -> None:
    """Clean dev2 calls were flagged for these: an ask is no disclosure, a text is no blame."""
    ask = _call([GREETING, "Can you confirm the e-mail address registered to the account?", *CLOSING])
    assert "verification.missing" not in _rules(analyzer, ask)
    text = _call([GREETING, "You should have a text with a one-time passcode now; what does it say?",
                  *CLOSING])
    assert "language.forbidden" not in _rules(analyzer, text)
