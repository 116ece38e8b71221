"""The call document of the public contract (`../shared/CONTRACT.md`) as dataclasses.

Every stage reads and writes these; `to_dict`/`from_dict` are the only JSON mapping, so the
contract lives in one place.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

ROLES = ("agent", "customer", "unknown")
EMOTIONS = ("neutral", "positive", "negative", "angry")


@dataclass
class Word:
    word: str
    start: float
    end: float
    probability: float = 1.0


@dataclass
class Emotion:
    label: str = "neutral"
    score: float = 0.0
    valence: float = 0.0
    arousal: float = 0.0


@dataclass
class Turn:
    speaker: str
    role: str
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    emotion: Emotion | None = None


@dataclass
class Speaker:
    id: str
    role: str = "unknown"
    role_confidence: float = 0.0
    channel: int | None = None
    role_evidence: str = ""     # short reason: cues heard, channel map agreeing or not


@dataclass
class Violation:
    rule: str
    severity: str
    start: float
    end: float
    turn: int | None
    evidence: str
    message: str = ""


@dataclass
class Redaction:
    type: str
    turn: int
    start: float
    end: float


@dataclass
class CallDocument:
    call_id: str
    source: str
    duration: float
    sample_rate: int
    channels: int
    language: str
    pipeline_version: str
    speakers: list[Speaker] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    redactions: list[Redaction] = field(default_factory=list)
    # model, language, language_probability, confidence, flags (language_unsupported,
    # low_confidence), channels: the same per channel of a stereo call.
    asr: dict[str, Any] = field(default_factory=dict)
    # Extensions beyond the contract's minimum (the contract allows extending).
    emotion_summary: dict[str, Any] = field(default_factory=dict)
    intents: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)  # agent_id, caller_number, area, date
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallDocument:
        data = dict(data)
        data["speakers"] = [Speaker(**s) for s in data.get("speakers", [])]
        data["turns"] = [_turn_from_dict(t) for t in data.get("turns", [])]
        data["violations"] = [Violation(**v) for v in data.get("violations", [])]
        data["redactions"] = [Redaction(**r) for r in data.get("redactions", [])]
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def role_of(self, speaker_id: str) -> str:
        return next((s.role for s in self.speakers if s.id == speaker_id), "unknown")

    @property
    def asr_flags(self) -> list[str]:
        """The call's ASR flags: `language_unsupported` means its turns carry no text to analyse."""
        return list(self.asr.get("flags", []))


def _turn_from_dict(data: dict[str, Any]) -> Turn:
    data = dict(data)
    data["words"] = [Word(**w) for w in data.get("words", [])]
    emotion = data.get("emotion")
    data["emotion"] = Emotion(**emotion) if emotion else None
    return Turn(**data)
