"""What the rule engine and the metrics see of a call: utterance units with timing facts.

A unit is a turn, or a piece of one when the speaker paused for SPLIT_PAUSE_S or more inside it
(diarization merges "please hold ... [25 s] ... thanks for holding" into one turn; the hold
must still be seen). Units are appended in arrival order, so the same context serves a stored
call (all turns at once) and a live call (turn by turn).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from hotline.document import CallDocument, Emotion, Turn, Word
from hotline.text import count_words, has_cjk, normalize, text_language

SPLIT_PAUSE_S = 5.0       # a pause this long inside a turn splits it into two units
OVERTALK_MIN_S = 0.2      # a start this far inside another speaker's speech counts as overtalk
_SENTENCE = re.compile(r"(?<=[.!?。！？；;])\s*")
_CLAUSE = re.compile(r"(?<=[.!?。！？；;,，])\s*")


def clauses(text: str) -> list[str]:
    """Sentence and comma pieces of a text, in order (each keeps its punctuation)."""
    return [c for c in _CLAUSE.split(text) if c.strip()]


@dataclass
class Unit:
    turn: int                 # index into doc.turns (what violations report)
    speaker: str
    role: str
    start: float
    end: float
    text: str
    lang: str
    norm: str                 # normalized text (see hotline.text)
    n_words: int
    emotion: Emotion | None
    gap_before: float         # silence since anyone last spoke (0 when overlapping)
    overlap: float            # seconds this unit started inside another speaker's speech
    over_role: str | None     # role of the speaker it talked over


class CallContext:
    """Units of one call plus per-unit caches (matches, sentence embeddings)."""

    def __init__(self, language: str = "auto", duration: float | None = None,
                 embedder: Any = None, recognisers: Any = None) -> None:
        self.language = language
        self.duration = duration          # None while a live call is still running
        self.embedder = embedder
        self.recognisers = recognisers    # analytics.recognise.Recognisers or None
        self._recognised: dict[int, np.ndarray] = {}
        self.units: list[Unit] = []
        self.cache: dict[tuple[int, int], Any] = {}
        self._emb: dict[int, np.ndarray] = {}
        self._last_end: dict[str, tuple[float, str]] = {}  # speaker -> (end, role)
        self._max_end = 0.0

    @classmethod
    def from_document(cls, doc: CallDocument, embedder: Any = None,
                      recognisers: Any = None) -> CallContext:
        ctx = cls(doc.language, doc.duration or None, embedder, recognisers)
        for i, turn in enumerate(doc.turns):
            ctx.add_turn(turn, i)
        if not ctx.duration:
            ctx.duration = ctx.now
        return ctx

    @property
    def now(self) -> float:
        return self._max_end

    def add_turn(self, turn: Turn, index: int) -> list[int]:
        """Append one turn's units; returns their indices."""
        added = []
        for start, end, text, words in _pieces(turn):
            added.append(len(self.units))
            self.units.append(self._unit(turn, index, start, end, text, words))
        return added

    def _unit(self, turn: Turn, index: int, start: float, end: float, text: str,
              words: list[Word]) -> Unit:
        lang = text_language(text, self.language)
        overlap, over_role = 0.0, None
        for spk, (spk_end, spk_role) in self._last_end.items():
            if spk != turn.speaker and spk_end - start > overlap:
                overlap, over_role = spk_end - start, spk_role
        unit = Unit(turn=index, speaker=turn.speaker, role=turn.role, start=start, end=end,
                    text=text, lang=lang, norm=normalize(text, lang),
                    n_words=len(words) if words and lang == "en" else count_words(text, lang),
                    emotion=turn.emotion, gap_before=max(0.0, start - self._max_end)
                    if self.units else max(0.0, start),
                    overlap=overlap if overlap >= OVERTALK_MIN_S else 0.0,
                    over_role=over_role if overlap >= OVERTALK_MIN_S else None)
        prev = self._last_end.get(turn.speaker, (0.0, turn.role))[0]
        self._last_end[turn.speaker] = (max(prev, end), turn.role)
        self._max_end = max(self._max_end, end)
        return unit

    def piece(self, i: int, text: str) -> CallContext:
        """A one-unit context holding part of unit i's text with its timing facts: conditions
        can then ask what was said in the first clauses of a turn (same embedder, recognisers
        and clock, fresh caches)."""
        ctx = CallContext(self.language, self.duration, self.embedder, self.recognisers)
        u = self.units[i]
        ctx.units.append(dataclasses.replace(u, text=text, norm=normalize(text, u.lang),
                                             n_words=count_words(text, u.lang)))
        ctx._max_end = self._max_end
        return ctx

    def sentence_embeddings(self, i: int) -> np.ndarray:
        """Embeddings of the unit's sentences (long turns would dilute one whole-turn vector)."""
        if i not in self._emb:
            sentences = [s for s in _SENTENCE.split(self.units[i].text) if s.strip()] or [""]
            self._emb[i] = self.embedder.encode(sentences)
        return self._emb[i]


    def recognition(self, i: int) -> np.ndarray:
        """Recogniser probabilities of unit i (computed with the other pending agent units in
        one batch: one embedding call per call, not per unit)."""
        if i not in self._recognised:
            todo = [k for k, u in enumerate(self.units) if k not in self._recognised
                    and (k == i or u.role == "agent") and u.text.strip()]
            todo = todo if i in todo else [*todo, i]
            probs = self.recognisers.unit_scores([self.units[k].text for k in todo])
            self._recognised.update(zip(todo, probs, strict=True))
        return self._recognised[i]


def _pieces(turn: Turn) -> list[tuple[float, float, str, list[Word]]]:
    """Split a turn at long internal pauses (needs word times); otherwise the turn itself."""
    words = turn.words
    cuts = [k for k in range(1, len(words)) if words[k].start - words[k - 1].end >= SPLIT_PAUSE_S]
    if not cuts:
        return [(turn.start, turn.end, turn.text, words)]
    out = []
    for a, b in zip([0, *cuts], [*cuts, len(words)], strict=True):
        group = words[a:b]
        sep = "" if has_cjk(turn.text) else " "
        text = sep.join(w.word.strip() for w in group)
        start = turn.start if a == 0 else group[0].start
        end = turn.end if b == len(words) else group[-1].end
        out.append((start, end, text, group))
    return out
