"""Agent vs customer: channel map for stereo; what the call reveals for mono.

Each speaker collects evidence from phrases only one side of a hotline call says (EN + ZH):
the agent greets with the company ("thank you for calling", 欢迎致电), names themself
("my name is … speaking", 工号), offers help ("how can I help", 请问有什么可以帮您), asks for
verification ("can I have your account number", 请提供您的身份证), apologises and checks
("let me check", 给您带来不便); the customer complains, asks for fixes, states their own
problem ("my internet", 我的手机). Speaking first is weak evidence for the agent (inbound calls).
The evidence difference between the two speakers becomes a logistic confidence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from hotline import defaults
from hotline.document import Speaker, Turn

# (pattern, weight). Weights are log-odds-ish: 3 = near certain, 1 = a hint.
AGENT_CUES: list[tuple[str, float]] = [
    (r"thank(s| you) for (calling|contacting|choosing|holding|waiting|your patience)", 3.0),
    (r"welcome to\b", 2.5),
    (r"\b(this is|my name is|i am|i'm)\s+\w+\s*(speaking|from|with|at)\b", 2.5),
    (r"\bspeaking\b.{0,20}\bhow (can|may) i\b", 2.0),
    (r"\bhow (can|may|might) i (help|assist)", 3.0),
    (r"\bwhat can i do for you\b", 2.5),
    (r"\b(is there )?anything else (i can|that i can|i could)", 2.5),
    (r"\bhave a (great|good|nice|lovely) (day|evening|afternoon|weekend)\b", 1.0),
    (r"(can|could|may) i (have|get|take|confirm|verify) (your|the) (full )?(name|account|phone|mobile|number|date of birth|id|postcode|address|password|pin)", 3.0),
    (r"\b(for|to) (security|verification)( purposes| reasons)?\b", 2.5),
    (r"\b(verify|confirm) (your|the) (identity|account|details|number)", 2.5),
    (r"\bplease (hold|bear with me|stay on the line)", 2.0),
    (r"\blet me (check|look|see|pull|have a look|verify|transfer|escalate)", 2.0),
    (r"\b(i|i'll|i will) (check|look into|escalate|transfer you|raise a ticket|open a ticket)", 1.5),
    (r"\b(i('m| am)|we('re| are)) (so |very |really )?sorry (for|about|to hear)", 1.5),
    (r"\bi (apologi[sz]e|understand your frustration|understand how)", 2.0),
    (r"\bapologi[sz]e for the inconvenience\b", 2.0),
    (r"\b(our|the) (system|records) (shows?|indicates?)\b", 1.5),
    (r"\byour (account|bill|plan|package|contract|line|number) (shows|is|has|will)", 1.0),
    (r"\bi can (see|offer|help|arrange|apply|refund|credit|send)", 1.5),
    (r"\b(a|the) technician\b.{0,30}\b(will|can)\b", 1.0),
    (r"\b(sir|madam|ma'am)\b", 1.0),
    (r"\b(telecom|mobile|broadband|unicom|customer (service|care|support))\b.{0,12}\b(this is|speaking)", 1.5),
    # Mandarin
    (r"您好.{0,6}(欢迎致电|欢迎来电|很高兴为您服务)", 3.0),
    (r"欢迎(致电|来电)", 3.0),
    (r"(很高兴|竭诚)为您服务", 3.0),
    (r"(请问)?(有什么|什么)(可以|能)(帮|为)(您|你)", 3.0),
    (r"(我是|工号)\s*[0-9一二三四五六七八九零〇]+", 3.0),
    (r"工号", 2.0),
    (r"\d+号(客服|话务员)", 2.5),
    (r"请(您)?提供.{0,8}(身份证|手机号|号码|账号|密码|姓名|服务密码)", 3.0),
    (r"(核实|验证|确认)(一下)?(您的)?(身份|信息|号码|账户)", 2.5),
    (r"请(您)?稍等", 2.0),
    (r"(我|我们)(帮|为)您(查询|查一下|看一下|处理|办理|登记|反映|申请)", 2.5),
    (r"(给|为)您带来(的)?不便", 2.5),
    (r"(非常|十分)?抱歉", 1.0),
    (r"请问还有(其他|什么)", 2.5),
    (r"感谢(您的)?(来电|耐心|理解|支持)", 2.5),
    (r"祝您(生活愉快|愉快|一切顺利)", 2.0),
    (r"(先生|女士)", 1.0),
]

CUSTOMER_CUES: list[tuple[str, float]] = [
    (r"\bmy (internet|phone|bill|line|broadband|signal|data|account|sim|mobile|plan|number|router|contract|wifi|service|connection)\b", 1.5),
    (r"\bi('ve| have) been (charged|waiting|calling|trying|billed|on hold)", 2.0),
    (r"\b(this is|it's) (ridiculous|unacceptable|outrageous|a joke|terrible)\b", 2.5),
    (r"\b(i want|i'd like|i would like|i need) (a|my|to) (refund|cancel|speak|talk|complain|change|upgrade|downgrade|know|port|report)", 2.0),
    (r"\bi('m| am) (calling|ringing) (about|because|to)\b", 2.5),
    (r"\b(doesn't|does not|isn't|is not|won't|can't|cannot) (work|working|connect|load)", 1.5),
    (r"\bi (can't|cannot) (get|make|connect|use|access|log)", 1.5),
    (r"\b(keeps?|kept) (dropping|cutting|failing|disconnecting)", 1.5),
    (r"\bwhy (is|was|did|do|does|am|are|have|has)\b.{0,30}\b(my|i|me)\b", 1.5),
    (r"\b(your|this) (company|service) is\b", 2.0),
    (r"\b(supervisor|manager)\b", 1.0),
    (r"\bcan you (fix|help|tell|check|explain|cancel|refund)", 1.0),
    (r"\bmy (account )?number is\b", 1.0),
    (r"\b(hi|hello),? (i|i'm|my)\b", 1.0),
    (r"\bthanks?( you)?,? bye\b", 0.5),
    # Mandarin
    (r"我的(手机|网络|宽带|话费|号码|套餐|账户|信号|流量|卡)", 2.0),
    (r"(为什么|凭什么|怎么回事|怎么搞的)", 1.5),
    (r"(投诉|退钱|退款|退费|太过分|什么破|垃圾|气死)", 2.0),
    (r"我(想|要)(问|投诉|办理|取消|退|改|换|查|咨询|开通|注销)", 2.0),
    (r"(你们|你们的)(公司|服务|网络|信号)", 1.5),
    (r"(没有|没)信号|上不了网|打不(通|出去)|网(速)?(很|太)?慢", 1.5),
    (r"(多扣|乱扣|扣了我)", 2.0),
]

_AGENT = [(re.compile(p, re.IGNORECASE), w) for p, w in AGENT_CUES]
_CUSTOMER = [(re.compile(p, re.IGNORECASE), w) for p, w in CUSTOMER_CUES]
FIRST_SPEAKER_BONUS = 0.75      # inbound hotline: the agent usually answers first
CONFIDENCE_SCALE = 0.9          # logistic slope on the evidence difference
# The stereo channel map is a prior, worth this much evidence: the recording system's wiring is
# usually right, but one "how can I help" plus a greeting on the other channel outweighs it.
CHANNEL_PRIOR = defaults.STEREO_CHANNEL_PRIOR
OVERTURN_MAX_CONFIDENCE = 0.95  # at most this sure when the evidence overturns the channel map
MAX_QUOTES = 2                  # cues quoted per speaker in role_evidence


@dataclass
class Evidence:
    """One speaker's net agent evidence (positive = agent-like) and the phrases behind it."""

    score: float = 0.0
    agent_said: list[str] = field(default_factory=list)
    customer_said: list[str] = field(default_factory=list)
    spoke_first: bool = False

    def describe(self) -> str:
        parts = []
        if self.agent_said:
            parts.append("agent phrases: " + ", ".join(f"'{q}'" for q in self.agent_said[:MAX_QUOTES]))
        if self.customer_said:
            parts.append("customer phrases: " + ", ".join(
                f"'{q}'" for q in self.customer_said[:MAX_QUOTES]))
        if self.spoke_first:
            parts.append("spoke first")
        return "; ".join(parts) or "no role cues"


