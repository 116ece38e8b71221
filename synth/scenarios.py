"""Text-only synthetic hotline calls with ground truth (no audio; instant, deterministic).

A call is built from a *kind*: "clean", a default rule id it must break ("greeting.missing", ...)
or a modifier ("angry", "negative", "pii", "hold.ok", "overtalk.minor"); kinds combine with "+"
("empathy.missing+pii"). Each turn records the script *acts* it performs (greeting, empathy,
verify_request, account_change, ...) so `synth.truth.expected_violations` can re-derive the
violations from acts and times, independently of how the call was planned.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from hotline.synth import content as C
from hotline.synth import pii

RULE_IDS = ("greeting.missing", "closing.missing", "verification.missing", "empathy.missing",
            "language.forbidden", "hold.no_notice", "interruption.excessive")
MODIFIERS = ("angry", "negative", "pii", "hold.ok", "overtalk.minor", "multi_intent")
KINDS = ("clean", *RULE_IDS, *MODIFIERS)
INTENT_IDS = tuple(C.INTENTS)
LANGUAGES = ("en", "zh")

HOLD_RANGE_S = (22.0, 28.0)      # hold silences, both with and without notice (rule: > 20 s)
GAP_RANGE_S = (0.3, 1.0)         # ordinary pauses between turns
OVERLAP_RANGE_S = (0.6, 1.2)     # how early an interrupting agent starts
LEAD_IN_S = 0.4
HOLD_REPORT_S = 10.0          # silences longer than this are listed in truth["holds"]
TAIL_S = 0.6
# Default mix when no kinds are asked for (weights).
DEFAULT_MIX = {"clean": 0.30, "angry": 0.08, "negative": 0.05, "pii": 0.10, "hold.ok": 0.05,
               "overtalk.minor": 0.04, "multi_intent": 0.06, **{r: 0.046 for r in RULE_IDS}}
# Agents A105-A107 break rules more often (so per-agent QA reports have something to show).
WEAK_AGENTS = (5, 6, 7)


@dataclass
class Plan:
    """What one call must contain."""

    lang: str
    intent: str
    mood: str = "calm"                   # calm | negative | angry
    rules: set[str] = field(default_factory=set)
    pii: bool = False
    hold: str | None = None              # None | "ok" | "silent"
    overtalk: int = 0
    kind: str = "clean"
    second_intent: str | None = None     # "multi_intent": a second request before closing


def estimate_duration(text: str, lang: str, rate: float = 1.0) -> float:
    """Seconds espeak-ng needs for `text` at the default voices (rate > 1 = faster)."""
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    words = len(re.findall(r"[A-Za-z]+|\d", text))
    pauses = len(re.findall(r"[,.!?;，。！？；、]", text))
    if lang == "zh":       # least-squares fit to espeak-ng cmn at the render voices
        secs = 0.242 * cjk + 0.18 * words + 0.074 * pauses + 0.07
    else:                  # fit to en-us / en-gb at the render voices
        secs = 0.326 * words + 0.395 * pauses - 0.68
    return round(max(0.4, secs / rate), 2)


def parse_kind(kind: str) -> list[str]:
    parts = [p.strip() for p in kind.split("+") if p.strip()]
    bad = [p for p in parts if p not in KINDS]
    if bad or not parts:
        raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    return parts


def make_plan(kind: str, lang: str, intent: str, rng: random.Random) -> Plan:
    """Turn a kind string into a plan; constraints (e.g. verification needs a change) applied."""
    parts = parse_kind(kind)
    plan = Plan(lang=lang, intent=intent, kind=kind)
    plan.rules = {p for p in parts if p in RULE_IDS}
    plan.pii = "pii" in parts
    if "angry" in parts or "empathy.missing" in plan.rules:
        plan.mood = "angry"
    elif "negative" in parts:
        plan.mood = "negative"
    if "hold.no_notice" in plan.rules:
        plan.hold = "silent"
    elif "hold.ok" in parts:
        plan.hold = "ok"
    if "interruption.excessive" in plan.rules:
        plan.overtalk = rng.choice((3, 3, 4))
    elif "overtalk.minor" in parts:
        plan.overtalk = rng.choice((1, 2))
    if "verification.missing" in plan.rules and intent not in C.CHANGE_INTENTS:
        plan.intent = rng.choice(C.CHANGE_INTENTS)
    if "multi_intent" in parts:
        plan.second_intent = rng.choice([i for i in C.SECOND_INTENTS if i != plan.intent])
    return plan


class _Call:
    """Accumulates turns for one call."""

    def __init__(self, plan: Plan, rng: random.Random, people: dict[str, Any]):
        self.plan, self.rng, self.p = plan, rng, people
        self.turns: list[dict[str, Any]] = []
        self.pii: list[dict[str, Any]] = []
        self.ph = C.PHRASES[plan.lang]

    def say(self, role: str, parts: list[tuple[str, str | None]], emotion: str = "neutral",
            intent: str | None = None, gap: float | None = None) -> dict[str, Any]:
        """Add a turn from (text, act) pieces; empty pieces are skipped."""
        sep = "" if self.plan.lang == "zh" else " "
        texts = [t for t, _ in parts if t]
        turn = {"role": role, "speaker": "S0" if role == "agent" else "S1",
                "text": sep.join(texts), "emotion": emotion, "intent": intent,
                "acts": [a for t, a in parts if a and t],
                "gap": round(self.rng.uniform(*GAP_RANGE_S), 2) if gap is None else gap}
        self.turns.append(turn)
        return turn

    def fmt(self, text: str) -> str:
        return text.format(**self.p)

    def pick(self, key: str) -> str:
        return self.fmt(self.rng.choice(self.ph[key]))


def _people(plan: Plan, rng: random.Random, agent_idx: int) -> dict[str, Any]:
    lang = plan.lang
    first, last = rng.choice(C.CUSTOMER_NAMES[lang])
    if lang == "zh":                    # Chinese names are stored surname first
        first, last = last, first
    area, area_en, area_zh = rng.choice(C.AREAS)
    if lang == "zh":
        mail_first, mail_last = C.PINYIN[first], C.PINYIN[last]
    else:
        mail_first, mail_last = first, last
    return {
        "company": C.COMPANY[lang], "agent": C.AGENT_NAMES[lang][agent_idx],
        "agent_no": f"{101 + agent_idx}", "agent_id": f"A{101 + agent_idx}",
        "first": first, "last": last, "title": C.PHRASES[lang]["mr"],
        "area": area_en if lang == "en" else area_zh, "area_key": area,
        "area_say": area_en if lang == "en" else area_zh,
        "plan": rng.choice(C.PLANS[lang]), "amount": rng.choice((15, 28, 39, 45, 68, 99, 120)),
        "mail_first": mail_first, "mail_last": mail_last,
    }


def _verify_reply(call: _Call) -> None:
    """Customer gives name + code, or (PII calls) mobile / ID / e-mail."""
    plan, p, rng = call.plan, call.p, call.rng
    code = "".join(str(rng.randint(0, 9)) for _ in range(6))
    emo = "neutral"          # giving one's name is neutral, whatever the mood
    if not plan.pii:
        if plan.lang == "zh":
            text = f"我叫{p['last']}{p['first']}，验证码是{pii.spoken(code, 'zh', 6)}。"
        else:
            text = f"Sure, it's {p['first']} {p['last']}, and the code is {' '.join(code)}."
        call.say("customer", [(text, "verify_reply")], emotion=emo)
        return
    phone = pii.mobile(rng)
    idn = pii.id_number(rng, C.AREA_CODES[p["area_key"]])
    mail = pii.email(p["mail_first"], p["mail_last"], rng)
    phone_say = pii.spoken(phone, plan.lang, 4) if rng.random() < 0.5 else pii.grouped(phone, (3, 4, 4))
    items = [("phone_number", phone, phone_say), ("id_number", idn, idn)]
    if rng.random() < 0.5:
        items.append(("email", mail, mail))
    if plan.lang == "zh":
        labels = {"phone_number": "手机号是", "id_number": "身份证号是", "email": "邮箱是"}
        text = f"我叫{p['last']}{p['first']}，" + "，".join(labels[t] + s for t, _, s in items) + "。"
    else:
        labels = {"phone_number": "my mobile number is ", "id_number": "my ID number is ",
                  "email": "my email is "}
        text = f"It's {p['first']} {p['last']}, " + ", ".join(labels[t] + s for t, _, s in items) + "."
    turn = call.say("customer", [(text, "verify_reply")], emotion=emo)
    idx = call.turns.index(turn)
    for typ, value, said in items:
        call.pii.append({"type": typ, "turn": idx, "value": value, "text": said})


def _payment(call: _Call) -> None:
    """Agent takes a card payment: card as digits / spoken / split over two turns, then CVV."""
    ph, rng, lang = call.ph, call.rng, call.plan.lang
    card = pii.card_number(rng)
    form = rng.choice(("digits", "spoken", "split"))
    call.say("agent", [(ph["ask_card"], "payment_request")])
    say = (lambda d, g=4: pii.spoken(d, lang, g)) if rng.random() < 0.5 else (
        lambda d, g=4: pii.grouped(d))
    lead = "是" if lang == "zh" else "It's "
    if form == "split":
        a, b = card[:8], card[8:]
        t1 = call.say("customer", [(f"{lead}{say(a)}", "card")])
        call.say("agent", [(ph["go_on"], None)])
        t2 = call.say("customer", [(say(b) + ("。" if lang == "zh" else "."), "card")])
        for t, part in ((t1, a), (t2, b)):
            call.pii.append({"type": "card_number", "turn": call.turns.index(t), "value": card,
                             "part": part, "text": say(part), "form": "split"})
    else:
        said = pii.spoken(card, lang) if form == "spoken" else pii.grouped(card)
        end = "。" if lang == "zh" else "."
        t = call.say("customer", [(f"{lead}{said}{end}", "card")])
        call.pii.append({"type": "card_number", "turn": call.turns.index(t), "value": card,
                         "text": said, "form": form})
    code = pii.cvv(rng)
    call.say("agent", [(ph["ask_cvv"], "cvv_request")])
    code_say = pii.spoken(code, lang, 3) if rng.random() < 0.5 else code
    t = call.say("customer", [(f"{lead}{code_say}" + ("。" if lang == "zh" else "."), "cvv")])
    call.pii.append({"type": "cvv", "turn": call.turns.index(t), "value": code, "text": code_say})
    call.say("agent", [(ph["paid"], None)])


def _second_request(call: _Call, ok: str, emotion: str) -> None:
    """"One more thing": a second, non-problem request in the acknowledging turn."""
    plan, ph, lang = call.plan, call.ph, call.plan.lang
    info = C.INTENTS[plan.second_intent][lang]
    sep = "" if lang == "zh" else " "
    text = ok + sep + ph["one_more"] + sep + call.fmt(call.rng.choice(info["open"]))
    call.say("customer", [(text, "opening")], emotion=emotion, intent=plan.second_intent)
    act = "account_change" if plan.second_intent in C.CHANGE_INTENTS else "resolve"
    call.say("agent", [(call.fmt(info["explain"]), "explain"), (call.fmt(info["resolve"]), act)])


def _script(call: _Call) -> None:
    """The call, turn by turn; each rule in plan.rules removes or adds exactly its own act.
    The phases run in order and draw from the call's one RNG, so a seed gives the same call."""
    info = dict(C.INTENTS[call.plan.intent][call.plan.lang])
    complaint = _greeting_and_opening(call, info)
    _verification_and_answer(call, info, complaint)
    _resolution(call, info)
    _closing(call)


