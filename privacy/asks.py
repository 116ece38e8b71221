"""Which turns answer an agent's request for PII ("What's the card number?", "请问您的手机号").

Why: ASR garbles read-out digits ("5.928 free free six"), so a number scanner alone misses them.
A customer turn that follows such a question is an answer, and its digit-like content (number
words, homophones, digits with any separators) is masked as the type that was asked for.
"""

from __future__ import annotations

import re

from hotline.document import CallDocument

ANSWER_TURNS = 4   # turns after an agent's question in which the customer may still answer it

# Most specific first: "the security code on the back of your card" asks for the CVV. A question
# for an order, ticket or tracking number (or a device's IMEI) is answered with a reference: the
# digits in that answer are not PII ("REFERENCE").
REFERENCE = "reference"
ASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (REFERENCE, re.compile(
        r"(?<![A-Za-z])(?:order|ticket|tracking|case|invoice|reference|complaint|work order|parcel"
        r"|waybill|serial|imei|model)(?![A-Za-z])|订单|工单|单号|快递|物流|运单|受理号|投诉号|串号|序列号|型号", re.I)),
    ("cvv", re.compile(
        r"cvv|cvc|cv2|security (?:code|number|digits)|card code|card verification"
        r"|(?:three|3)[- ]digits?|code on the back|digits on the back|on the back of"
        r"|back of (?:the|your) card|signature strip|安全码|校验码|背面|背后|后三位|末三位"
        r"|三位数|签名栏", re.I)),
    ("card_number", re.compile(
        r"card number|card no|(?:number|digits) on (?:the|your) card|card details|long number"
        r"|card's number|卡号|银行卡|信用卡|借记卡|储蓄卡", re.I)),
    ("id_number", re.compile(
        r"\bid (?:card )?number|\bid\b|identity (?:card )?number|identification number"
        r"|passport number|national id|身份证|证件号", re.I)),
    ("phone", re.compile(
        r"(?:phone|mobile|cell|contact|callback|call-back|call back|telephone) (?:number|no)"
        r"|number (?:to|where|we can|i can) (?:call|reach)|reach you on|call you back on"
        r"|电话号码|手机号|联系电话|联系方式|号码是多少", re.I)),
    ("email", re.compile(r"e-?mail|mail address|邮箱|电子邮件|邮件地址", re.I)),
)


def asked_type(text: str) -> str | None:
    """The PII type an agent utterance asks for, or None."""
    return next((kind for kind, pattern in ASKS if pattern.search(text or "")), None)


def answer_types(doc: CallDocument) -> list[str | None]:
    """Per turn: the PII type its speaker is answering (the latest agent request within
    `ANSWER_TURNS` turns before it), or None. Agent turns answer nothing."""
    out: list[str | None] = []
    last: tuple[int, str] | None = None
    for i, turn in enumerate(doc.turns):
        if turn.role == "agent":
            out.append(None)
            kind = asked_type(turn.text)
            if kind:
                last = (i, kind)
            continue
        out.append(last[1] if last and i - last[0] <= ANSWER_TURNS else None)
    return out
