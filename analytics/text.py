"""Text helpers shared by the emotion scorer, the rule matchers and the metrics.

English is matched on lower-cased words (word boundaries, so "hell" does not fire on "hello");
Mandarin has no spaces, so it is matched on the character string with punctuation and spaces
removed, and segmented with jieba only where words must be counted.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def text_language(text: str, hint: str = "auto") -> str:
    """'zh' or 'en' for one utterance; the document's language wins when it is explicit."""
    if hint in ("en", "zh"):
        return hint
    cjk = len(_CJK.findall(text))
    return "zh" if cjk and cjk >= 0.3 * max(1, len(re.sub(r"\s", "", text))) else "en"


def normalize_en(text: str) -> str:
    """Lower-case words joined by single spaces: 'Not my DEPARTMENT!' -> 'not my department'."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    return " ".join(_EN_WORD.findall(text))


def normalize_zh(text: str) -> str:
    """Characters only (no spaces or punctuation), Latin letters lower-cased."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


def normalize(text: str, language: str) -> str:
    return normalize_zh(text) if language == "zh" else normalize_en(text)


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Word-bounded pattern for an English phrase over normalized text."""
    words = normalize_en(phrase).split()
    return re.compile(r"(?<![a-z0-9'])" + r" ".join(map(re.escape, words)) + r"(?![a-z0-9'])")


def find_phrase(phrase: str, norm_text: str, language: str) -> int:
    """Index of the phrase in normalized text, or -1. English matches whole words only."""
    if language == "zh" or has_cjk(phrase):
        return norm_text.find(normalize_zh(phrase))
    if not phrase.strip():
        return -1
    m = phrase_pattern(phrase).search(norm_text)
    return m.start() if m else -1


def count_words(text: str, language: str = "auto") -> int:
    """Words for speech-rate metrics: English tokens; Mandarin jieba words (CJK chars / 1.5 fallback)."""
    lang = text_language(text, language)
    if lang != "zh":
        return len(normalize_en(text).split())
    return len(zh_words(text))


@lru_cache(maxsize=8192)
def zh_words(text: str) -> tuple[str, ...]:
    """jieba words without punctuation (cached: emotion and metrics both segment each turn)."""
    return tuple(w for w in _jieba().lcut(normalize_zh(text)) if w.strip())


@lru_cache(maxsize=1)
def _jieba():
    """jieba, with its start-up chatter silenced; the dictionary loads on first use (~0.7 s)."""
    import jieba

    jieba.setLogLevel(60)
    return jieba
