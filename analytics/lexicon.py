"""Offline text emotion for English and Mandarin: a weighted telecom complaint lexicon.

Why a lexicon: it runs in microseconds per turn on 2 cores, needs no download, and the words
angry telecom customers use are few and well known ("ridiculous", "third time I call", "投诉",
"太离谱"). Weights are the probability-like strength of one cue; cues combine as 1 - prod(1 - w).
A transformers model can replace the text part (see `analytics.emotion.TransformersEmotion`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from hotline.text import has_cjk, normalize_en, normalize_zh

# --- English -------------------------------------------------------------------------------
EN_ANGER: dict[str, float] = {
    "ridiculous": 0.8, "unacceptable": 0.8, "outrageous": 0.85, "furious": 0.9, "disgusting": 0.8,
    "disgraceful": 0.8, "pathetic": 0.8, "absurd": 0.7, "scam": 0.5, "rip off": 0.8, "ripoff": 0.8,
    "ripping me off": 0.85, "robbery": 0.8, "fed up": 0.8, "sick of": 0.75, "sick and tired": 0.85,
    "had enough": 0.75, "a joke": 0.7, "joke": 0.4, "worst": 0.75, "useless": 0.7,
    "incompetent": 0.8, "lawyer": 0.75, "sue": 0.6, "regulator": 0.75, "ombudsman": 0.75, "trading standards": 0.75,
    "solicitor": 0.75, "take my business elsewhere": 0.8, "last straw": 0.8, "never again": 0.6,
    "disgrace": 0.8, "shambles": 0.8, "your manager": 0.5, "report this": 0.75, "report you": 0.7,
    "damn": 0.7, "hell": 0.55, "hate": 0.6, "angry": 0.7, "mad": 0.45, "livid": 0.9,
    "nonsense": 0.6, "rubbish": 0.6, "bullshit": 0.9, "crap": 0.7, "third time": 0.75,
    "third time i call": 0.85, "third time i've called": 0.85, "fourth time": 0.8,
    "called three times": 0.8, "called you three times": 0.8, "three times already": 0.75,
    "called twice": 0.5, "keep calling": 0.6, "every single time": 0.6, "again and again": 0.6,
    "nobody helps": 0.7, "no one helps": 0.7, "nobody fixed": 0.6, "nothing has been done": 0.6,
    "waste of time": 0.7, "wasting my time": 0.75, "cancel my contract": 0.35,
    "cancel everything": 0.7, "switch provider": 0.35, "switching provider": 0.35,
    "switch to another": 0.5, "complaint": 0.35, "complain": 0.35, "file a complaint": 0.4,
    "formal complaint": 0.45, "manager": 0.35, "supervisor": 0.3, "speak to your manager": 0.45,
    "how dare": 0.8, "don't talk to me like that": 0.85, "want this fixed": 0.5, "don't tell me to calm down": 0.8, "calm down": 0.5, "you people": 0.6,
    "idiot": 0.85, "stupid": 0.7, "shut up": 0.85, "for god's sake": 0.8, "seriously": 0.4, "what the": 0.5, "are you kidding": 0.7, "kidding me": 0.7,
    "unbelievable": 0.6, "this is insane": 0.75, "insane": 0.5, "stop lying": 0.8, "liar": 0.8,
    "lying to me": 0.8, "not acceptable": 0.8, "enough is enough": 0.8, "fix it now": 0.6,
    "i demand": 0.6, "demand": 0.35, "terrible service": 0.7, "horrible service": 0.7,
    "awful service": 0.7, "shocking": 0.55, "not good enough": 0.7, "waiting for days": 0.6,
    "been waiting": 0.4, "keep happening": 0.5, "keeps happening": 0.5, "why does this keep": 0.6, "fraud": 0.5, "stole": 0.6, "stealing": 0.6,
}
EN_NEGATIVE: dict[str, float] = {
    "problem": 0.35, "problems": 0.35, "issue": 0.3, "issues": 0.3, "not working": 0.5, "doesn't work": 0.5, "does not work": 0.5,
    "isn't working": 0.5, "stopped working": 0.5, "broken": 0.45, "slow": 0.4, "disappointed": 0.6,
    "frustrated": 0.6, "frustrating": 0.6, "annoyed": 0.55, "annoying": 0.55, "unhappy": 0.6,
    "bad": 0.45, "poor": 0.4, "terrible": 0.6, "awful": 0.6, "horrible": 0.6, "wrong": 0.4,
    "overcharged": 0.55, "charged twice": 0.55, "double charged": 0.55, "no signal": 0.45,
    "keeps dropping": 0.5, "dropping": 0.35, "dropped": 0.35, "can't": 0.25, "cannot": 0.25,
    "unfortunately": 0.3, "worried": 0.45, "confused": 0.4, "upset": 0.6, "still": 0.2,
    "again": 0.2, "outage": 0.4, "down": 0.2, "weak": 0.35, "lost": 0.35, "stolen": 0.4,
    "failed": 0.4, "error": 0.35, "expensive": 0.4, "too much": 0.35, "unexpected": 0.35,
    "waiting": 0.3, "nobody": 0.3, "never": 0.25, "sad": 0.5, "difficult": 0.35, "hard": 0.2,
    "trouble": 0.4, "stuck": 0.4, "complicated": 0.35,
}
EN_POSITIVE: dict[str, float] = {
    "thank": 0.45, "thanks": 0.45, "thank you": 0.5, "great": 0.6, "perfect": 0.65,
    "excellent": 0.7, "wonderful": 0.7, "appreciate": 0.6, "helpful": 0.6, "happy": 0.55,
    "glad": 0.55, "awesome": 0.7, "fantastic": 0.7, "brilliant": 0.7, "works now": 0.6,
    "working now": 0.6, "solved": 0.55, "fixed": 0.45, "resolved": 0.5, "good": 0.4,
    "nice": 0.45, "lovely": 0.6, "pleasure": 0.5, "love": 0.55, "amazing": 0.7, "sorted": 0.45,
    "no problem": 0.35, "not a problem": 0.35, "that's fine": 0.3, "sounds good": 0.5,
    "much better": 0.6, "better now": 0.55, "all good": 0.5, "cheers": 0.45, "it's working": 0.55,
    "that's done it": 0.55,
}
EN_NEGATORS = ("not", "never", "no", "don't", "dont", "isn't", "wasn't", "aren't", "hardly",
               "didn't", "doesn't", "won't", "nothing", "without")
EN_INTENSIFIERS = ("so", "very", "really", "absolutely", "totally", "completely", "extremely",
                   "utterly", "such")
# Neutral set phrases that contain cue words ("hold on" is not anger, "sorry to hear" is empathy).
EN_MASK = ("thank you for calling", "thanks for calling", "thank you for holding",
           "thank you for your patience", "sorry to hear", "understand your frustration",
           "i understand how frustrating", "apologize for the trouble", "apologise for the trouble",
           "good morning", "good afternoon", "good evening", "hello", "anything else",
           "make sure", "not sure", "no worries", "no thanks", "no thank you")

# --- Mandarin ------------------------------------------------------------------------------
ZH_ANGER: dict[str, float] = {
    "投诉": 0.4, "太离谱": 0.85, "离谱": 0.7, "什么破": 0.8, "破网": 0.75, "破手机": 0.6,
    "垃圾": 0.8, "骗子": 0.85, "骗人": 0.8, "坑人": 0.8, "忽悠": 0.7, "气死": 0.9, "受不了": 0.7,
    "忍无可忍": 0.9, "凭什么": 0.75, "搞什么": 0.7, "到底": 0.35, "第三次": 0.75, "好几次": 0.6,
    "多少次": 0.6, "三次了": 0.75, "又是": 0.35, "还是没": 0.4, "一直没": 0.3, "没人管": 0.7,
    "踢皮球": 0.8, "推来推去": 0.8, "推卸": 0.7, "退网": 0.3, "换运营商": 0.35,
    "举报": 0.7, "工信部": 0.75, "12300": 0.7, "曝光": 0.7, "领导": 0.35,
    "经理": 0.3, "什么态度": 0.85, "态度太差": 0.85, "态度差": 0.75, "欺负": 0.7, "乱扣费": 0.8,
    "乱收费": 0.8, "扣我钱": 0.6, "无语": 0.6, "太过分": 0.85, "过分": 0.6, "岂有此理": 0.9,
    "荒唐": 0.75, "浪费时间": 0.7, "浪费我的时间": 0.75, "给个说法": 0.75, "给我个说法": 0.75,
    "别跟我说": 0.6, "你们怎么回事": 0.75, "怎么回事": 0.4, "到底怎么": 0.55, "烦死": 0.85,
    "生气": 0.7, "愤怒": 0.85, "恶心": 0.75, "黑心": 0.85, "霸王条款": 0.8, "赔偿": 0.45,
    "不像话": 0.8, "有病": 0.8, "敷衍": 0.75, "太差劲": 0.8, "差劲": 0.7, "坑": 0.45,
    "太坑": 0.8, "开什么玩笑": 0.75, "都几天了": 0.7, "几天了": 0.5, "还没弄好": 0.6,
    "还没修好": 0.6, "管不管": 0.6, "老是这样": 0.6, "老是": 0.2,
}
ZH_NEGATIVE: dict[str, float] = {
    "问题": 0.2, "不行": 0.45, "没信号": 0.5, "信号差": 0.5, "信号不好": 0.5, "很慢": 0.45,
    "太慢": 0.5, "网速慢": 0.5, "断网": 0.5, "掉线": 0.45, "打不通": 0.5, "扣费": 0.35,
    "多扣": 0.55, "失望": 0.65, "着急": 0.5, "担心": 0.45, "麻烦": 0.3, "不满意": 0.65,
    "不明白": 0.35, "不清楚": 0.3, "故障": 0.4, "坏了": 0.45, "没法用": 0.55, "用不了": 0.5,
    "不好": 0.45, "很卡": 0.45, "太卡": 0.5, "卡顿": 0.45, "丢了": 0.4, "被盗": 0.45, "失败": 0.45, "太贵": 0.15,
    "郁闷": 0.6, "难受": 0.55, "糟糕": 0.6, "错了": 0.4, "还没": 0.3,
}
ZH_POSITIVE: dict[str, float] = {
    "谢谢": 0.5, "感谢": 0.55, "太好了": 0.7, "好的": 0.3, "满意": 0.55, "不错": 0.55,
    "解决了": 0.6, "可以了": 0.5, "好了": 0.4, "明白了": 0.35, "辛苦": 0.45, "很好": 0.55,
    "开心": 0.6, "棒": 0.6, "没问题": 0.35, "清楚了": 0.35, "正常了": 0.55, "非常好": 0.7,
    "好多了": 0.6, "放心": 0.4,
}
ZH_NEGATORS = ("不", "没", "别", "未", "无")
PREFIX_MIN_CHARS = 5  # English single-word cues this long also match as word prefixes
ZH_INTENSIFIERS = ("太", "非常", "真", "特别", "实在", "简直", "根本", "极")
ZH_MASK = ("不好意思", "没关系", "不客气", "感谢您的来电", "谢谢您的来电", "感谢来电", "您好",
           "请问还有什么", "还有其他", "很抱歉", "非常抱歉", "理解您", "放心", "能不能", "可不可以",
           "行不行", "能否")


@dataclass
class TextEmotion:
    """Text evidence for one utterance; `anger` and masses are in [0, 1]."""

    valence: float = 0.0
    anger: float = 0.0
    negative: float = 0.0
    positive: float = 0.0
    intensity: float = 0.0          # exclamations, capitals, intensifiers: text-side arousal
    cues: list[str] = field(default_factory=list)


def _alternation(phrases: list[str]) -> re.Pattern[str]:
    body = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(r"(?<![a-z0-9'])(" + body + r")(?![a-z0-9'])")


def _cue_pattern(cues: list[str], strong: set[str]) -> re.Pattern[str]:
    """One group per cue; strong single-word cues of 5+ letters also match their inflections
    ("ridiculous" -> "ridiculousness", "frustrated" -> "frustratedly"), which ASR output often
    has. Weak cues stay exact ("cancel" is a request, "cancelled" an agent's confirmation)."""
    parts = []
    for cue in cues:
        tail = "[a-z]*" if cue in strong and " " not in cue and len(cue) >= PREFIX_MIN_CHARS else ""
        parts.append(f"({re.escape(cue)}{tail})")
    return re.compile(r"(?<![a-z0-9'])(?:" + "|".join(parts) + r")(?![a-z0-9'])")


class LexiconScorer:
    """Weighted cue lexicon with negation, masking and intensity, for English and Mandarin."""

    def __init__(self, extra: dict[str, dict[str, float]] | None = None) -> None:
        self.en = {"anger": dict(EN_ANGER), "negative": dict(EN_NEGATIVE), "positive": dict(EN_POSITIVE)}
        self.zh = {"anger": dict(ZH_ANGER), "negative": dict(ZH_NEGATIVE), "positive": dict(ZH_POSITIVE)}
        for kind, words in (extra or {}).items():
            for phrase, weight in words.items():
                (self.zh if has_cjk(phrase) else self.en)[kind][phrase] = weight
        lookup: dict[str, tuple[str, float]] = {}
        for kind in ("positive", "negative", "anger"):  # anger wins when a phrase is in several
            for phrase, weight in self.en[kind].items():
                lookup[normalize_en(phrase)] = (kind, weight)
        self._en_cues = sorted(lookup, key=len, reverse=True)
        self._en_lookup = lookup
        self._en_re = _cue_pattern(self._en_cues, {c for c, (_k, w) in lookup.items() if w >= 0.5})
        self._en_mask = _alternation([normalize_en(p) for p in EN_MASK])
        self._zh_items = sorted(
            ((normalize_zh(p), kind, w) for kind in ("positive", "negative", "anger")
             for p, w in self.zh[kind].items()), key=lambda item: -len(item[0]))

    def score(self, text: str, language: str = "en") -> TextEmotion:
        if language == "zh" or has_cjk(text):
            return self._score_zh(text)
        return self._score_en(text)

    def _score_en(self, text: str) -> TextEmotion:
        norm = self._en_mask.sub(" ", normalize_en(text))
        words = norm.split()
        hits: list[tuple[str, str, float]] = []
        for m in self._en_re.finditer(norm):
            cue = self._en_cues[m.lastindex - 1]
            kind, weight = self._en_lookup[cue]
            before = norm[: m.start()].split()[-3:]
            negated = any(w in EN_NEGATORS for w in before)
            boosted = any(w in EN_INTENSIFIERS for w in before[-2:])
            hits.append(_apply_negation(kind, weight * (1.3 if boosted else 1.0), negated, m.group(0)))
        caps = len(re.findall(r"\b[A-Z]{4,}\b", text))  # "AGAIN", "DONE"; not "SIM", "PUK"
        intensity = min(1.0, 0.25 * text.count("!") + 0.2 * caps
                        + 0.1 * sum(w in EN_INTENSIFIERS for w in words))
        return _combine(hits, intensity)

    def _score_zh(self, text: str) -> TextEmotion:
        norm = normalize_zh(text)
        for phrase in ZH_MASK:
            norm = norm.replace(phrase, "。" * len(phrase))
        taken = [False] * len(norm)
        hits: list[tuple[str, str, float]] = []
        for phrase, kind, weight in self._zh_items:
            start = norm.find(phrase)
            while start >= 0:
                span = range(start, start + len(phrase))
                if not any(taken[i] for i in span):
                    for i in span:
                        taken[i] = True
                    prefix = norm[max(0, start - 2): start]
                    negated = kind != "anger" and any(n in prefix for n in ZH_NEGATORS)
                    boosted = any(b in norm[max(0, start - 2): start] for b in ZH_INTENSIFIERS)
                    hits.append(_apply_negation(kind, weight * (1.3 if boosted else 1.0), negated, phrase))
                start = norm.find(phrase, start + len(phrase))
        intensity = min(1.0, 0.25 * (text.count("!") + text.count("！"))
                        + 0.1 * sum(b in norm for b in ZH_INTENSIFIERS))
        return _combine(hits, intensity)


def _apply_negation(kind: str, weight: float, negated: bool, cue: str) -> tuple[str, str, float]:
    """'not happy' counts as negative, 'no problem' as mildly positive, 'not angry' as nothing."""
    if not negated:
        return kind, cue, min(weight, 0.95)
    if kind == "positive":
        return "negative", "not " + cue, min(0.8 * weight, 0.95)
    if kind == "negative":
        return "positive", "not " + cue, 0.2 * weight
    return "anger", "not " + cue, 0.0


def _combine(hits: list[tuple[str, str, float]], intensity: float) -> TextEmotion:
    mass = {"anger": 0.0, "negative": 0.0, "positive": 0.0}
    for kind, _cue, weight in hits:
        mass[kind] = 1.0 - (1.0 - mass[kind]) * (1.0 - weight)
    if mass["anger"] > 0:  # shouting makes a complaint angrier, never creates one
        mass["anger"] = min(1.0, mass["anger"] * (1.0 + 0.4 * intensity))
    valence = math.tanh(1.6 * (mass["positive"] - mass["negative"] - 1.3 * mass["anger"]))
    return TextEmotion(valence=valence, anger=mass["anger"], negative=mass["negative"],
                       positive=mass["positive"], intensity=intensity,
                       cues=[cue for _k, cue, w in hits if w > 0])