def _greeting_and_opening(call: _Call, info: dict[str, Any]) -> bool:
    """1. greeting, 2. the customer's opening (mood first); True when it is a complaint."""
    plan, ph, rng = call.plan, call.ph, call.rng
    if "greeting.missing" in plan.rules:
        call.say("agent", [(ph["greet_bare"], None)], gap=0.0)
    else:
        call.say("agent", [(call.fmt(ph["greet"]), "greeting")], gap=0.0)
    opening = call.fmt(rng.choice(info["open"]))
    mood_text, emo, acts = "", "neutral", "opening"
    if plan.mood == "angry":
        mood_text, emo = call.pick("angry_open"), "angry"
    elif plan.mood == "negative":
        mood_text, emo = call.pick("negative_open"), "negative"
    complaint = plan.mood == "angry" or plan.intent in C.COMPLAINT_INTENTS
    text = (mood_text + _sep(plan.lang) + opening) if mood_text else opening
    turn = call.say("customer", [(text, acts)], emotion=emo, intent=plan.intent)
    if complaint:
        turn["acts"].append("complaint")
    return complaint


def _sep(lang: str) -> str:
    return "" if lang == "zh" else " "


def _first_reply(call: _Call, complaint: bool) -> list[tuple[str, str | None]]:
    """3. the agent's empathy or acknowledgement."""
    plan, ph = call.plan, call.ph
    if "empathy.missing" in plan.rules:
        return [(ph["ack_problem"], None)]
    if plan.mood != "calm" or complaint:
        return [(call.pick("empathy"), "empathy")]
    if plan.intent in C.PROBLEM_INTENTS:
        return [(ph["empathy_light"], "empathy")]
    return [(ph["ack"], None)]


