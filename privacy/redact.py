"""PII redaction before anything is persisted: card numbers, CVVs, phones, Chinese IDs, e-mails.

Why a token scanner and not a handful of regexes: callers *read* card numbers ("four one one one,
double five ...", "六二二二零二..."), pause, and carry on in their next turn. So every turn (and
every word list) is scanned as one stream per speaker in which digit tokens (ASCII, spoken English,
Chinese numerals) are joined across spaces, dashes, commas, fillers and turn boundaries into runs;
each run is classified by its length, checksum and nearby context words.

Fail closed: `redact_document` works on a copy, re-scans it, and only then writes the result into
the document (in place, and returns it). If anything sensitive is left or any error happens, it
wipes the document's text and raises `RedactionFailed` — the caller then stores nothing. It never
returns unredacted text.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from hotline.document import CallDocument, Redaction
from hotline.errors import HotlineError
from hotline.privacy.asks import REFERENCE, answer_types

DEFAULT_PII_SALT = "hotline-pii-salt-change-me"  # Settings.pii_salt (HOTLINE_PII_SALT) replaces it

TOKENS = {
    "card_number": "[CARD]",
    "cvv": "[CVV]",
    "phone": "[PHONE]",
    "id_number": "[ID]",
    "email": "[EMAIL]",
}
CONTEXT_WINDOW = 60        # characters before a run in which context words count
CVV_AFTER_CARD_WINDOW = 80  # a 3-4 digit run this close after a card number is its CVV
CVV_TURNS_AFTER_CONTEXT = 2  # a CVV answer may come this many turns after the question


class RedactionFailed(HotlineError):
    """Redaction could not be completed; nothing from this call may be stored."""


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋－，（）．／", "0123456789+-,()./")
_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|[\u3007\u4e00-\u9fff]|\s+|.", re.S)
_EN_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "one": "1", "two": "2", "three": "3",
    "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
_EN_TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}
_EN_TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7",
    "eighty": "8", "ninety": "9",
}
_ZH_DIGITS = {
    "零": "0", "〇": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3",
    "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}
_MULTIPLIERS = {"double": 2, "triple": 3}
# What ASR writes for a spoken digit ("five nine two eight three three" -> "5.928 free free").
# Counted only in a customer's answer to an agent asking for a card, CVV, ID or phone number.
_HOMOPHONES = {
    "free": "3", "tree": "3", "for": "4", "fore": "4", "to": "2", "too": "2", "won": "1",
    "ate": "8", "niner": "9", "nein": "9",
}
_FILLERS = {"uh", "um", "er", "erm", "ah", "hmm", "mm", "嗯", "呃", "啊", "额"}
_COMMAS = set(",，、")
# Dots, slashes and brackets join digit groups too ("4111.1111...", "+1 (415) 555-2671"): a
# joiner only ever sits *between* two number tokens, so a full stop after a number ends the run.
_JOINERS = set("-–—./()") | _COMMAS | {"\u3000"}

_CARD_CTX = re.compile(
    r"card|visa|master|amex|unionpay|credit|debit|卡号|银行卡|信用卡|借记卡|储蓄卡|卡的号", re.I)
_PHONE_CTX = re.compile(
    r"phone|mobile|cell|number|call me|call back|reach me|contact|电话|手机|号码|联系", re.I)
# Words that make a long number an ordinary reference, not PII ("order number 20261130").
_NOT_PII_CTX = re.compile(
    r"\b(?:order|ticket|tracking|track|reference|ref|case|invoice|receipt|booking|confirmation"
    r"|parcel|shipment|waybill|serial|model|transaction|complaint number|work order"
    r"|account number|imei)\b"
    r"|工单|订单|单号|快递|物流|流水|编号|发票|运单|受理号|业务号|投诉号", re.I)
# Context that names PII specifically (the generic "number" / 号码 is not enough to beat an
# "order" said closer to the digits).
_PII_NAMED_CTX = re.compile(
    r"card|visa|master|amex|unionpay|credit|debit|phone|mobile|cell|call me|call back|reach me"
    r"|contact|\bid\b|identity|passport|cvv|cvc|security code|卡号|银行卡|信用卡|电话|手机|联系"
    r"|身份证|证件|安全码", re.I)
_CVV_CTX = re.compile(
    r"cvv|cvc|cv2|security (?:code|number|digits)|verification value|card verification|card code"
    r"|(?:three|3|four|4)[- ]digits?|code on the back|digits on the back|back of (?:the|your) card"
    r"|signature strip|安全码|校验码|验证码|背面|背后|后三位|末三位|后四位|签名栏", re.I)
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# the endings a spoken e-mail may have (hotline.privacy.inert looks for them too)
EMAIL_TLDS = ("com", "net", "org", "cn", "edu", "gov", "io", "co", "uk", "de", "fr", "jp", "hk",
              "tw", "info", "biz", "me", "us")
_DOT = r"(?:\s+(?:dot|点|point|period)\s+|\.)"
_SPOKEN_EMAIL_RE = re.compile(
    r"(?<![\w.\-])[A-Za-z0-9][\w.\-]*(?:\s+(?:dot|underscore|dash|hyphen|period)\s+[\w.\-]+)*"
    r"\s+(?:at|艾特)\s+[A-Za-z0-9\-]+(?:" + _DOT + r"[A-Za-z0-9\-]+)*" + _DOT
    + r"(?:" + "|".join(EMAIL_TLDS) + r")\b", re.I)
_ID_RE = re.compile(r"\d{17}[\dXx]")
_MOBILE_RE = re.compile(r"(?:0086|86)?1[3-9]\d{9}")
# Dates and clock times are masked before digit runs are built, so "2026-11-21 10:30" is not
# read as a ten-digit number.
_DATE_TIME_RE = re.compile(
    r"(?<![\d\-])(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])(?![\d\-])"
    r"|(?<![\d:])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?![\d:])")


@dataclass
class _Piece:
    digits: str
    start: int
    end: int
    comma_before: bool = False  # a comma (not just a space) separated it from the previous piece
    weak: bool = False          # an ASR homophone ("free", "for"), not a number word


@dataclass
class _Run:
    """A run of digits in a stream: its pieces and the character range it covers."""

    pieces: list[_Piece]
    plus: bool = False
    tens_open: bool = False  # last piece was "twenty"… and may absorb a following digit word

    @property
    def digits(self) -> str:
        return "".join(p.digits for p in self.pieces)

    @property
    def start(self) -> int:
        return self.pieces[0].start

    @property
    def end(self) -> int:
        return self.pieces[-1].end

    @property
    def strong_digits(self) -> int:
        return sum(len(p.digits) for p in self.pieces if not p.weak)

    def split_at_commas(self) -> list[_Run]:
        """Sub-runs between commas: "10086, 10010" is a list of numbers, not one number."""
        out: list[_Run] = []
        for i, piece in enumerate(self.pieces):
            if not out or piece.comma_before:
                out.append(_Run([piece], plus=self.plus and i == 0))
            else:
                out[-1].pieces.append(piece)
        return out


@dataclass
class _Hit:
    type: str
    start: int
    end: int


def _normalise(text: str) -> str:
    """Same-length normalisation so offsets stay valid: full-width digits to ASCII (an ASCII
    text has none of them: left as it is, translating was a sixth of the index's PII facts)."""
    return text if text.isascii() else text.translate(_FULLWIDTH)


def _digit_token(tok: str, homophones: bool = False) -> tuple[str, str] | None:
    """(kind, digits) for a token that is a number, else None; kind in digit/tens/mult/weak
    (a homophone, only with `homophones`)."""
    low = tok.lower()
    if homophones and low in _HOMOPHONES:
        return "weak", _HOMOPHONES[low]
    if tok.isascii() and tok.isdigit():
        return "digit", tok
    if _ID_RE.fullmatch(tok):
        return "digit", tok.upper()
    if low in _EN_DIGITS:
        return "digit", _EN_DIGITS[low]
    if low in _EN_TEENS:
        return "digit", _EN_TEENS[low]
    if low in _EN_TENS:
        return "tens", _EN_TENS[low]
    if low in _MULTIPLIERS:
        return "mult", str(_MULTIPLIERS[low])
    if tok in _ZH_DIGITS:
        return "digit", _ZH_DIGITS[tok]
    return None


def _is_joiner(tok: str) -> bool:
    return tok.isspace() or tok in _JOINERS or tok.lower() in _FILLERS


def _runs(text: str, start: int = 0, end: int | None = None, homophones: bool = False
          ) -> list[_Run]:
    """Every digit run in `text[start:end]` (normalised, with e-mails and dates masked);
    offsets stay those of `text`."""
    end = len(text) if end is None else end
    runs: list[_Run] = []
    cur: _Run | None = None
    mult, comma = 1, False
    plus_at = start if start > 0 and text[start - 1] == "+" else -2
    for m in _TOKEN_RE.finditer(text, start, end):
        tok, s, e = m.group(), m.start(), m.end()
        kind = _digit_token(tok, homophones)
        if kind is None:
            if _is_joiner(tok):
                comma = comma or tok in _COMMAS
                continue
            if cur:
                runs.append(cur)
                cur = None
            mult, comma = 1, False
            plus_at = e if tok == "+" else -2
            continue
        what, digits = kind
        if what == "mult":
            mult = int(digits)
            continue
        if cur and cur.tens_open and what == "digit" and len(digits) == 1 and digits != "0" \
                and tok.isalpha() and not comma:
            last = cur.pieces[-1]
            last.digits, last.end, cur.tens_open = last.digits[:-1] + digits, e, False
            continue
        digits = (digits + "0" if what == "tens" else digits) * mult
        piece = _Piece(digits, s, e, comma_before=comma and cur is not None, weak=what == "weak")
        if cur is None:
            cur = _Run([piece], plus=(plus_at == s))
        else:
            cur.pieces.append(piece)
        cur.tens_open = what == "tens"
        mult, comma = 1, False
    if cur:
        runs.append(cur)
    return runs


_EN_NUMBER_WORDS = "|".join(sorted([*_EN_DIGITS, *_EN_TEENS, *_EN_TENS, *_MULTIPLIERS],
                                   key=len, reverse=True))
_DIGITISH = (rf"(?<![A-Za-z0-9'])(?:\d{{17}}[Xx]|\d+|{_EN_NUMBER_WORDS})(?![A-Za-z0-9'])"
             rf"|[{''.join(_ZH_DIGITS)}]")
_JOINISH = (r"(?:\s|[-–—,，、\u3000./()]|[嗯呃啊额]"
            r"|(?<![A-Za-z0-9'])(?:uh|um|erm|er|ah|hmm|mm)(?![A-Za-z0-9']))")
# A stretch of number tokens and joiners: only these go through the token-by-token scanner,
# so ordinary prose costs one regex pass.
_REGION_RE = re.compile(rf"(?:{_DIGITISH})(?:{_JOINISH}*(?:{_DIGITISH}))*", re.I)
_ASK_DIGITISH = (rf"{_DIGITISH}|(?<![A-Za-z0-9'])(?:{'|'.join(_HOMOPHONES)})(?![A-Za-z0-9'])")
_ASK_REGION_RE = re.compile(rf"(?:{_ASK_DIGITISH})(?:{_JOINISH}*(?:{_ASK_DIGITISH}))*", re.I)


_ID_X_RE = re.compile(r"[\s\-]*(?:[Xx](?![A-Za-z0-9'])|叉)")


def _candidate_runs(text: str, homophones: bool = False) -> list[_Run]:
    runs: list[_Run] = []
    for m in (_ASK_REGION_RE if homophones else _REGION_RE).finditer(text):
        found = _runs(text, m.start(), m.end(), homophones)
        x = _ID_X_RE.match(text, m.end())
        if found and x and len(found[-1].digits) == 17:   # an ID read out, "...002 X"
            found[-1].pieces.append(_Piece("X", x.end() - 1, x.end()))
        runs += found
    return runs


def _id_checksum_ok(digits: str) -> bool:
    """GB 11643 check digit of an 18-character Chinese resident ID number."""
    if not _ID_RE.fullmatch(digits):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(digits[:17], weights, strict=True))
    return "10X98765432"[total % 11] == digits[17].upper()


