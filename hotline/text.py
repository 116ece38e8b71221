"""The one text layer: normalisation, CJK detection, language guess, words, stems, jieba.

Every package (analytics rules and emotion, search index and queries, assist retrieval, metrics)
cuts text here, so 携号转网 is one word everywhere and "cancelled" meets "cancellation" in rules
and search alike. English is matched on lower-cased words; Mandarin has no spaces, so it is
matched on the character string and segmented with jieba (telecom dictionary added once, on
first use — never at import). English stems come from the Snowball stemmer (PyStemmer).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
import warnings
from functools import lru_cache
from typing import Any

from hotline.zh_cut import search_cut

CJK_RANGE = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK_RANGE}]")
CJK_RUN_RE = re.compile(f"[{CJK_RANGE}]+")
_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})

# Telecom words jieba's dictionary does not know, so they stay one token everywhere.
TELECOM_WORDS = (
    "销户", "携号转网", "宽带", "套餐", "流量包", "话费", "欠费", "停机", "复机", "补卡", "换卡",
    "信号差", "没信号", "掉线", "网速慢", "国际漫游", "漫游", "退订", "退款", "扣费", "投诉",
    "营业厅", "实名", "过户", "升级套餐", "降级", "合约", "副卡", "亲情号", "来电显示", "积分",
    "基站", "光猫", "路由器", "验证码", "密码", "重置", "挂失", "乱扣费", "不归我管", "没办法",
)

_jieba_lock = threading.Lock()
_tokenizer: Any = None


def has_cjk(text: str) -> bool:
    return bool(CJK_RE.search(text or ""))


def text_language(text: str, hint: str = "auto") -> str:
    """'zh' or 'en' for one utterance; an explicit hint (the document's language) wins."""
    if hint in ("en", "zh"):
        return hint
    cjk = len(CJK_RE.findall(text))
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


def jieba_tokenizer() -> Any:
    """The process's one jieba tokenizer with the telecom words, built on first use (~0.7 s)."""
    global _tokenizer
    with _jieba_lock:
        if _tokenizer is None:
            with warnings.catch_warnings():     # jieba imports the deprecated pkg_resources
                warnings.simplefilter("ignore")
                import jieba

            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            tk.initialize()
            for word in TELECOM_WORDS:
                tk.add_word(word, freq=20000)
            _tokenizer = tk
    return _tokenizer


@lru_cache(maxsize=8192)
def zh_words(text: str) -> tuple[str, ...]:
    """jieba words of a Mandarin string, punctuation dropped (cached: several stages ask)."""
    return tuple(w for w in jieba_tokenizer().lcut(normalize_zh(text)) if w.strip())


@lru_cache(maxsize=65536)
def zh_search_words(run: str) -> tuple[str, ...]:
    """jieba's search mode: the words and their sub-words, so an index finds either (cached
    per run of characters: a call centre's phrases repeat, and jieba was a third of the
    index's text preparation). Word for word what `Tokenizer.cut_for_search(run)` yields
    (tests/search/test_zh_cut.py compares them), made cheaper (`hotline.zh_cut`)."""
    return tuple(w for w in search_cut(jieba_tokenizer(), run) if w.strip())



@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball English stem of a lower-cased word; other scripts and numbers pass unchanged."""
    w = word.lower()
    if not w.isascii() or not w.isalpha() or len(w) <= 2:
        return w
    return _stemmer().stemWord(w)


def count_words(text: str, language: str = "auto") -> int:
    """Words for speech-rate metrics: English tokens; Mandarin jieba words."""
    if text_language(text, language) != "zh":
        return len(normalize_en(text).split())
    return len(zh_words(text))


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