def _verification_and_answer(call: _Call, info: dict[str, Any], complaint: bool) -> None:
    """3.–6. empathy + verification request, the customer identifies, the agent explains
    (verified / forbidden phrase / disclosure), the customer follows up."""
    plan, ph, rules = call.plan, call.ph, call.plan.rules
    first = _first_reply(call, complaint)
    verify = "verification.missing" not in rules
    parts: list[tuple[str, str | None]] = []
    if verify:
        call.say("agent", [*first, (ph["verify"], "verify_request")])
        _verify_reply(call)
        parts.append((call.fmt(ph["verified"]), "verified"))
    else:                  # no verification: the agent goes straight on in the same turn
        parts.extend(first)
    if "language.forbidden" in rules:
        parts.append((call.pick("forbidden"), "forbidden"))
    if not verify:
        parts.append((call.fmt(ph["disclose"]), "disclose"))
    parts.append((call.fmt(info["explain"]), "explain"))
    call.say("agent", parts)
    follow = call.fmt(info["follow"])
    if plan.mood == "angry":
        call.say("customer", [(call.pick("angry_mid") + _sep(plan.lang) + follow, "complaint")],
                 emotion="angry")
    else:
        call.say("customer", [(follow, "follow")],
                 emotion="negative" if plan.mood == "negative" else "neutral")