def _luhn_ok(digits: str) -> bool:
    """The card-number checksum (ISO/IEC 7812)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


_DATE_PREFIX_RE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


def _ordinary(run: _Run, before: str) -> bool:
    """A reference number, not PII: an order/ticket/订单号 word said after any PII word, or a
    date-stamped id (20261130..., 202611301234) with no PII word and no valid card checksum."""
    d = run.digits
    if run.plus or (len(d) == 18 and _id_checksum_ok(d)):
        return False
    named = [m.end() for m in _PII_NAMED_CTX.finditer(before)]
    negative = [m.end() for m in _NOT_PII_CTX.finditer(before)]
    if negative and (not named or negative[-1] > named[-1]):
        return True
    return (not named and len(d) >= 8 and bool(_DATE_PREFIX_RE.match(d))
            and not _MOBILE_RE.fullmatch(d) and not (len(d) >= 13 and _luhn_ok(d)))


def _classify(run: _Run, before: str, cvv_context: bool, after_card: bool) -> str | None:
    """The PII type of a digit run, or None for an ordinary number."""
    d = run.digits
    n = len(d)
    if n >= 6 and _ordinary(run, before):
        return None
    if n == 18 and _id_checksum_ok(d):
        return "id_number"
    if not d.isdigit() and n == 18:
        return "id_number"
    if _MOBILE_RE.fullmatch(d):
        return "phone"
    if n >= 13:
        return "card_number"
    if run.plus and n >= 7:
        return "phone"
    if n >= 6 and _CARD_CTX.search(before):
        return "card_number"
    if 10 <= n <= 12:
        return "phone"
    if 7 <= n <= 9 and _PHONE_CTX.search(before):
        return "phone"
    if 3 <= n <= 4 and (cvv_context or after_card or _CVV_CTX.search(before)):
        return "cvv"
    return None


def _emails(text: str) -> list[_Hit]:
    hits = [_Hit("email", m.start(), m.end()) for m in _EMAIL_RE.finditer(text)]
    hits += [_Hit("email", m.start(), m.end()) for m in _SPOKEN_EMAIL_RE.finditer(text)]
    return hits


def _mask(text: str, hits: list[_Hit]) -> str:
    """Blank out hit ranges with a non-joining character so digits inside them do not count."""
    chars = list(text)
    for h in hits:
        chars[h.start:h.end] = "#" * (h.end - h.start)
    return "".join(chars)


def _scan(text: str, cvv_at: Callable[[int], bool] | None = None,
          asked_at: Callable[[int], str | None] | None = None,
          references_only: bool = False) -> list[_Hit]:
    """All PII hits in one stream. `cvv_at(pos)` says whether a CVV question precedes `pos`;
    `asked_at(pos)` which PII type the agent asked for, if `pos` lies in the answer.
    `references_only`: `asked_at` only ever answers REFERENCE or None (the re-check), so
    the answer passes (asked e-mails, answer hits), which find nothing then, are skipped."""
    text = _normalise(text)
    hits = _emails(text)
    if asked_at is not None and not references_only:
        hits += _asked_emails(text, asked_at)
    masked = _mask(text, hits + [_Hit("date", m.start(), m.end())
                                 for m in _DATE_TIME_RE.finditer(text)])
    last_card_end = -10**9
    for whole in _candidate_runs(masked):
        kind = _judge(whole, masked, cvv_at, last_card_end, asked_at)
        runs = [whole] if kind in _SURE else whole.split_at_commas()
        for run in runs:
            kind = _judge(run, masked, cvv_at, last_card_end, asked_at)
            if kind:
                start = run.start - 1 if run.plus else run.start  # the "+" goes too
                hits.append(_Hit("phone" if kind == "mobile" else kind, start, run.end))
                if kind == "card_number":
                    last_card_end = run.end
    if asked_at is None or references_only:
        return _merge_hits(hits)
    answers = _answer_hits(masked, asked_at)
    merged = _merge_hits(hits + answers)
    for h in merged:   # what the agent asked for names the span ("ID number?" -> [ID])
        asked = [a.type for a in answers if a.start < h.end and h.start < a.end]
        if asked and h.type != "email" and asked[0] != "cvv":   # a long number is no CVV
            h.type = asked[0]
    return merged


_UNIT_AFTER_RE = re.compile(
    r"\s*(?:yuan|rmb|dollars?|bucks|pounds?|euros?|cents?|gb|mb|gigs?|minutes?|mins?|hours?|days?"
    r"|weeks?|months?|years?|times|percent|%|元|块|分钟|小时|天|个月|年|次|兆|g\b)", re.I)


def _answer_hits(masked: str, asked_at: Callable[[int], str | None]) -> list[_Hit]:
    """Digit-like content of an answer to "what's the card number?" (or CVV, ID, phone) goes,
    however ASR spelled it: "It's 5.928 free free six, 96.73 free free" -> "It's [CARD]".
    Amounts and durations ("128 yuan", "for 20 years") and reference numbers stay."""
    hits = []
    for run, kind in _split_by_answer(_candidate_runs(masked, homophones=True), asked_at):
        if kind in (None, "email", REFERENCE) or len(run.digits) < 3:
            continue
        if run.strong_digits < 3 and len(run.pieces) < 3:
            continue
        before = masked[max(0, run.start - CONTEXT_WINDOW):run.start]
        if _UNIT_AFTER_RE.match(masked, run.end) or _ordinary(run, before):
            continue
        hits.append(_Hit(kind, run.start - 1 if run.plus else run.start, run.end))
    return hits


def _split_by_answer(runs: list[_Run], asked_at: Callable[[int], str | None]
                     ) -> list[tuple[_Run, str | None]]:
    """Runs cut where the question being answered changes (card digits, then the CVV)."""
    out: list[tuple[_Run, str | None]] = []
    for run in runs:
        prev: str | None | bool = False
        for piece in run.pieces:
            kind = asked_at(piece.start)
            if kind != prev:
                out.append((_Run([], plus=run.plus and not out), kind))
                prev = kind
            out[-1][0].pieces.append(piece)
    return out


_EMAIL_STOP = {"my", "email", "e-mail", "mail", "address", "is", "it's", "its", "it", "sure",
               "yes", "yeah", "ok", "okay", "so", "the", "that's", "and", "um", "uh", "oh", "well",
               "是", "邮箱", "我的"}
_AT_RE = re.compile(r"(?<![A-Za-z])(?:at|@|艾特)(?![A-Za-z])\s*", re.I)
_DOMAIN_RE = re.compile(r"[A-Za-z0-9\-]+(?:\s*(?:\.|\bdot\b|\bpoint\b|点)\s*[A-Za-z0-9\-]+)+", re.I)
_LOCAL_TOKEN_RE = re.compile(r"[A-Za-z0-9_.'\-]+|[\u4e00-\u9fff]")


def _asked_emails(text: str, asked_at: Callable[[int], str | None]) -> list[_Hit]:
    """A spelled-out e-mail in the answer to "what's your e-mail?": the words before "at"
    (back to "my email is") and the dotted domain after it."""
    hits = []
    for at in _AT_RE.finditer(text):
        if asked_at(at.start()) != "email":
            continue
        dom = _DOMAIN_RE.match(text, at.end())
        if not dom:
            continue
        start = at.start()
        for tok in reversed(list(_LOCAL_TOKEN_RE.finditer(text, max(0, at.start() - 80),
                                                          at.start()))):
            if tok.group().lower() in _EMAIL_STOP or text[tok.end():start].strip(" ,"):
                break
            start = tok.start()
        if start < at.start():
            hits.append(_Hit("email", start, dom.end()))
    return hits


def _merge_hits(hits: list[_Hit]) -> list[_Hit]:
    """Sorted, with overlapping hits (e.g. a written and a spoken e-mail match) merged."""
    out: list[_Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -h.end)):
        if out and h.start < out[-1].end:
            out[-1].end = max(out[-1].end, h.end)
        else:
            out.append(_Hit(h.type, h.start, h.end))
    return out


_TOKEN_MARK_RE = re.compile(r"\[(?:CARD|CVV|PHONE|ID|EMAIL)\]")  # our own tokens are no context
_SURE = {"card_number", "id_number", "mobile"}


def _judge(run: _Run, text: str, cvv_at: Callable[[int], bool] | None, last_card_end: int,
           asked_at: Callable[[int], str | None] | None = None) -> str | None:
    before = _TOKEN_MARK_RE.sub(" ", text[max(0, run.start - CONTEXT_WINDOW):run.start])
    after_card = run.start - last_card_end <= CVV_AFTER_CARD_WINDOW
    cvv_ctx = bool(cvv_at and 3 <= len(run.digits) <= 4 and cvv_at(run.start))
    kind = _classify(run, before, cvv_ctx, after_card)
    # the answer to "what's the order number?" is no PII; asked only about a run that would
    # be (the agent's questions are worked out on first need: a clean re-check never asks)
    if kind and asked_at is not None and not run.plus and asked_at(run.start) == REFERENCE:
        return None
    if kind == "phone" and (run.plus or _MOBILE_RE.fullmatch(run.digits)):
        return "mobile"
    return kind


def _apply(text: str, hits: list[tuple[str, int, int]]) -> str:
    """Replace (type, start, end) ranges of `text` with their tokens, right to left."""
    for kind, s, e in sorted(hits, key=lambda h: h[1], reverse=True):
        text = text[:s] + TOKENS[kind] + text[e:]
    return text


def redact_text(text: str) -> str:
    """`text` with every card, CVV, phone, ID and e-mail replaced by a token (logs, messages)."""
    if not text:
        return text
    return _apply(text, [(h.type, h.start, h.end) for h in _scan(text)])


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """(type, start, end) of every PII span in `text`; used by tests and the index guard."""
    return [(h.type, h.start, h.end) for h in _scan(text)]


# --------------------------------------------------------------------------------------------
# Streams over a document: one per speaker, across turns
# --------------------------------------------------------------------------------------------
@dataclass
class _Stream:
    """Concatenated segments (turn texts or words) with a map back to each segment."""

    segments: list[tuple[int, int]] = field(default_factory=list)  # (turn, word or -1)
    offsets: list[int] = field(default_factory=list)               # start of each segment
    texts: list[str] = field(default_factory=list)
    seps: list[str] = field(default_factory=list)
    _joined: str | None = None

    def add(self, key: tuple[int, int], text: str, sep: str) -> None:
        sep = sep if self.texts else ""
        start = self.offsets[-1] + len(self.texts[-1]) + len(sep) if self.texts else 0
        self.segments.append(key)
        self.offsets.append(start)
        self.texts.append(text)
        self.seps.append(sep)
        self._joined = None

    def joined(self) -> str:
        if self._joined is None:
            self._joined = "".join(sep + t for sep, t in zip(self.seps, self.texts, strict=True))
        return self._joined

    def pieces(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """(segment index, local start, local end) of every segment overlapping [start, end)."""
        out = []
        for i, (off, t) in enumerate(zip(self.offsets, self.texts, strict=True)):
            s, e = max(start, off), min(end, off + len(t))
            if s < e:
                out.append((i, s - off, e - off))
        return out

    def turn_at(self, pos: int) -> tuple[int, int]:
        """(turn, stream offset where that turn's first segment starts) for a position."""
        idx = max(0, bisect.bisect_right(self.offsets, pos) - 1)
        turn = self.segments[idx][0]
        while idx > 0 and self.segments[idx - 1][0] == turn:
            idx -= 1
        return turn, self.offsets[idx]


def _speaker_key(turn: Any) -> str:
    return turn.speaker or turn.role or "?"


def _cvv_checker(doc: CallDocument, stream: _Stream) -> Callable[[int], bool]:
    """True at a stream position when a CVV question came earlier in the same turn or in the
    `CVV_TURNS_AFTER_CONTEXT` turns just before (the agent asks, the customer answers)."""
    texts = [_TOKEN_MARK_RE.sub(" ", _normalise(t.text or "")) for t in doc.turns]

    def check(pos: int) -> bool:
        turn, turn_start = stream.turn_at(pos)
        if _CVV_CTX.search(stream.joined()[turn_start:pos]):
            return True
        lo = max(0, turn - CVV_TURNS_AFTER_CONTEXT)
        return any(_CVV_CTX.search(texts[i]) for i in range(lo, turn))

    return check


def _answer_checker(doc: CallDocument, stream: _Stream) -> Callable[[int], str | None]:
    """The PII type asked for by the agent turn(s) just before the turn at a stream position."""
    asked = answer_types(doc)
    return lambda pos: asked[stream.turn_at(pos)[0]]


def _only_reference(kind: str | None) -> str | None:
    return kind if kind == REFERENCE else None


def _streams(doc: CallDocument, by_words: bool, skip: Collection[str] = ()) -> list[_Stream]:
    """One stream per speaker (turn texts, or words), but for the speakers in `skip`."""
    streams: dict[str, _Stream] = {}
    for ti, turn in enumerate(doc.turns):
        key = _speaker_key(turn)
        if key in skip:
            continue
        stream = streams.setdefault(key, _Stream())
        if by_words:
            for wi, w in enumerate(turn.words):
                prev_turn = stream.segments[-1][0] if stream.segments else ti
                stream.add((ti, wi), w.word or "", " " if prev_turn == ti else "\n")
        else:
            stream.add((ti, -1), turn.text or "", "\n")
    return list(streams.values())


def _redact_streams(doc: CallDocument, by_words: bool) -> list[tuple[str, int, float, float]]:
    """Redact turn texts (or words) in place; return (type, turn, start, end) per turn hit."""
    found: list[tuple[str, int, float, float]] = []
    for stream in _streams(doc, by_words):
        if not stream.texts:
            continue
        hits = _scan(stream.joined(), _cvv_checker(doc, stream), _answer_checker(doc, stream))
        per_segment: dict[int, list[tuple[str, int, int]]] = {}
        for h in hits:
            pieces = stream.pieces(h.start, h.end)
            for seg, s, e in pieces:
                per_segment.setdefault(seg, []).append((h.type, s, e))
            found += _times(doc, stream, h.type, [p[0] for p in pieces])
        for seg, spans in per_segment.items():
            ti, wi = stream.segments[seg]
            turn = doc.turns[ti]
            if wi < 0:
                turn.text = _apply(turn.text, spans)
            else:
                turn.words[wi].word = _apply(turn.words[wi].word, spans)
    return found


def _times(doc: CallDocument, stream: _Stream, kind: str, segs: list[int]
           ) -> list[tuple[str, int, float, float]]:
    """One (type, turn, start, end) per turn a hit touches, timed by its words where known."""
    by_turn: dict[int, list[int]] = {}
    for seg in segs:
        ti, wi = stream.segments[seg]
        by_turn.setdefault(ti, []).append(wi)
    out = []
    for ti, wis in by_turn.items():
        turn = doc.turns[ti]
        words = [turn.words[w] for w in wis if w >= 0]
        if words:
            out.append((kind, ti, min(w.start for w in words), max(w.end for w in words)))
        else:
            out.append((kind, ti, turn.start, turn.end))
    return out


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def caller_hash(number: str, salt: str = "") -> str:
    """Salted HMAC-SHA256 of a caller number (digits only, +86/0086 stripped), 16 hex chars.

    Stable across calls so repeat callers can be counted without storing the number. `salt` is
    `Settings.pii_salt`; empty means the built-in default (fine for one machine's demo only).
    """
    salt = salt or DEFAULT_PII_SALT
    digits = re.sub(r"\D", "", _normalise(str(number)))
    if not digits:
        raise RedactionFailed("caller number has no digits")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return hmac.new(salt.encode(), digits.encode(), hashlib.sha256).hexdigest()[:16]


def mask_number(number: str) -> str:
    """Display form of a phone number: only the last four digits kept."""
    digits = re.sub(r"\D", "", _normalise(str(number)))
    return "*" * max(0, len(digits) - 4) + digits[-4:] if len(digits) > 4 else "*" * len(digits)


def redact_document(doc: CallDocument, *, salt: str = "") -> CallDocument:
    """Redact `doc` in place and return it: turn text, words, evidence, metadata (caller number
    masked + `caller_hash`), spans recorded in `doc.redactions`.

    The work is done on a copy that replaces the document's fields only once it has been
    verified, so a caller that ignores the return value still stores the redacted version.
    On any failure the document's text is wiped and `RedactionFailed` raised (fail closed).
    """
    try:
        out = copy.deepcopy(doc)
        _redact_metadata(out, salt)
        text_hits = _redact_streams(out, by_words=False)
        word_hits = _redact_streams(out, by_words=True)
        _record(out, text_hits, word_hits)
        _redact_free_text(out)
        leftovers = residual_pii(out)
    except Exception as exc:  # fail closed: the caller must store nothing
        _scrub(doc)
        raise RedactionFailed(f"redaction failed ({type(exc).__name__})") from None
    if leftovers:
        _scrub(doc)
        raise RedactionFailed(f"redaction left {len(leftovers)} sensitive span(s): "
                              f"{sorted({k for k, _ in leftovers})}")
    doc.__dict__.update(out.__dict__)
    return doc


def _scrub(doc: CallDocument) -> None:
    """Blank every free-text field of a document whose redaction failed, so that even a caller
    that swallows the exception has nothing sensitive left to store."""
    try:
        for turn in doc.turns:
            turn.text = "[REDACTION FAILED]"
            turn.words = []
        for v in doc.violations:
            v.evidence, v.message = "", ""
        doc.metadata = {k: v for k, v in (doc.metadata or {}).items()
                        if k in ("date", "agent_id", "area", "caller_hash")}
        doc.source = ""
        doc.emotion_summary, doc.metrics = {}, {}
    except Exception:  # nothing more can be done; the raise that follows still stops storage
        pass


def _record(doc: CallDocument, text_hits: list, word_hits: list) -> None:
    """Add word-timed spans, plus text-only spans for turns whose words found nothing."""
    seen = {(r.type, r.turn, round(r.start, 3), round(r.end, 3)) for r in doc.redactions}
    timed = {(k, t) for k, t, _s, _e in word_hits}
    for kind, turn, start, end in word_hits + [h for h in text_hits if (h[0], h[1]) not in timed]:
        key = (kind, turn, round(start, 3), round(end, 3))
        if key not in seen:
            seen.add(key)
            doc.redactions.append(Redaction(type=kind, turn=turn, start=start, end=end))
    doc.redactions.sort(key=lambda r: (r.turn, r.start))


def _redact_metadata(doc: CallDocument, salt: str) -> None:
    meta = doc.metadata
    raw = meta.get("caller_number")
    if raw and re.search(r"\d{5}", re.sub(r"[\s\-]", "", _normalise(str(raw)))):
        meta.setdefault("caller_hash", caller_hash(str(raw), salt))
        meta["caller_number"] = mask_number(str(raw))
    for key, value in list(meta.items()):
        if key != "caller_hash":
            meta[key] = _redact_value(value)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v) for v in value)
    return value


