"""Rulebook loading (errors with file:line) and every condition type on hand-written calls."""

from __future__ import annotations

import textwrap

import pytest

from hotline.analytics.rulebook import load_rulebook, parse_rulebook
from hotline.errors import ConfigError

GOOD_GREETING = "Thank you for calling Skyline Mobile, my name is Emma. How can I help?"
CLOSING = [("agent", 40.0, 43.0, "Is there anything else I can help you with today?"),
           ("customer", 43.5, 44.5, "No, that's all."),
           ("agent", 45.0, 48.0, "Thank you for calling Skyline Mobile. Have a nice day, goodbye!")]


def closing_at(t: float) -> list[tuple]:
    """The standard closing, starting at t seconds."""
    return [(r, s - 40.0 + t, e - 40.0 + t, text) for r, s, e, text in CLOSING]


def rules_of(book, doc):
    return sorted({v.rule for v in book.check(doc)})


def book_from(tmp_path, body: str):
    path = tmp_path / "book.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return load_rulebook(path)


# --- loading errors ----------------------------------------------------------------------------
@pytest.mark.parametrize("body, line, words", [
    ("rules:\n  - id: a\n    forbid: {keyword: [x]\n", 4, "invalid YAML"),
    ("rules:\n  - id: a\n    forbid:\n      keywrd: [x]\n", 4, "unknown condition 'keywrd'"),
    ("rules:\n  - id: a\n    forbid:\n      window: {last: '10 percent'}\n", 4, "percentage"),
    ("rules:\n  - id: a\n    forbid: {role: boss}\n", 3, "role must be"),
    ("rules:\n  - id: a\n    forbid: {role: agent}\n  - id: a\n    forbid: {role: agent}\n", 4,
     "duplicate rule id"),
    ("rules:\n  - id: a\n    severity: huge\n    forbid: {role: agent}\n", 3, "severity"),
    ("rules:\n  - id: a\n    count: {role: agent}\n", 2, "count needs 'min'"),
    ("rules:\n  - id: a\n    forbid: {regex: '(unclosed'}\n", 3, "bad regex"),
    ("rules:\n  - id: a\n    require: {keyword: '@nope'}\n", 3, "unknown phrase set"),
    ("rules:\n  - id: a\n    after: {emotion: furious}\n    expect: {role: agent}\n", 3,
     "emotion label"),
    ("rules:\n  - id: a\n    forbid: {role: agent}\n    forbid: {role: customer}\n", 4,
     "duplicate key"),
    ("rules: []\n", 1, "non-empty 'rules'"),
    ("rules:\n  - id: a\n    forbid: {silence_before: '${NOPE}'}\n", 3, "unknown setting"),
])
def test_malformed_rulebook_names_file_line_and_problem(tmp_path, body, line, words):
    path = tmp_path / "broken.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rulebook(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:{line}:"), msg
    assert words in msg


def test_missing_rulebook_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read rulebook"):
        load_rulebook(tmp_path / "nope.yaml")


def test_default_rulebook_has_the_contract_rule_ids(book):
    ids = {r.id for r in book.rules}
    assert {"greeting.missing", "closing.missing", "verification.missing", "empathy.missing",
            "language.forbidden", "hold.no_notice", "interruption.excessive"} <= ids
    from hotline import defaults

    rules = {r.id: r for r in book.rules}
    assert rules["greeting.missing"].conds[0].window_end == defaults.GREETING_WINDOW_S
    assert rules["interruption.excessive"].min_count == defaults.OVERTALK_LIMIT
    fresh = load_rulebook()
    assert fresh.uses_semantic and fresh.embedder is not None
    assert not fresh.embedder.loaded  # lazy: nothing loaded until a semantic condition runs


def test_rulebook_without_semantic_conditions_has_no_embedder():
    book = parse_rulebook("rules:\n  - id: a\n    forbid: {keyword: [x]}\n")
    assert book.embedder is None


# --- the default rulebook on hand-written calls ------------------------------------------------
def test_clean_english_call_has_no_violations(book, call):
    doc = call([("agent", 0.4, 4.0, GOOD_GREETING),
                ("customer", 4.5, 7.0, "My internet is slow since yesterday."),
                ("agent", 7.5, 12.0, "Could I have your full name and date of birth to verify your identity?"),
                ("customer", 12.5, 15.0, "John Smith, fifth of May 1980."),
                ("agent", 15.5, 20.0, "Thank you, I have upgraded your plan to the 5G Plus plan."),
                *closing_at(21)])
    assert rules_of(book, doc) == []


