"""Words + who-spoke-when -> exclusive, speech-bounded turns."""

from __future__ import annotations

import bisect
import unicodedata
from itertools import accumulate

from hotline.diarization.types import (
    OVERLAP_JOIN_S,
    TURN_PAUSE_S,
    TURN_SPLIT_GAP_S,
    Diarization,
    SpeakerSegment,
)
from hotline.document import Turn, Word


def words_to_turns(
    words: list[Word], diarization: Diarization, split_gap: float = TURN_PAUSE_S
) -> list[Turn]:
    """Turns from the speech segments, each holding the words said in it.

    A speaker's continuous speech (segments closer than `split_gap`, no other speaker between:
    a pause of `TURN_PAUSE_S` or more ends a turn) is one turn covering all of it, also where
    the ASR heard no word (Whisper cuts soft onsets and tails and misses backchannels): turn times are the voice's, so talk time and overtalk
    follow the speech. Each word goes to the speaker it overlaps most and, within that speaker,
    to the turn it overlaps most (nearest if none): every word is in exactly one turn. Second
    speakers on overlapped speech (`diarization.overlaps`) extend or add turns of their own, so
    mono turns may overlap in time like stereo ones.
    """
    ordered = sorted(words, key=lambda w: (w.start, w.end))
    segments = sorted(diarization.segments, key=lambda s: s.start)
    fallback = diarization.speakers[0] if diarization.speakers else "S0"
    starts = [s.start for s in segments]
    labels = [_speaker_of(w, segments, starts, fallback) for w in ordered]
    by_speaker = _SpanIndex(segments)
    clipped = [_clip_to_speech(w, spk, by_speaker) for spk, w in zip(labels, ordered, strict=True)]
    if not segments:
        return group_turns(list(zip(labels, clipped, strict=True)), split_gap)
    turns = speech_turns(segments, split_gap)
    homes = _SpanIndex(turns)
    for speaker, word in zip(labels, clipped, strict=True):
        _home(turns, homes, speaker, word).words.append(word)
    turns += _overlap_turns(turns, diarization.overlaps, split_gap)
    for turn in turns:
        _cover_words(turn)
    return sorted(turns, key=lambda t: (t.start, t.end))


class _SpanIndex:
    """Each speaker's spans (turns or segments) sorted by start, with running maximum ends,
    so the spans that can overlap or be nearest to a word are found by bisection: building
    turns is O(words x log turns), not a scan of every turn for every word."""

    def __init__(self, spans: list) -> None:
        self._own: dict[str, list] = {}
        for span in sorted(spans, key=lambda x: x.start):
            self._own.setdefault(span.speaker, []).append(span)
        self._cache: dict[str, tuple[list[float], list[float], list[int]]] = {}

    def add(self, span) -> None:
        self._own.setdefault(span.speaker, []).append(span)
        self._own[span.speaker].sort(key=lambda x: x.start)
        self._cache.pop(span.speaker, None)

    def _arrays(self, speaker: str) -> tuple[list[float], list[float], list[int]]:
        """Starts, running max of ends, and the first index holding each running max."""
        if speaker not in self._cache:
            own = self._own[speaker]
            ends = list(accumulate((x.end for x in own), max))
            first = [0] * len(own)
            for i in range(1, len(own)):
                first[i] = first[i - 1] if ends[i] == ends[i - 1] else i
            self._cache[speaker] = ([x.start for x in own], ends, first)
        return self._cache[speaker]

    def near(self, speaker: str, start: float, end: float) -> list:
        """In start order: every span of the speaker overlapping [start, end], plus the
        nearest one ending before it and the first one starting after it."""
        own = self._own.get(speaker)
        if not own:
            return []
        starts, ends, first = self._arrays(speaker)
        hi = bisect.bisect_left(starts, end)
        picked = set(range(bisect.bisect_right(ends, start), hi))
        if hi > 0:
            picked.add(first[hi - 1])
        if hi < len(own):
            picked.add(hi)
        return [own[i] for i in sorted(picked)]


def _home(turns: list[Turn], index: _SpanIndex, speaker: str, word: Word) -> Turn:
    """The speaker's turn the word overlaps most, else the nearest one (a new turn if none)."""
    own = index.near(speaker, word.start, word.end)
    if not own:
        turns.append(Turn(speaker=speaker, role="unknown", start=word.start, end=word.end, text=""))
        index.add(turns[-1])
        return turns[-1]

    def fit(t: Turn) -> tuple[float, float]:
        ov = min(t.end, word.end) - max(t.start, word.start)
        return (ov, -max(t.start - word.end, word.start - t.end)) if ov <= 0 else (ov, 0.0)

    return max(own, key=fit)