def _resolution(call: _Call, info: dict[str, Any]) -> None:
    """7. optional hold, then the resolution; 8. optional card payment; 9. acknowledgement."""
    plan, ph, rng = call.plan, call.ph, call.rng
    resolve_gap = None
    lead: list[tuple[str, str | None]] = []
    if plan.hold == "ok":
        call.say("agent", [(ph["hold_ask"], "hold_request")])
        call.say("customer", [(ph["hold_ok"], None)])
        resolve_gap = round(rng.uniform(*HOLD_RANGE_S), 2)
        lead.append((ph["hold_back"], None))
    elif plan.hold == "silent":
        resolve_gap = round(rng.uniform(*HOLD_RANGE_S), 2)
        lead.append((ph["hold_silent_back"], None))
    if "empathy.missing" not in plan.rules and (
            plan.mood != "calm" or plan.intent in C.COMPLAINT_INTENTS):
        lead.append((call.pick("empathy") if plan.mood == "angry" else ph["empathy_light"],
                     "empathy"))
    act = "account_change" if plan.intent in C.CHANGE_INTENTS else "resolve"
    call.say("agent", lead + [(call.fmt(info["resolve"]), act)], gap=resolve_gap)
    if plan.pii:
        _payment(call)
    ok = call.pick("ok_angry") if plan.mood == "angry" else call.pick("ok")
    emo = "neutral" if plan.mood != "calm" else "positive"
    if plan.second_intent:
        _second_request(call, ok, emo)
        ok = call.pick("ok")
    call.say("customer", [(ok, "ack")], emotion=emo)


def _closing(call: _Call) -> None:
    """10. closing (or its absence), the customer's goodbye."""
    ph = call.ph
    if "closing.missing" in call.plan.rules:
        call.say("agent", [(ph["closing_bare"], None)])
    else:
        call.say("agent", [(ph["anything_else"], "anything_else")])
        call.say("customer", [(call.pick("no_thanks"), None)])
        call.say("agent", [(call.fmt(ph["goodbye"]), "thanks_close")], emotion="positive")
    call.say("customer", [(ph["bye"], None)])