def test_greeting_window_and_parts(book, call):
    late = call([("customer", 0.5, 16.0, "Hello? Hello?"), ("agent", 16.5, 20.0, GOOD_GREETING),
                 *closing_at(21)])
    bare = call([("agent", 0.4, 2.0, "Hello, how can I help?"), *closing_at(3)])
    no_name = call([("agent", 0.4, 2.0, "Thank you for calling Skyline Mobile."), *closing_at(3)])
    assert rules_of(book, late) == ["greeting.missing"]
    assert rules_of(book, bare) == ["greeting.missing"]
    v = book.check(no_name)[0]
    assert v.rule == "greeting.missing" and v.turn == 0
    assert v.evidence.startswith("never said in 0-12 s: agent's own name; agent said:")
    assert (v.start, v.end) == (0.0, 11.5)  # the 15 s window, cut at the end of this short call


def test_mandarin_greeting_forbidden_and_closing(book, call):
    doc = call([("agent", 0.4, 4.0, "您好，欢迎致电天翼通信，我是105号客服小王，请问有什么可以帮您？"),
                ("customer", 4.5, 7.0, "我想问一下话费的问题。"),
                ("agent", 7.5, 10.0, "这个不归我管，你去找别的部门。"),
                ("agent", 11.0, 12.0, "请问还有其他可以帮您的吗？"),
                ("customer", 12.5, 13.0, "没有了。"),
                ("agent", 13.5, 16.0, "感谢您致电天翼通信，祝您生活愉快，再见！")], language="zh")
    found = book.check(doc)
    assert [v.rule for v in found] == ["language.forbidden"]
    assert found[0].turn == 2 and "不归我管" in found[0].evidence
    assert (found[0].start, found[0].end) == (7.5, 10.0)


def test_forbidden_phrase_survives_asr_mishearing(book, call):
    # tiny.en style errors: "department" heard as "depart meant"; exact keywords miss it.
    doc = call([("agent", 0.4, 4.0, GOOD_GREETING),
                ("agent", 5.0, 8.0, "Sorry, that's not my depart meant, call the other team."),
                *closing_at(9)])
    found = [v for v in book.check(doc) if v.rule == "language.forbidden"]
    assert len(found) == 1 and found[0].turn == 1


def test_forbidden_only_for_agents(book, call):
    doc = call([("agent", 0.4, 4.0, GOOD_GREETING),
                ("customer", 5.0, 8.0, "Don't tell me to calm down, it's not my department to fix your network!"),
                ("agent", 8.5, 10.0, "I'm so sorry about that."), *closing_at(11)])
    assert "language.forbidden" not in rules_of(book, doc)


def test_closing_uses_the_last_part_of_the_call(book, call):
    early = call([("agent", 0.4, 4.0, GOOD_GREETING),
                  ("agent", 5.0, 7.0, "Is there anything else I can help you with today?"),
                  ("customer", 8.0, 90.0, "Yes, let me tell you a long story about my bill."),
                  ("agent", 90.5, 92.0, "Thank you for calling, goodbye!")])
    assert rules_of(book, early) == ["closing.missing"]
    v = book.check(early)[0]
    assert '"anything else?"' in v.evidence and v.start == pytest.approx(92.5 - 30.0)


def test_empathy_anchor_within_two_agent_turns(book, scorer, call):
    turns = [("agent", 0.4, 4.0, GOOD_GREETING),
             ("customer", 4.5, 8.0, "This is ridiculous, it's the third time I call about this!"),
             ("agent", 8.5, 10.0, "Okay, let me look into that."),
             ("customer", 10.5, 11.0, "Fine."),
             ("agent", 11.5, 14.0, "I can see the base station is under maintenance."), *closing_at(17)]
    late = [*turns[:5], ("agent", 14.5, 16.0, "I'm really sorry about this."), *closing_at(17)]
    in_time = [*turns[:4], ("agent", 11.5, 14.0, "I do apologise, I understand completely."), *closing_at(17)]
    for spec, expected in ((turns, True), (late, True), (in_time, False)):
        doc = call(spec)
        scorer.score_call(doc)
        found = [v for v in book.check(doc) if v.rule == "empathy.missing"]
        assert bool(found) == expected, spec
    doc = call(turns)
    scorer.score_call(doc)
    v = next(v for v in book.check(doc) if v.rule == "empathy.missing")
    assert v.turn == 1 and "ridiculous" in v.evidence.lower()


