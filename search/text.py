"""Text for the index and for queries, made the same way on both sides.

Why in Python and not in the database: SQLite FTS5 and PostgreSQL's 'simple' parser split text
differently and neither understands Chinese. So every backend stores a pre-segmented `seg` column
(space-separated tokens from hotline.text: jieba for Chinese, Snowball stems for English) and a `norm` column (lower
case, punctuation folded to spaces) for exact phrases and substrings; queries go through the same
functions, so the same query finds the same turns everywhere.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

from hotline import defaults
from hotline.text import CJK_RANGE, CJK_RE, CJK_RUN_RE, jieba_tokenizer, stem, zh_search_words

_CHUNK_RE = re.compile(rf"[{CJK_RANGE}]+|[A-Za-z0-9]+")
_EN_CHUNK_RE = re.compile(r"[A-Za-z0-9]+")
_WORD_RE = re.compile(rf"[{CJK_RANGE}]+|[^\W_]+", re.UNICODE)
_NON_WORD_RE = re.compile(r"[\W_]+", re.UNICODE)
# A whole space-separated token of four or more ASCII letters (what `vocab_words` keeps).
_VOCAB_RE = re.compile(r"(?<!\S)[A-Za-z]{4,}(?!\S)")


def tokens(text: str, for_index: bool = False) -> list[str]:
    """Search tokens of `text`: Chinese by jieba (search mode for the index, so sub-words match
    too), English/digits lower-cased and stemmed."""
    if not CJK_RE.search(text or ""):       # most turns: no chunk needs the CJK test
        return [stem(chunk) for chunk in _EN_CHUNK_RE.findall(text or "")]
    out: list[str] = []
    for chunk in _CHUNK_RE.findall(text or ""):
        if CJK_RE.match(chunk):
            out += zh_search_words(chunk) if for_index else [
                w for w in jieba_tokenizer().cut(chunk) if w.strip()]
        else:
            out.append(stem(chunk))
    return out


def segment(text: str) -> str:
    """The `seg` column: index tokens joined by spaces."""
    return " ".join(tokens(text, for_index=True))


def grams(text: str) -> str:
    """Chinese characters and character bigrams (SQLite `grams` column), so any Chinese
    substring can be found through the index, not only jieba's words."""
    out: list[str] = []
    for run in CJK_RUN_RE.findall(text or ""):
        out += list(run) + [run[i:i + 2] for i in range(len(run) - 1)]
    return " ".join(out)


@lru_cache(maxsize=defaults.SEARCH_TEXT_CACHE)
def index_columns(text: str) -> tuple[str, str, str, tuple[str, ...]]:
    """(`seg`, `norm`, `grams`, vocabulary words) of one turn's text, cached per distinct
    text: a call centre's lines repeat (greetings, scripts, "thank you"), and these were most
    of a bulk load's client CPU after the PII re-check. The words are the seg tokens worth
    correcting a misspelling to (`vocab_words`)."""
    seg = segment(text)
    return seg, normalise(text), grams(text), vocab_words(seg)


def vocab_words(seg: str) -> tuple[str, ...]:
    """The tokens of a `seg` column kept for close spellings: English words of four or more
    letters (the column already holds stems; short words are not worth correcting)."""
    return tuple(dict.fromkeys(_VOCAB_RE.findall(seg)))


def query_grams(text: str) -> list[str]:
    """The bigrams (or the single character) that a Chinese substring query needs."""
    out: list[str] = []
    for run in re.findall(rf"[{CJK_RANGE}]+", text or ""):
        out += [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
    return list(dict.fromkeys(out))


def normalise(text: str) -> str:
    """The `norm` column: lower case, punctuation and spaces folded to one space, padded with
    spaces so an English phrase can be matched on word boundaries with LIKE."""
    return " " + _NON_WORD_RE.sub(" ", (text or "").lower()).strip() + " "


@dataclass
class Clause:
    """One part of a query: a bare word group or a quoted exact phrase."""

    raw: str
    phrase: bool
    tokens: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)   # close spellings searched instead

    def like_pattern(self) -> str:
        """LIKE pattern on `norm`: padded with spaces on English word edges."""
        body = normalise(self.raw).strip()
        body = body.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        left = " " if body[:1].isascii() and body[:1].isalnum() else ""
        right = " " if body[-1:].isascii() and body[-1:].isalnum() else ""
        return f"%{left}{body}{right}%"

    def substring_pattern(self) -> str:
        """LIKE pattern for the substring fallback: no word edges."""
        body = normalise(self.raw).strip()
        body = body.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{body}%"


def parse_query(query: str) -> list[Clause]:
    """Quoted parts become exact phrases; every other word is a required keyword."""
    clauses: list[Clause] = []
    for m in re.finditer(r'"([^"]*)"|“([^”]*)”|(\S+)', query or ""):
        quoted = m.group(1) if m.group(1) is not None else m.group(2)
        if quoted is not None:
            toks = tokens(quoted)
            if toks:
                clauses.append(Clause(quoted, True, toks))
        else:
            toks = tokens(m.group(3))
            if toks:
                clauses.append(Clause(m.group(3), False, toks))
    return clauses


def highlight(text: str, clauses: list[Clause], extra_terms: list[str] | tuple[str, ...] = (),
              width: int = 160, prefixes: list[str] | tuple[str, ...] = ()) -> str:
    """HTML-safe snippet of `text` with matches wrapped in <mark>…</mark>, cut around the first."""
    spans = _match_spans(text, clauses, extra_terms, prefixes)
    start, end = 0, len(text)
    if len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, first - width // 3)
        end = min(len(text), start + width)
    out, pos = [], start
    for s, e in spans:
        if s < start or e > end or s < pos:
            continue
        out.append(_esc(text[pos:s]) + "<mark>" + _esc(text[s:e]) + "</mark>")
        pos = e
    out.append(_esc(text[pos:end]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _match_spans(text: str, clauses: list[Clause], extra: list[str] | tuple[str, ...],
                 prefixes: list[str] | tuple[str, ...] = ()) -> list[tuple[int, int]]:
    low = text.lower()
    spans: list[tuple[int, int]] = []
    stems = {t for c in clauses for t in c.tokens if t.isascii()} | {
        stem(t) for t in extra if t.isascii()}
    for c in clauses:
        if c.phrase:
            spans += _phrase_spans(low, c.raw)
        for t in c.tokens:
            if not t.isascii():
                spans += [(m.start(), m.end()) for m in re.finditer(re.escape(t), low)]
    for t in extra:
        if not t.isascii():
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(t.lower()), low)]
    pre = tuple(p for p in prefixes if p)
    for m in re.finditer(r"[A-Za-z0-9]+", text):
        if stem(m.group()) in stems or (pre and m.group().lower().startswith(pre)):
            spans.append((m.start(), m.end()))
    return _merge(spans)


def _phrase_spans(low: str, phrase: str) -> list[tuple[int, int]]:
    """Where a phrase occurs, allowing any punctuation/space run between its words."""
    words = _WORD_RE.findall(phrase.lower())
    if not words:
        return []
    pattern = r"[\W_]+".join(re.escape(w) for w in words)
    return [(m.start(), m.end()) for m in re.finditer(pattern, low)]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