def _redact_free_text(doc: CallDocument) -> None:
    """Everything else that can quote a turn: violation evidence, summaries, the source path."""
    for v in doc.violations:
        v.evidence = redact_text(v.evidence or "")
        v.message = redact_text(v.message or "")
    doc.emotion_summary = _redact_value(doc.emotion_summary)
    doc.metrics = _redact_value(doc.metrics)
    doc.source = redact_text(doc.source or "")


def residual_pii(doc: CallDocument, *, words: bool = True, fields: Iterable[str] | None = None,
                 inert: Callable[[list[str]], bool] | None = None) -> list[tuple[str, str]]:
    """(type, where) of unconditional PII still in `doc` (cards, IDs, phones, e-mails).

    CVVs depend on conversational context, so they are not re-checked here; the answer to an
    agent's "order number?" stays exempt, as it was when the document was redacted. A reader
    that keeps only part of the document (the search index: turn texts and a few ids) checks
    that part: `words=False` skips the word timings, `fields` replaces the document's other
    strings (source, evidence, metadata, ...) with the ones it keeps. `inert(segments)`:
    True for a stream (a speaker's turns, or one field) that cannot hold any of these, which
    is then not scanned (`hotline.privacy.inert.stream_is_inert`).
    """
    left: list[tuple[str, str]] = []
    answers: list[list[str | None]] = []     # answer_types(doc), worked out on first need

    def reference_at(stream: _Stream) -> Callable[[int], str | None]:
        def at(pos: int) -> str | None:
            if not answers:
                answers.append(answer_types(doc))
            return _only_reference(answers[0][stream.turn_at(pos)[0]])
        return at

    clean = _inert_speakers(doc, inert) if inert is not None else set()
    for stream_words in (False, True) if words else (False,):
        for stream in _streams(doc, stream_words, () if stream_words else clean):
            if stream_words and inert is not None and inert(stream.texts):
                continue
            for h in _scan(stream.joined(), None, reference_at(stream), references_only=True):
                if h.type != "cvv":
                    left.append((h.type, "words" if stream_words else "text"))
    for text in _free_strings(doc) if fields is None else fields:
        if inert is None or not inert([text]):
            left += [(h.type, "field") for h in _scan(text) if h.type != "cvv"]
    return left