def test_empathy_semantic_match_without_keywords(book, scorer, call):
    doc = call([("agent", 0.4, 4.0, GOOD_GREETING),
                ("customer", 4.5, 8.0, "This is unacceptable, I'm fed up with you people!"),
                ("agent", 8.5, 11.0, "That must have been really annoying for you, my apologies."),
                *closing_at(12)])
    scorer.score_call(doc)
    assert rules_of(book, doc) == []
    # paraphrase with no empathy keyword at all: only the MiniLM condition can see it
    from hotline.analytics.context import CallContext

    empathy = next(r for r in book.rules if r.id == "empathy.missing")
    from hotline.analytics.conditions import Keyword, Semantic

    parts = empathy.expect.parts[1].parts  # role, any(keyword, recognise, semantic)
    keyword = next(p for p in parts if isinstance(p, Keyword))
    semantic = next(p for p in parts if isinstance(p, Semantic))
    doc2 = call([("agent", 0.4, 3.0, "That is really annoying for you, I feel bad about it."),
                 ("agent", 3.5, 6.0, "Okay, let me look into that."),
                 ("agent", 6.5, 9.0, "Your bill is forty yuan this month.")])
    ctx = CallContext.from_document(doc2, book.embedder)
    assert keyword.test(ctx, 0) is None and semantic.test(ctx, 0) is not None
    assert semantic.test(ctx, 1) is None and semantic.test(ctx, 2) is None


def test_verification_before_account_change(book, call):
    bad = call([("agent", 0.4, 4.0, GOOD_GREETING),
                ("customer", 4.5, 7.0, "I want to upgrade my plan."),
                ("agent", 7.5, 10.0, "Sure. I have upgraded your line to the Unlimited 199 plan."),
                ("agent", 11.0, 14.0, "Could I have the six digit code to verify your identity?"),
                *closing_at(15)])
    v = [v for v in book.check(bad) if v.rule == "verification.missing"]
    assert len(v) == 1 and v[0].turn == 2 and v[0].severity == "critical"
    assert "upgraded" in v[0].evidence



def test_before_counts_the_expectation_earlier_in_the_anchor_turn(tmp_path, call):
    """'Verified, I've blocked it' is a check before the action; 'blocked, verify?' is not."""
    book = book_from(tmp_path, """
        rules:
          - id: check.first
            before: {role: agent, keyword: [blocked]}
            expect: {role: agent, keyword: [verified]}
            same_turn: {keyword: [verified]}
            within: {turns: all, role: agent}
        """)
    def hits(line: str) -> list[str]:
        return rules_of(book, call([("agent", 0.0, 3.0, "Hello."), ("agent", 4.0, 8.0, line)]))
    assert hits("Thanks, you're verified. I've blocked the card.") == []
    assert hits("You're verified, and I've blocked the card.") == []
    assert hits("I've blocked the card. You're verified.") == ["check.first"]
    assert hits("I've blocked the card, you're verified.") == ["check.first"]
    assert hits("Thanks. I've blocked the card.") == ["check.first"]
    assert hits("you're verified i've blocked the card") == []          # ASR: no punctuation
    assert hits("i've blocked the card you're verified") == ["check.first"]


def test_same_turn_only_with_before(tmp_path):
    with pytest.raises(ConfigError, match="'same_turn' only goes with 'before'"):
        book_from(tmp_path, """
            rules:
              - id: x
                after: {keyword: [a]}
                expect: {keyword: [b]}
                same_turn: {keyword: [b]}
            """)


@pytest.mark.parametrize(("line", "flagged"), [
    ("Thanks, the date of birth and postcode match. I've blocked the SIM card.", False),
    ("Okay, you've been authenticated. I've blocked the SIM card.", False),
    ("thank you that's all verified i've blocked the sim card", False),
    ("好的，信息核对无误。已经帮您把这张卡停机了。", False),
    # an earlier clause that is no identity check does not make the action checked
    ("Thanks for waiting. I've blocked the SIM card.", True),
    ("Sorry about the delay, I've blocked the SIM card.", True),
    ("I've reset your password, your account is on file with us.", True),
    ("好的，让您久等了。已经帮您把这张卡停机了。", True),
])
def test_identity_check_earlier_in_the_action_turn(book, call, line, flagged):
    lang = "zh" if "卡" in line else "en"
    greet = GOOD_GREETING if lang == "en" else "您好，欢迎致电云途电信，我是小王，请问有什么可以帮您？"
    ask = "I lost my phone, please block the card." if lang == "en" else "我手机丢了，帮我停机。"
    doc = call([("agent", 0.4, 4.0, greet), ("customer", 4.5, 8.0, ask),
                ("agent", 8.5, 13.0, line), *closing_at(14)], language=lang)
    assert ("verification.missing" in rules_of(book, doc)) == flagged