def _apply_overtalk(call: _Call) -> None:
    """Make `plan.overtalk` agent turns start before the preceding customer turn ends."""
    turns, rng = call.turns, call.rng
    slots = [i for i in range(1, len(turns))
             if turns[i]["role"] == "agent" and turns[i - 1]["role"] == "customer"
             and turns[i]["gap"] < HOLD_RANGE_S[0] and _est(turns[i - 1], call.plan) >= 0.7]
    if len(slots) < 3 and "interruption.excessive" in call.plan.rules:
        raise RuntimeError(f"only {len(slots)} places to interrupt in {call.plan}")
    chosen = sorted(rng.sample(slots, min(call.plan.overtalk, len(slots))))
    for i in chosen:
        prev = _est(turns[i - 1], call.plan)
        turns[i]["gap"] = -round(min(rng.uniform(*OVERLAP_RANGE_S), 0.45 * prev), 2)
        turns[i]["acts"].append("interrupt")


def _est(turn: dict[str, Any], plan: Plan) -> float:
    return estimate_duration(turn["text"], plan.lang, _rate(turn, plan))


def _rate(turn: dict[str, Any], plan: Plan) -> float:
    """Relative speaking rate used by the renderer (angry customers speak faster)."""
    if turn["role"] == "customer" and turn["emotion"] == "angry":
        return 1.15
    return 1.0 if turn["role"] == "agent" else 1.05


def layout(turns: list[dict[str, Any]], durations: list[float], lead_in: float = LEAD_IN_S
           ) -> None:
    """Set start/end from durations and each turn's gap (negative gap = overlap)."""
    t_end = lead_in
    for i, (turn, dur) in enumerate(zip(turns, durations, strict=True)):
        if i == 0:
            start = lead_in
        elif turn["gap"] < 0:
            prev = turns[i - 1]
            overlap = min(-turn["gap"], 0.45 * (prev["end"] - prev["start"]))
            start = prev["end"] - overlap
        else:
            start = t_end + turn["gap"]
        turn["start"], turn["end"] = round(start, 3), round(start + dur, 3)
        t_end = max(t_end, turn["end"])


def derive(truth: dict[str, Any]) -> None:
    """Fill duration, holds and overlaps from the turn times (used after layout and render)."""
    turns = truth["turns"]
    truth["duration"] = round(max(t["end"] for t in turns) + TAIL_S, 3)
    holds, t_end, last_agent = [], 0.0, None
    for turn in turns:
        if turn["start"] - t_end > HOLD_REPORT_S:
            holds.append({"start": round(t_end, 3), "end": turn["start"],
                          "notice": bool(last_agent and "hold_request" in last_agent["acts"])})
        t_end = max(t_end, turn["end"])
        if turn["role"] == "agent":
            last_agent = turn
    truth["holds"] = holds
    truth["overlaps"] = [
        {"turn": i, "over_turn": i - 1, "start": t["start"], "end": min(t["end"], turns[i - 1]["end"])}
        for i, t in enumerate(turns)
        if i and t["role"] == "agent" and turns[i - 1]["role"] == "customer"
        and t["start"] < turns[i - 1]["end"]]


def _metadata(rng: random.Random, people: dict[str, Any], plan: Plan,
              repeat_pool: list[str]) -> dict[str, Any]:
    day = dt.date(2026, 11, 1) + dt.timedelta(days=rng.randint(0, 20))
    if plan.mood == "angry" and rng.random() < 0.6:
        number = rng.choice(repeat_pool)        # "third time I call": a repeat caller
    else:
        number = pii.mobile(rng)
    return {"date": day.isoformat(), "agent_id": people["agent_id"], "agent_name": people["agent"],
            "caller_number": number, "area": people["area_key"],
            "customer_name": f"{people['first']} {people['last']}" if plan.lang == "en"
            else f"{people['last']}{people['first']}"}