def _overlap_turns(turns: list[Turn], overlaps: list[SpeakerSegment],
                   split_gap: float) -> list[Turn]:
    """Second-speaker speech: widens that speaker's turn it touches, else a text-less turn."""
    added: list[Turn] = []
    for seg in sorted(overlaps, key=lambda s: s.start):
        near = [t for t in turns + added if t.speaker == seg.speaker
                and t.start - seg.end <= OVERLAP_JOIN_S and seg.start - t.end <= OVERLAP_JOIN_S]
        if near:
            near[0].start = round(min(near[0].start, seg.start), 3)
            near[0].end = round(max(near[0].end, seg.end), 3)
        else:
            added += speech_turns([seg], split_gap)
    return added


def _cover_words(turn: Turn) -> None:
    """Words in time order, text joined, and the turn's span covering every word."""
    turn.words.sort(key=lambda w: (w.start, w.end))
    turn.text = join_words(turn.words)
    if turn.words:
        turn.start = round(min(turn.start, turn.words[0].start), 3)
        turn.end = round(max(turn.end, max(w.end for w in turn.words)), 3)


def _clip_to_speech(word: Word, speaker: str, segments: _SpanIndex) -> Word:
    """Trim a word's edges to its speaker's speech.

    Whisper stretches the first word after a pause back into the silence (and the last one
    forward); the diarizer's VAD-trimmed segments know where the voice really starts and ends.
    """
    own = [s for s in segments.near(speaker, word.start, word.end)
           if s.end > word.start and s.start < word.end]
    if not own:
        return word
    start = max(word.start, min(s.start for s in own))
    end = min(word.end, max(s.end for s in own))
    if end - start < 0.02:
        return word
    return Word(word.word, round(start, 3), round(end, 3), word.probability)


def group_turns(labelled: list[tuple[str, Word]], split_gap: float = TURN_SPLIT_GAP_S) -> list[Turn]:
    """Consecutive (speaker, word) pairs of one speaker -> one turn; split at long pauses."""
    turns: list[Turn] = []
    for speaker, word in labelled:
        last = turns[-1] if turns else None
        if last and last.speaker == speaker and word.start - last.end <= split_gap:
            last.words.append(word)
            last.end = max(last.end, word.end)
        else:
            turns.append(Turn(speaker=speaker, role="unknown", start=word.start, end=word.end,
                              text="", words=[word]))
    for turn in turns:
        turn.text = join_words(turn.words)
    return turns


def speech_turns(segments: list[SpeakerSegment], split_gap: float = TURN_SPLIT_GAP_S,
                 overlapping: bool = False) -> list[Turn]:
    """Turns with times and speakers but no text: for speech the model cannot transcribe
    (asr `language_unsupported`), so nothing is invented. A speaker's segments closer than
    `split_gap` join into one turn, across another speaker's turn only if `overlapping`
    (stereo channels talk over each other; mono diarization is exclusive)."""
    turns: list[Turn] = []
    last: dict[str, Turn] = {}
    for seg in sorted(segments, key=lambda s: (s.start, s.end)):
        prev = last.get(seg.speaker)
        joinable = prev is not None and (overlapping or prev is turns[-1])
        if joinable and seg.start - prev.end <= split_gap:
            prev.end = max(prev.end, round(seg.end, 3))
            continue
        last[seg.speaker] = Turn(speaker=seg.speaker, role="unknown", start=round(seg.start, 3),
                                 end=round(seg.end, 3), text="")
        turns.append(last[seg.speaker])
    return turns


def _speaker_of(word: Word, segments: list[SpeakerSegment], starts: list[float],
                fallback: str) -> str:
    """The speaker with the most overlap with the word; the nearest segment if none overlaps
    (`segments` sorted by start, `starts` their starts: both found by bisection)."""
    if not segments:
        return fallback
    hi = bisect.bisect_right(starts, word.end)
    overlap: dict[str, float] = {}
    # Segments are sorted by start; look back far enough to catch long segments.
    for seg in segments[max(0, hi - 64):hi]:
        ov = min(seg.end, word.end) - max(seg.start, word.start)
        if ov > 0:
            overlap[seg.speaker] = overlap.get(seg.speaker, 0.0) + ov
    if overlap:
        return max(overlap, key=overlap.get)
    mid = 0.5 * (word.start + word.end)
    j = bisect.bisect_right(starts, mid)
    nearest = min(segments[max(0, j - 64):j + 1], key=lambda s: 0.0 if s.start <= mid <= s.end
                  else min(abs(s.start - mid), abs(s.end - mid)))
    return nearest.speaker


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def join_words(words: list[Word]) -> str:
    """Whisper words carry their own leading spaces; add one only between bare Latin words."""
    text = ""
    for w in words:
        piece = w.word
        if not piece:
            continue
        if text and not text[-1].isspace() and not piece[0].isspace():
            if not (_is_cjk(text[-1]) or _is_cjk(piece[0])) and piece[0] not in ",.?!;:'%)":
                text += " "
        text += piece
    return " ".join(text.split()) if not any(_is_cjk(c) for c in text) else text.strip()