def _inert_speakers(doc: CallDocument, inert: Callable[[list[str]], bool]) -> set[str]:
    """The speakers whose turn texts, as one stream, `inert` says hold nothing."""
    texts: dict[str, list[str]] = {}
    for turn in doc.turns:
        texts.setdefault(_speaker_key(turn), []).append(turn.text or "")
    return {key for key, segments in texts.items() if inert(segments)}


def _free_strings(doc: CallDocument) -> list[str]:
    out = [doc.source or ""]
    out += [v.evidence or "" for v in doc.violations] + [v.message or "" for v in doc.violations]
    stack: list[Any] = [doc.metadata, doc.emotion_summary, doc.metrics]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack += [v for k, v in item.items() if k != "caller_hash"]
        elif isinstance(item, list | tuple):
            stack += list(item)
    return out


def assert_redacted(doc: CallDocument) -> None:
    """Raise `RedactionFailed` unless `doc` is free of cards, IDs, phones and e-mails."""
    left = residual_pii(doc)
    if left:
        raise RedactionFailed(f"document {doc.call_id} holds unredacted PII: "
                              f"{sorted({k for k, _ in left})}")


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message, so logs never hold PII."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.msg = redact_text(record.getMessage())
            record.args = ()
        except Exception:
            record.msg, record.args = "[log message dropped: redaction failed]", ()
        return True
