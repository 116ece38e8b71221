"""Texts that provably cannot hold what the PII re-check looks for (cards, IDs, phones, e-mails).

`residual_pii` scans a speaker's turns as one stream (digits read across turns join); most
streams of a redacted call hold no number worth a look, and scanning them was most of the
search index's text preparation. `stream_is_inert(segments)` decides from cheap, exact facts
about each segment (cached per distinct text) that the scanner would find nothing but CVVs
(which the re-check ignores), so the stream need not be scanned. Why that is exact, from the
scanner in `hotline.privacy.redact`:

1. Every e-mail hit needs an "@" (`_EMAIL_RE`) or a spoken "… at … dot TLD" whose TLD word is
   preceded by ".", by a dot word ("dot", "点", "point", "period") and spaces, or by the start
   of a segment (the spaces around a dot word may be the separator between two segments):
   `_EMAIL_TRIGGER_RE` finds each such TLD within its segment.
2. Dates and times are masked before runs are built; masking can cut a word in two and
   uncover a number word ("10:30one"), so a segment with a date or time is not inert.
   Without e-mails and dates nothing is masked.
3. A non-CVV digit hit needs a run of at least `MIN_PII_DIGITS` digits (`_classify`: IDs 18,
   cards 6 with context, phones 7 with context; 3-4 digits are a CVV at most), and a run of
   exactly that many is a card only after a card word (`_CARD_CTX`, literal words without
   spaces: one in the scanner's context window is in a segment's text too). So a stream in
   which no segment holds a card word needs `MIN_PII_DIGITS_NO_CARD` digits (the 6-digit
   verification codes callers read out no longer make their stream scanned). A run lies in
   one region of `_REGION_RE` (number tokens and joiners); its digits are at most the sum of
   its number tokens' yields: a digit string its length, a number word 1 (teens and tens 2,
   a tens word absorbing a digit word 2 for both), a Chinese numeral 1 — except after
   "double"/"triple", so a segment holding one is not inert.
4. Segments are joined by whitespace (a joiner), so a region can continue from the end of
   one segment into the next, through segments made only of number tokens and joiners:
   `stream_is_inert` adds those yields up across segments.

tests/privacy/test_inert.py checks the bound of step 3 against `_classify` and that no text
of the redaction corpora, alone or split into turns, is called inert while holding PII.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from hotline import defaults
from hotline.privacy.redact import (
    _CARD_CTX,
    _DATE_TIME_RE,
    _DIGITISH,
    _EN_DIGITS,
    _EN_TEENS,
    _EN_TENS,
    _JOINISH,
    _MULTIPLIERS,
    _REGION_RE,
    _ZH_DIGITS,
    EMAIL_TLDS,
    _normalise,
)

MIN_PII_DIGITS = 6            # fewer digits in a run: a CVV at most (see `_classify`)
MIN_PII_DIGITS_NO_CARD = 7    # fewer with no card word before the run: a CVV at most

_NUMBER_WORDS = frozenset({*_EN_DIGITS, *_EN_TEENS, *_EN_TENS, *_MULTIPLIERS})
_TWO_DIGIT_WORDS = frozenset({*_EN_TEENS, *_EN_TENS})
_ZH_NUMERALS = frozenset(_ZH_DIGITS)
_TLDS = frozenset(EMAIL_TLDS)
_LETTERS_RE = re.compile(r"[A-Za-z]+")
_DIGIT_RE = re.compile(r"\d")
_TOKEN_RE = re.compile(_DIGITISH, re.I)
_JOINERS_ONLY_RE = re.compile(rf"(?:{_JOINISH})*", re.I)
_EMAIL_TRIGGER_RE = re.compile(
    r"(?:\.|(?<!\S)(?:dot|点|point|period)\s+|\A\s*)(?:" + "|".join(EMAIL_TLDS) + r")\b", re.I)


class Segment(NamedTuple):
    """What a stream needs to know of one segment's text."""

    blocked: bool     # the segment alone may hold PII (or defeats the bound): scan the stream
    through: bool     # only number tokens and joiners: a run goes on through it
    head: int         # digits a run starting at the segment's start may take from it
    tail: int         # digits a run ending at the segment's end may take from it
    peak: int = 0     # digits a run inside the segment may take from it (its largest region)


_CLOSED = Segment(False, False, 0, 0)
_OPEN = Segment(False, True, 0, 0)
_BLOCKED = Segment(True, False, 0, 0)


def stream_is_inert(segments: Sequence[str]) -> bool:
    """True when the scanner would find no card, ID, phone or e-mail in `segments` joined by
    whitespace (a speaker's turns, as `residual_pii` joins them)."""
    facts = [segment(text or "") for text in segments]
    if facts.count(_CLOSED) == len(facts):      # most streams: no number token at all
        return True
    if any(seg.blocked for seg in facts):
        return False
    digits = _most_digits(facts)
    if digits < MIN_PII_DIGITS:
        return True
    if digits >= MIN_PII_DIGITS_NO_CARD:
        return False
    return not any(_CARD_CTX.search(text or "") for text in segments)   # rare: looked up then


def _most_digits(facts: list[Segment]) -> int:
    """At most how many digits one run of the stream may hold (regions add up across
    segments through the whitespace that joins them)."""
    most = carried = 0                # carried: digits of a region open at the last segment end
    for seg in facts:
        most = max(most, seg.peak)
        if seg.through:
            carried += seg.head
            continue
        most = max(most, carried + seg.head)
        carried = seg.tail
    return max(most, carried)


@lru_cache(maxsize=defaults.PII_INERT_CACHE)
def segment(text: str) -> Segment:
    """The facts of one text (cached per distinct text: a pure function of it)."""
    text = _normalise(text)
    words = set(_LETTERS_RE.findall(text.lower()))
    if "@" in text or (not _TLDS.isdisjoint(words) and _EMAIL_TRIGGER_RE.search(text)):
        return _BLOCKED
    if _NUMBER_WORDS.isdisjoint(words) and _ZH_NUMERALS.isdisjoint(text) \
            and not _DIGIT_RE.search(text):
        return _OPEN if _JOINERS_ONLY_RE.fullmatch(text) else _CLOSED
    if not _MULTIPLIERS.keys().isdisjoint(words) or _DATE_TIME_RE.search(text):
        return _BLOCKED
    return _regions(text)


def _regions(text: str) -> Segment:
    """Head, tail and through of a text with number tokens (no e-mail, date or multiplier)."""
    regions = [(m.start(), m.end(), _yield(m.group())) for m in _REGION_RE.finditer(text)]
    if not regions:
        return _OPEN if _JOINERS_ONLY_RE.fullmatch(text) else _CLOSED
    peak = max(y for _s, _e, y in regions)
    if peak >= MIN_PII_DIGITS_NO_CARD:
        return _BLOCKED
    first, last = regions[0], regions[-1]
    head = first[2] if _JOINERS_ONLY_RE.fullmatch(text, 0, first[0]) else 0
    tail = last[2] if _JOINERS_ONLY_RE.fullmatch(text, last[1]) else 0
    if len(regions) == 1 and head and tail:
        return Segment(False, True, head, head, peak)
    return Segment(False, False, head, tail, peak)


def _yield(region: str) -> int:
    """At most how many digits the runs of `region` hold (no multiplier in it)."""
    total = 0
    for m in _TOKEN_RE.finditer(region):
        tok = m.group().lower()
        if tok[0].isdigit():
            total += len(tok)
        else:
            total += 2 if tok in _TWO_DIGIT_WORDS else 1
    return total