def cue_scores(text: str) -> tuple[float, float]:
    """(agent evidence, customer evidence) found in one text."""
    agent = sum(w for rx, w in _AGENT if rx.search(text))
    customer = sum(w for rx, w in _CUSTOMER if rx.search(text))
    return agent, customer


def _add_cues(ev: Evidence, text: str) -> None:
    for cues, sign, quotes in ((_AGENT, 1.0, ev.agent_said), (_CUSTOMER, -1.0, ev.customer_said)):
        for rx, weight in cues:
            match = rx.search(text)
            if match:
                ev.score += sign * weight
                quote = match.group(0).strip()
                if quote and quote not in quotes:
                    quotes.append(quote)


def speaker_evidence(turns: list[Turn], ids: list[str]) -> dict[str, Evidence]:
    """Net agent evidence per speaker, with the phrases that gave it."""
    evidence = {s: Evidence() for s in ids}
    for t in turns:
        _add_cues(evidence[t.speaker], t.text)
    first = next((t.speaker for t in sorted(turns, key=lambda t: t.start) if t.text.strip()), None)
    if first is not None and len(ids) > 1:
        evidence[first].score += FIRST_SPEAKER_BONUS
        evidence[first].spoke_first = True
    return evidence


def assign_roles(turns: list[Turn], channel_roles: dict[str, str] | None = None) -> list[Speaker]:
    """Speakers with role, role_confidence and role_evidence; also sets `turn.role`.

    Each speaker's evidence = agent cues - customer cues (+ a small bonus for speaking first);
    the higher scorer of two is the agent. `channel_roles` (a stereo channel map) is a prior
    worth CHANNEL_PRIOR: when what is said contradicts it, the roles follow the evidence.
    """
    ids = list(dict.fromkeys(t.speaker for t in turns))
    for sid in channel_roles or {}:
        if sid not in ids:
            ids.append(sid)
    evidence = speaker_evidence(turns, ids)
    if channel_roles:
        speakers = _with_channel_prior(evidence, ids, channel_roles)
    else:
        speakers = _infer_roles(evidence, ids)
    role = {s.id: s.role for s in speakers}
    for t in turns:
        t.role = role.get(t.speaker, "unknown")
    return speakers


