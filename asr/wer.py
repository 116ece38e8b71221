"""Word error rate with Whisper-style light normalisation (case, punctuation, whitespace)."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s']|_")


def normalize(text: str) -> list[str]:
    """Lower-case words without punctuation; apostrophes inside words are kept (don't, it's)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _PUNCT.sub(" ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance over tokens (substitutions + deletions + insertions)."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: edits / reference words (1.0 for an empty reference with output)."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


word_error_rate = wer  # the name other areas' tests import


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate (for Mandarin, where words are not space-separated)."""
    ref = [c for c in "".join(normalize(reference))]
    hyp = [c for c in "".join(normalize(hypothesis))]
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)
