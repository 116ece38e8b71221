"""Role assignment from what a call reveals: EN + ZH text turns, stereo channel maps."""

from __future__ import annotations

from hotline.diarization import assign_roles
from hotline.document import Turn


def _turns(*pairs: tuple[str, str]) -> list[Turn]:
    out, t = [], 0.0
    for speaker, text in pairs:
        out.append(Turn(speaker=speaker, role="unknown", start=t, end=t + 2.0, text=text))
        t += 2.5
    return out


def _roles(speakers) -> dict[str, str]:
    return {s.id: s.role for s in speakers}


def test_english_agent_first():
    turns = _turns(
        ("S0", "Thank you for calling Skyline Mobile, my name is Hannah. How can I help you today?"),
        ("S1", "Hi, my internet keeps dropping every evening."),
        ("S0", "I'm sorry to hear that. Could I have your account number for security?"),
        ("S1", "Sure, it's 4 4 1 2."),
    )
    speakers = assign_roles(turns)
    assert _roles(speakers) == {"S0": "agent", "S1": "customer"}
    assert all(s.role_confidence >= 0.9 for s in speakers)
    assert [t.role for t in turns] == ["agent", "customer", "agent", "customer"]


def test_english_agent_speaks_second():
    # The customer's "hello?" comes first (e.g. the recording starts before the agent picks up).
    turns = _turns(
        ("S0", "Hello? Hello, is anyone there?"),
        ("S1", "Good morning, this is David speaking, how may I help you?"),
        ("S0", "I've been charged twice for my bill this month, this is ridiculous."),
        ("S1", "I apologise for the inconvenience. Let me check your account."),
    )
    speakers = assign_roles(turns)
    assert _roles(speakers) == {"S0": "customer", "S1": "agent"}
    assert next(s for s in speakers if s.id == "S1").role_confidence > 0.9


def test_mandarin_agent_first():
    turns = _turns(
        ("S1", "您好，欢迎致电天翼客服，我是工号1024，请问有什么可以帮您？"),
        ("S0", "我的手机最近一直没有信号，怎么回事？"),
        ("S1", "给您带来不便非常抱歉，请您提供一下机主的身份证号码，我帮您查询一下。"),
        ("S0", "好的。"),
    )
    speakers = assign_roles(turns)
    assert _roles(speakers) == {"S1": "agent", "S0": "customer"}
    assert all(s.role_confidence >= 0.9 for s in speakers)


def test_mandarin_agent_speaks_second():
    turns = _turns(
        ("S0", "喂，我要投诉，你们扣了我五十块钱，凭什么？"),
        ("S1", "先生您好，很高兴为您服务，请您稍等，我帮您查一下。"),
        ("S0", "你们的服务太差了。"),
        ("S1", "请问还有其他可以帮您的吗？感谢您的来电。"),
    )
    assert _roles(assign_roles(turns)) == {"S0": "customer", "S1": "agent"}


def test_stereo_channel_map_agreeing_with_the_text_is_confident():
    turns = _turns(("S0", "Thank you for calling, how can I help?"), ("S1", "Hi, my phone has no signal."))
    speakers = assign_roles(turns, channel_roles={"S0": "agent", "S1": "customer"})
    assert _roles(speakers) == {"S0": "agent", "S1": "customer"}
    assert all(s.role_confidence >= 0.95 for s in speakers)
    assert [s.channel for s in speakers] == [0, 1]
    assert "channel map agrees" in speakers[0].role_evidence
    assert "how can I help" in speakers[0].role_evidence


def test_stereo_roles_follow_the_evidence_against_the_channel_map():
    """The real failure: agent on the RIGHT channel asking how to help, map says left."""
    turns = _turns(("S0", "Hi, my phone has no signal."),
                   ("S1", "Thank you for calling, how can I help you?"),
                   ("S0", "My internet doesn't work."))
    speakers = assign_roles(turns, channel_roles={"S0": "agent", "S1": "customer"})
    assert _roles(speakers) == {"S0": "customer", "S1": "agent"}
    assert turns[0].role == "customer" and turns[1].role == "agent"
    agent = next(s for s in speakers if s.role == "agent")
    assert "followed the evidence" in agent.role_evidence
    # Overturning the map costs confidence: less than with the map agreeing.
    agreeing = assign_roles(turns, channel_roles={"S0": "customer", "S1": "agent"})
    assert 0.5 < agent.role_confidence < next(s.role_confidence for s in agreeing if s.id == "S1")


def test_stereo_channel_map_kept_without_evidence():
    turns = _turns(("S0", "Okay."), ("S1", "Right."))
    speakers = assign_roles(turns, channel_roles={"S0": "customer", "S1": "agent"})
    assert _roles(speakers) == {"S0": "customer", "S1": "agent"}
    assert all(s.role_confidence < 0.95 for s in speakers)


def test_single_speaker_without_cues_is_unknown():
    speakers = assign_roles(_turns(("S0", "And so my fellow Americans, ask not.")))
    assert speakers[0].role == "unknown" and speakers[0].role_confidence == 0.0


def test_single_speaker_with_agent_cues_is_agent():
    speakers = assign_roles(_turns(("S0", "Thank you for calling, how can I help you today?")))
    assert speakers[0].role == "agent" and speakers[0].role_confidence > 0.8


def test_weak_evidence_gives_lower_confidence():
    strong = assign_roles(_turns(("S0", "Thank you for calling, how can I help?"), ("S1", "Hi.")))
    weak = assign_roles(_turns(("S0", "Okay."), ("S1", "Right.")))
    assert _roles(weak) == {"S0": "agent", "S1": "customer"}   # speaking first: a weak hint
    assert weak[0].role_confidence < 0.75 < strong[0].role_confidence


def test_no_turns():
    assert assign_roles([]) == []


def test_roles_on_synthetic_scenarios_en_zh_even_without_the_greeting():
    """60 text-only synth calls (EN + ZH): right roles with the agent first, and with the
    first one or two turns cut (agent then speaks second / greeting lost)."""
    from hotline.synth.scenarios import build_scenarios

    scenarios = build_scenarios(seed=3, n=60, languages=("en", "zh"))
    assert {s["language"] for s in scenarios} == {"en", "zh"}
    for drop in (0, 1, 2):
        for sc in scenarios:
            ref = sc["turns"][drop:]
            turns = [Turn(speaker=t["speaker"], role="unknown", start=t["start"], end=t["end"],
                          text=t["text"]) for t in ref]
            truth = {t["speaker"]: t["role"] for t in ref}
            assert _roles(assign_roles(turns)) == truth, (sc["name"], drop)