def build_call(kind: str, lang: str, intent: str, seed: int, index: int,
               name: str | None = None) -> dict[str, Any]:
    """One text-only call with ground truth; the same arguments always give the same call."""
    rng = random.Random(f"hotline-synth:{seed}:{index}:{lang}:{kind}:{intent}")
    plan = make_plan(kind, lang, intent, rng)
    parts = parse_kind(kind)
    if plan.mood == "calm" and not (set(parts) & {"angry", "negative"}) and parts != ["clean"]:
        plan.mood = rng.choices(("calm", "negative"), (0.8, 0.2))[0]
    weak = bool(plan.rules) and rng.random() < 0.7
    agent_idx = rng.choice(WEAK_AGENTS) if weak else rng.randint(0, 7)
    people = _people(plan, rng, agent_idx)
    call = _Call(plan, rng, people)
    _script(call)
    if plan.overtalk:
        _apply_overtalk(call)
    layout(call.turns, [_est(t, plan) for t in call.turns])
    repeat_pool = [pii.mobile(random.Random(f"repeat:{seed}:{k}")) for k in range(5)]
    slug = parts[0] if parts[0] != "clean" or len(parts) == 1 else parts[1]
    truth: dict[str, Any] = {
        "name": name or f"{lang}_{slug.replace('.', '-')}_{index:03d}",
        "audio": None, "language": lang, "sample_rate": 8000, "channels": 1,
        "agent_channel": None, "duration": 0.0,
        "metadata": _metadata(rng, people, plan, repeat_pool),
        "turns": call.turns,
        "violations": sorted(plan.rules),
        "intents": [plan.intent] + ([plan.second_intent] if plan.second_intent else []),
        "customer_emotion": {"calm": "neutral", "negative": "negative", "angry": "angry"}[plan.mood],
        "tags": sorted({p for p in parts if p != "clean"} | ({plan.mood} - {"calm"})
                       | ({"pii"} if call.pii else set())
                       | ({"hold"} if plan.hold else set())),
        "kind": kind, "pii": call.pii, "rendered": False,
        "company": people["company"], "agent_name": people["agent"], "seed": seed,
    }
    derive(truth)
    return truth


def _default_kind(rng: random.Random) -> str:
    kinds, weights = zip(*DEFAULT_MIX.items(), strict=True)
    kind = rng.choices(kinds, weights)[0]
    extra = []
    if kind != "pii" and rng.random() < 0.2:
        extra.append("pii")
    if kind in RULE_IDS and kind != "empathy.missing" and rng.random() < 0.25:
        extra.append(rng.choice(("angry", "negative")))
    return "+".join([kind, *extra])


def build_scenarios(seed: int = 0, n: int | None = None,
                    languages: tuple[str, ...] | list[str] = LANGUAGES,
                    kinds: list[str] | tuple[str, ...] | None = None,
                    intents: list[str] | tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Text-only calls with ground truth, deterministic by seed.

    kinds=None: a realistic mix of `n` calls (default 20) alternating languages.
    kinds given: every kind in every language (n=None), or cycle through them up to `n` calls.
    Intents cycle through a seed-shuffled list of all 25 (or `intents`), so n >= 50 covers all.
    """
    langs = list(languages)
    for lang in langs:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; known: {LANGUAGES}")
    pool = list(intents or INTENT_IDS)
    for it in pool:
        if it not in C.INTENTS:
            raise ValueError(f"unknown intent {it!r}")
    rng = random.Random(f"hotline-synth-set:{seed}")
    rng.shuffle(pool)
    if kinds is not None:
        for k in kinds:
            parse_kind(k)
        combos = [(k, lang) for k in kinds for lang in langs]
        count = len(combos) if n is None else n
        plan = [combos[i % len(combos)] for i in range(count)]
    else:
        count = 20 if n is None else n
        plan = [(_default_kind(rng), langs[i % len(langs)]) for i in range(count)]
    return [build_call(kind, lang, pool[(i // len(langs)) % len(pool)], seed, i + 1)
            for i, (kind, lang) in enumerate(plan)]


def labelled_set(seed: int = 0, languages: tuple[str, ...] = LANGUAGES) -> list[dict[str, Any]]:
    """Every kind (clean, each rule id, each modifier) once per language."""
    return build_scenarios(seed=seed, languages=languages, kinds=list(KINDS))
