"""The call document as the files whisper/WhisperX users expect: txt, srt, vtt, tsv, json.

Subtitles carry the speaker's role ("Agent:" / "Customer:"; WebVTT as a `<v Agent>` voice
span), so a player shows who speaks. Long turns are cut into cues at word boundaries so each
cue stays readable (MAX_CUE_S / MAX_CUE_CHARS); a turn without word times stays one cue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hotline.diarization import join_words
from hotline.document import CallDocument, Turn, Word

FORMATS = ("txt", "srt", "vtt", "tsv", "json")
MAX_CUE_S = 7.0        # longest subtitle cue
MAX_CUE_CHARS = 84     # two lines of 42 characters


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    role: str
    text: str

    @property
    def label(self) -> str:
        return self.role.capitalize() if self.role in ("agent", "customer") else "Speaker"


def cues(doc: CallDocument) -> list[Cue]:
    """Subtitle cues in time order, each within one turn."""
    out: list[Cue] = []
    for turn in doc.turns:
        out.extend(_turn_cues(turn))
    return sorted(out, key=lambda c: (c.start, c.end))


def _turn_cues(turn: Turn) -> list[Cue]:
    if not turn.words:
        return [Cue(turn.start, turn.end, turn.role, turn.text.strip())] if turn.text.strip() else []
    out: list[Cue] = []
    chunk: list[Word] = []
    for word in turn.words:
        if chunk and (word.end - chunk[0].start > MAX_CUE_S
                      or len(join_words([*chunk, word])) > MAX_CUE_CHARS):
            out.append(Cue(chunk[0].start, chunk[-1].end, turn.role, join_words(chunk)))
            chunk = []
        chunk.append(word)
    if chunk:
        out.append(Cue(chunk[0].start, chunk[-1].end, turn.role, join_words(chunk)))
    return out


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(max(seconds, 0.0) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(doc: CallDocument) -> str:
    blocks = [f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.label}: {c.text}\n"
              for i, c in enumerate(cues(doc), 1)]
    return "\n".join(blocks)


def to_vtt(doc: CallDocument) -> str:
    blocks = [f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n<v {c.label}>{c.text}\n"
              for c in cues(doc)]
    return "WEBVTT\n\n" + "\n".join(blocks)


def to_tsv(doc: CallDocument) -> str:
    """whisper's tsv (start and end in integer milliseconds) plus role and speaker columns."""
    rows = ["start\tend\trole\tspeaker\ttext"]
    for turn in doc.turns:
        text = " ".join(turn.text.split())
        rows.append(f"{round(turn.start * 1000)}\t{round(turn.end * 1000)}\t{turn.role}\t"
                    f"{turn.speaker}\t{text}")
    return "\n".join(rows) + "\n"


def to_txt(doc: CallDocument) -> str:
    lines = [f"{Cue(t.start, t.end, t.role, '').label}: {t.text.strip()}" for t in doc.turns
             if t.text.strip()]
    return "\n".join(lines) + ("\n" if lines else "")


def to_json(doc: CallDocument) -> str:
    return json.dumps(doc.to_dict(), ensure_ascii=False, indent=2) + "\n"


WRITERS: dict[str, Callable[[CallDocument], str]] = {
    "txt": to_txt, "srt": to_srt, "vtt": to_vtt, "tsv": to_tsv, "json": to_json}


def write_outputs(doc: CallDocument, source: str | Path, out_dir: str | Path,
                  formats: list[str]) -> list[Path]:
    """Write `<out_dir>/<source stem>.<ext>` for each format; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{Path(source).stem}.{fmt}"
        path.write_text(WRITERS[fmt](doc), encoding="utf-8")
        paths.append(path)
    return paths