@pytest.mark.parametrize("line", [
    "Good morning, you're speaking with Priya.",                 # a name, no company
    "Hiya, you're through to Kirsty, what's the problem?",
    "Thanks for calling Vantel, you're speaking with customer care, how can I help you?",
    "Hi there, Brightline Broadband here, what can I help with?",  # a brand, no name
    "您好，瑞达通信很高兴为您服务。",
    "您好，我是蒋文，请问您家的宽带怎么了？",                      # "家的宽带" is no brand
])
def test_half_greetings_are_missing_greetings(book, call, line):
    lang = "zh" if "您" in line else "en"
    doc = call([("agent", 0.4, 4.0, line), ("customer", 4.5, 6.0, "Hi." if lang == "en" else "你好。"),
                *closing_at(40)], language=lang)
    assert "greeting.missing" in rules_of(book, doc)


@pytest.mark.parametrize("line", ["No need to go to a store, I can do it over the phone.",
                                  "You don't need to read the terms, I'll explain them.",
                                  "Not a problem, I'll log it under my name and follow it up."])
def test_deflection_words_said_harmlessly(book, call, line):
    doc = call([("agent", 0.4, 4.0, GOOD_GREETING), ("customer", 4.5, 6.0, "Can you help?"),
                ("agent", 6.5, 9.0, line), *closing_at(10)])
    assert "language.forbidden" not in rules_of(book, doc)


def test_hold_needs_a_notice_before_long_silence(book, call):
    silent = call([("agent", 0.4, 4.0, GOOD_GREETING),
                   ("customer", 4.5, 7.0, "Why is my bill so high?"),
                   ("agent", 7.5, 9.0, "Let me see."),
                   ("agent", 33.0, 35.0, "Right, it is the roaming charge."), *[
                       (r, s + 10, e + 10, t) for r, s, e, t in CLOSING]])
    noticed = call([("agent", 0.4, 4.0, GOOD_GREETING),
                    ("customer", 4.5, 7.0, "Why is my bill so high?"),
                    ("agent", 7.5, 9.0, "Could you please hold for a moment?"),
                    ("customer", 9.2, 9.6, "Sure."),
                    ("agent", 33.0, 35.0, "Thank you for holding."), *[
                        (r, s + 10, e + 10, t) for r, s, e, t in CLOSING]])
    v = [v for v in book.check(silent) if v.rule == "hold.no_notice"]
    assert len(v) == 1 and v[0].turn == 3 and v[0].start == pytest.approx(9.0)
    assert "hold.no_notice" not in rules_of(book, noticed)


def test_hold_inside_one_diarized_turn_is_seen(book, call):
    from hotline.document import Word

    doc = call([("agent", 0.4, 4.0, GOOD_GREETING), ("agent", 5.0, 33.0, "Okay. Right, found it."),
                *[(r, s + 10, e + 10, t) for r, s, e, t in CLOSING]])
    doc.turns[1].words = [Word("Okay.", 5.0, 5.5), Word("Right,", 31.0, 31.5),
                          Word("found", 31.6, 32.2), Word("it.", 32.3, 33.0)]
    v = [v for v in book.check(doc) if v.rule == "hold.no_notice"]
    assert len(v) == 1 and v[0].turn == 1 and v[0].start == pytest.approx(5.5)


def test_interruptions_counted_from_overlaps(book, call):
    turns = [("agent", 0.4, 4.0, GOOD_GREETING)]
    t = 5.0
    for _k in range(3):
        turns += [("customer", t, t + 3.0, "So the thing is my phone keeps dropping calls."),
                  ("agent", t + 2.4, t + 4.0, "Yes yes, okay.")]
        t += 5.0
    two = call([*turns[:5], *closing_at(20)])
    three = call([*turns, *closing_at(20)])
    assert "interruption.excessive" not in rules_of(book, two)
    v = [v for v in book.check(three) if v.rule == "interruption.excessive"]
    assert len(v) == 1 and v[0].turn == 6 and "3 times" in v[0].evidence