def _channel_index(speaker_id: str) -> int | None:
    digits = speaker_id.lstrip("S")
    return int(digits) if digits.isdigit() else None


def _with_channel_prior(evidence: dict[str, Evidence], ids: list[str],
                        channel_roles: dict[str, str]) -> list[Speaker]:
    """Stereo: the mapped agent gets CHANNEL_PRIOR; the evidence difference decides."""
    mapped_agent = next((s for s, r in channel_roles.items() if r == "agent"), None)
    others = [s for s in ids if s != mapped_agent]
    if mapped_agent is None or not others:
        return _infer_roles(evidence, ids)
    rival = max(others, key=lambda s: evidence[s].score)
    margin = evidence[mapped_agent].score + CHANNEL_PRIOR - evidence[rival].score
    agent = mapped_agent if margin >= 0 else rival
    confidence = round(_logistic(abs(margin)), 3)
    if agent != mapped_agent:   # the wiring and the (ASR-heard) words disagree: keep some doubt
        confidence = min(confidence, OVERTURN_MAX_CONFIDENCE)
    if agent != mapped_agent:
        verdict = f"channel map said {channel_roles.get(agent, 'unknown')}: followed the evidence"
    elif evidence[agent].score > evidence[rival].score:
        verdict = "channel map agrees"
    else:
        verdict = "channel map kept: too little evidence against it"
    return [Speaker(id=s, role="agent" if s == agent else "customer", role_confidence=confidence,
                    channel=_channel_index(s), role_evidence=f"{evidence[s].describe()}; {verdict}")
            for s in ids]


def _infer_roles(evidence: dict[str, Evidence], ids: list[str]) -> list[Speaker]:
    if not ids:
        return []
    if len(ids) == 1:
        e = evidence[ids[0]]
        if abs(e.score) < 1.0:
            return [Speaker(id=ids[0], role="unknown", role_confidence=0.0,
                            role_evidence=e.describe())]
        role = "agent" if e.score > 0 else "customer"
        return [Speaker(id=ids[0], role=role, role_confidence=round(_logistic(abs(e.score)), 3),
                        role_evidence=e.describe())]
    ranked = sorted(ids, key=lambda s: evidence[s].score, reverse=True)
    agent, runner_up = ranked[0], ranked[1]
    out = []
    for s in ids:
        # Everyone but the agent is a customer-side party; confidence from their own gap.
        gap = evidence[agent].score - evidence[s if s != agent else runner_up].score
        out.append(Speaker(id=s, role="agent" if s == agent else "customer",
                           role_confidence=round(_logistic(gap), 3) if gap > 0 else 0.5,
                           role_evidence=evidence[s].describe()))
    return out


def _logistic(margin: float) -> float:
    return 1.0 / (1.0 + math.exp(-CONFIDENCE_SCALE * margin))
