"""Words + diarization -> exclusive turns whose times come from the speech."""

from __future__ import annotations

from hotline.diarization import (
    TURN_SPLIT_GAP_S,
    Diarization,
    SpeakerSegment,
    join_words,
    words_to_turns,
)
from hotline.diarization.stereo import channel_turns
from hotline.document import Word


def _w(text: str, start: float, end: float) -> Word:
    return Word(text, start, end, 0.9)


DIAR = Diarization(
    segments=[SpeakerSegment(0.0, 3.0, "S0"), SpeakerSegment(3.0, 6.0, "S1"),
              SpeakerSegment(6.2, 20.0, "S0")],
    speakers=["S0", "S1"],
)


def test_words_assigned_by_overlap_and_merged():
    words = [_w(" Hello", 0.2, 0.6), _w(" there.", 0.7, 1.1), _w(" Hi", 2.8, 3.4),
             _w(" yes.", 3.5, 3.9), _w(" Okay", 6.3, 6.8)]
    turns = words_to_turns(words, DIAR)
    assert [(t.speaker, t.text) for t in turns] == [
        ("S0", "Hello there."), ("S1", "Hi yes."), ("S0", "Okay")]
    # " Hi" straddles the change: 0.2 s in S0, 0.4 s in S1 -> S1, and its stretched-back
    # start is trimmed to where S1's voice begins (3.0); the end follows S1's speech by <= 0.5 s.
    assert turns[1].start == 3.0 and turns[1].words[0].start == 3.0
    assert turns[1].end == 4.4
    # Exclusive: every word in exactly one turn, in order.
    assert [w.word for t in turns for w in t.words] == [w.word for w in words]
    assert all(a.end <= b.start for a, b in zip(turns, turns[1:], strict=False))


def test_turn_times_come_from_words_and_split_at_long_silence():
    words = [_w(" One", 7.0, 7.4), _w(" two.", 7.5, 8.0),
             _w(" Three", 8.0 + TURN_SPLIT_GAP_S + 0.5, 11.0)]
    turns = words_to_turns(words, DIAR)
    assert len(turns) == 2 and {t.speaker for t in turns} == {"S0"}
    # Widened at most 0.5 s into the surrounding speech, never to the segment's 6.2..20.0.
    assert (turns[0].start, turns[0].end) == (6.5, 8.5)
    assert turns[1].start == 10.0
    # A short pause keeps one turn.
    assert len(words_to_turns(words[:2], DIAR)) == 1


def test_word_outside_all_segments_goes_to_nearest():
    diar = Diarization([SpeakerSegment(0.0, 1.0, "S0"), SpeakerSegment(5.0, 6.0, "S1")],
                       ["S0", "S1"])
    turns = words_to_turns([_w(" late", 4.5, 4.8)], diar)
    assert turns[0].speaker == "S1"


def test_empty_inputs():
    assert words_to_turns([], DIAR) == []
    assert words_to_turns([_w(" hi", 0, 1)], Diarization([], [], "embedded"))[0].speaker == "S0"


def test_join_words_latin_and_cjk():
    assert join_words([_w(" Hello", 0, 1), _w(",", 1, 1), _w(" world", 1, 2)]) == "Hello, world"
    assert join_words([_w("Hello", 0, 1), _w("world", 1, 2)]) == "Hello world"
    assert join_words([_w("您好", 0, 1), _w("欢迎", 1, 2), _w("致电", 2, 3)]) == "您好欢迎致电"


def test_channel_turns_interleaves_without_cross_talk():
    left = [_w(" Thank", 0.0, 0.3), _w(" you.", 0.3, 0.6), _w(" Sure.", 3.0, 3.4)]
    right = [_w(" Hi,", 1.0, 1.3), _w(" help.", 1.4, 2.0)]
    turns = channel_turns({"S0": left, "S1": right})
    assert [(t.speaker, t.text) for t in turns] == [
        ("S0", "Thank you."), ("S1", "Hi, help."), ("S0", "Sure.")]
    for t in turns:
        source = left if t.speaker == "S0" else right
        assert all(w in source for w in t.words)
