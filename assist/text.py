"""Text normalisation and tokenisation for retrieval, tolerant to ASR errors.

Speech recognisers spell telecom terms the way they sound ("five gee", "vol tee", "e sim");
these are mapped back to canonical tokens before BM25 and embedding. Chinese is cut with jieba
and also into character bigrams, so a phrasing that jieba segments differently still matches.
"""

from __future__ import annotations

import re

from hotline.text import CJK_RUN_RE, jieba_tokenizer, stem

# (pattern, replacement) applied to lower-cased English text, in order.
ASR_FIXES: tuple[tuple[str, str], ...] = (
    (r"\b(?:five|5)[\s-]*(?:gee|g|ji|jee|gs)\b", "5g"),
    (r"\b(?:four|for|4)[\s-]*(?:gee|g|ji|jee)\b", "4g"),
    (r"\b(?:three|3)[\s-]*(?:gee|g)\b", "3g"),
    (r"\bvol(?:t|te|tea|ty)?[\s-]*(?:tee|tea|t|e|ee|lte)\b", "volte"),
    (r"\bvo[\s-]?lte\b", "volte"),
    (r"\bvoice over (?:lte|l t e)\b", "volte"),
    (r"\b(?:e|ee|easy|he)[\s-]*sim\b", "esim"),
    (r"\ba[\s.]*p[\s.]*n\b", "apn"),
    (r"\bs[\s.]i[\s.]m\b", "sim"),
    (r"\bwi[\s-]*fi\b|\bwhy fi\b", "wifi"),
    (r"\bfibre\b", "fiber"),
    (r"\btop(?:ped|ping|s)?[\s-]*up\b", "topup"),
    (r"\badd[\s-]*on\b", "addon"),
    (r"\bgigs?\b|\bgigabytes?\b|\bgb\b", "gigabyte"),
    (r"\bmegs?\b", "mbps"),
    (r"\bre[\s-]fund", "refund"),
    (r"\bbroad[\s-]band\b", "broadband"),
    (r"\bcan't\b", "cannot"), (r"\bwon't\b", "will not"), (r"n't\b", " not"),
    (r"'s\b", " is"), (r"'m\b", " am"), (r"'re\b", " are"), (r"'ve\b", " have"), (r"'ll\b", " will"),
)
_FIXES = tuple((re.compile(p), r) for p, r in ASR_FIXES)

STOPWORDS = frozenset(
    "a an the i me my we our you your it its is am are was were be been to of in on at for and or "
    "but so do does did this that these those with from by as there here just really very please "
    "can could would will shall should have has had hi hello yeah yes um uh oh okay ok well like "
    "what how why when where which who get got any some all".split()
)
ZH_STOPWORDS = frozenset("的 了 吗 呢 啊 吧 我 你 您 们 是 在 有 就 都 也 还 这 那 个 一 怎么 什么 为什么".split())

# Greetings and back-channel: an utterance made only of these gets no suggestion.
SMALL_TALK = frozenset(
    "good morning afternoon evening thank thanks bye goodbye sure right fine great alright "
    "hear sorry pardon moment minute wait hold mhm hmm see name much lot 你好 好 行 您好 好的 谢谢 再见 嗯 对 是的 "
    "稍等 喂 听得见 明白 知道".split()
)



def normalize(text: str) -> str:
    """Lower-case and map ASR spellings of telecom terms to canonical tokens."""
    out = text.lower().replace("’", "'")
    for pattern, repl in _FIXES:
        out = pattern.sub(repl, out)
    return out


def tokens(text: str) -> list[str]:
    """BM25 tokens: stemmed English words, jieba words and CJK bigrams."""
    norm = normalize(text)
    out = [stem(w) for w in re.findall(r"[a-z0-9]+", norm) if w not in STOPWORDS]
    for run in CJK_RUN_RE.findall(norm):
        out.extend(w for w in jieba_tokenizer().lcut(run) if w not in ZH_STOPWORDS)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def is_small_talk(text: str) -> bool:
    """Only greetings / thanks / back-channel words (no problem described)."""
    norm = normalize(text)
    words = [w for w in re.findall(r"[a-z0-9]+", norm) if w not in STOPWORDS]
    for run in CJK_RUN_RE.findall(norm):
        words.extend(w for w in jieba_tokenizer().lcut(run) if w not in ZH_STOPWORDS)
    return all(w in SMALL_TALK for w in words)
