"""Fake but well-formed personal data for redaction tests (valid Luhn / ID checksums)."""

from __future__ import annotations

import random

EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ZH_DIGITS = "零一二三四五六七八九"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MOBILE_PREFIXES = ("133", "135", "136", "138", "139", "150", "152", "158", "186", "189", "199")


def luhn_ok(number: str) -> bool:
    """True when the digit string passes the Luhn check (card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_number(rng: random.Random) -> str:
    """A 16-digit card number with a valid Luhn digit (Visa / Mastercard / UnionPay prefixes)."""
    body = rng.choice(("4", "5" + str(rng.randint(1, 5)), "62"))
    while len(body) < 15:
        body += str(rng.randint(0, 9))
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def id_checksum(first17: str) -> str:
    """GB 11643 check character of an 18-digit resident ID number."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_ok(number: str) -> bool:
    """True when an 18-character Chinese ID has the right check character."""
    return len(number) == 18 and number[:17].isdigit() and id_checksum(number[:17]) == number[17]


def id_number(rng: random.Random, area_code: str = "110105", male: bool = True) -> str:
    """18-digit resident ID: area, birth date, sequence (odd = male), checksum."""
    birth = f"{rng.randint(1950, 2002)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    first17 = f"{area_code}{birth}{seq:03d}"
    return first17 + id_checksum(first17)


def mobile(rng: random.Random) -> str:
    """CN 11-digit mobile number."""
    return rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(8))


def cvv(rng: random.Random) -> str:
    return f"{rng.randint(100, 999)}"


def email(first: str, last: str, rng: random.Random) -> str:
    return f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@example.com"


def spoken(digits: str, lang: str, group: int = 4) -> str:
    """Digits as words, grouped ("four one one one, one one ..." / "四一一一，一一一一")."""
    groups = [digits[i:i + group] for i in range(0, len(digits), group)]
    if lang == "zh":
        return "，".join("".join(ZH_DIGITS[int(c)] if c.isdigit() else c for c in g)
                        for g in groups)
    return ", ".join(" ".join(EN_DIGITS[int(c)] if c.isdigit() else c for c in g)
                     for g in groups)


def grouped(digits: str, sizes: tuple[int, ...] = (4, 4, 4, 4)) -> str:
    """Digits with spaces ("4111 1111 1111 1111", phones as 3-4-4)."""
    out, i = [], 0
    for size in sizes:
        out.append(digits[i:i + size])
        i += size
    if i < len(digits):
        out.append(digits[i:])
    return " ".join(p for p in out if p)