# --- condition types with small custom rulebooks -------------------------------------------------
def test_relative_window_last_ten_percent_and_negation(tmp_path, call):
    book = book_from(tmp_path, """
        rules:
          - id: closing.short
            require:
              role: agent
              window: {last: "10%"}
              keyword: [goodbye]
          - id: no.goodbye.early
            forbid:
              all:
                - keyword: [goodbye]
                - not: {window: {last: "10%"}}
        """)
    ok = call([("agent", 0.0, 5.0, "Hello."), ("agent", 95.0, 99.0, "Goodbye.")], duration=100.0)
    early = call([("agent", 0.0, 5.0, "Hello."), ("agent", 50.0, 52.0, "Goodbye."),
                  ("agent", 95.0, 99.0, "Anything else?")], duration=100.0)
    assert rules_of(book, ok) == []
    assert rules_of(book, early) == ["closing.short", "no.goodbye.early"]


def test_absolute_window_regex_and_or_not(tmp_path, call):
    book = book_from(tmp_path, r"""
        rules:
          - id: mention.price.early
            forbid:
              role: agent
              window: {start: 10, end: 30}
              any:
                - regex: '\b\d+ (yuan|dollars)\b'
                - keyword: {zh: ["元"]}
              not: {keyword: [discount]}
        """)
    doc = call([("agent", 1.0, 3.0, "It is 30 yuan."), ("agent", 12.0, 14.0, "It is 40 yuan."),
                ("agent", 15.0, 17.0, "It is 20 yuan with the discount."),
                ("agent", 40.0, 41.0, "It is 50 yuan.")])
    found = book.check(doc)
    assert [v.turn for v in found] == [1] and "40 yuan" in found[0].evidence


def test_acoustic_and_emotion_conditions(tmp_path, scorer, call):
    book = book_from(tmp_path, """
        rules:
          - id: agent.too.fast
            forbid: {role: agent, speech_rate: {gt: 220}}
          - id: long.silence
            forbid: {silence_before: 8}
          - id: angry.customer
            forbid: {role: customer, emotion: {label: angry, min_score: 0.5}}
          - id: any.overtalk
            count: {overtalk: true}
            min: 1
        """)
    doc = call([("agent", 0.0, 2.0, "one two three four five six seven eight nine ten"),  # 300 wpm
                ("customer", 2.5, 6.0, "This is absolutely ridiculous, I'm fed up!"),
                ("agent", 15.0, 19.0, "Okay, I see."),
                ("customer", 18.5, 20.0, "Yes.")])
    scorer.score_call(doc)
    got = {(v.rule, v.turn) for v in book.check(doc)}
    assert got == {("agent.too.fast", 0), ("angry.customer", 1), ("long.silence", 2),
                   ("any.overtalk", 3)}


def test_after_within_seconds(tmp_path, call):
    book = book_from(tmp_path, """
        rules:
          - id: answer.fast
            after: {role: customer, keyword: [hello]}
            expect: {role: agent}
            within: {seconds: 5}
        """)
    slow = call([("customer", 0.0, 1.0, "Hello?"), ("agent", 8.0, 9.0, "Yes?")])
    fast = call([("customer", 0.0, 1.0, "Hello?"), ("agent", 3.0, 4.0, "Yes?")])
    assert rules_of(book, slow) == ["answer.fast"]
    assert rules_of(book, fast) == []


def test_call_analyzer_load_uses_settings_rulebook(tmp_path, call):
    from hotline.analytics.analyzer import CallAnalyzer
    from hotline.settings import Settings

    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nrules:\n  - id: says.hello\n    forbid: {keyword: [hello]}\n",
                    encoding="utf-8")
    analyzer = CallAnalyzer.load(Settings(rulebook=str(path)))
    doc = analyzer.analyze(call([("agent", 0.0, 2.0, "Hello there."), ("customer", 2.5, 4.0, "Hi.")]))
    assert analyzer.rulebook.name == "mine" and [v.rule for v in doc.violations] == ["says.hello"]
    assert doc.turns[0].emotion is not None and doc.metrics["turns"] == 2
    assert doc.timings["analytics"] >= 0
