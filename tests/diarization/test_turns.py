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
from hotline.diarization.types import TURN_PAUSE_S
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
    # start is trimmed to where S1's voice begins (3.0). Each turn spans its speech segment.
    assert turns[1].words[0].start == 3.0
    assert [(t.start, t.end) for t in turns] == [(0.0, 3.0), (3.0, 6.0), (6.2, 20.0)]
    # Exclusive: every word in exactly one turn, in order.
    assert [w.word for t in turns for w in t.words] == [w.word for w in words]
    assert all(a.end <= b.start for a, b in zip(turns, turns[1:], strict=False))


def test_continuous_speech_is_one_turn_split_at_long_pauses():
    """A speaker's pause-free speech stays one turn even where the ASR heard nothing in it;
    segments further apart than the split gap are two turns."""
    diar = Diarization([SpeakerSegment(6.2, 9.0, "S0"), SpeakerSegment(9.3, 10.0, "S0"),
                        SpeakerSegment(10.1 + TURN_PAUSE_S, 14.0, "S0")], ["S0"])
    words = [_w(" One", 7.0, 7.4), _w(" two.", 7.5, 8.0), _w(" Three", 13.0, 13.5)]
    turns = words_to_turns(words, diar)
    assert [(t.start, t.end, t.text) for t in turns] == [(6.2, 10.0, "One two."),
                                                          (10.6, 14.0, "Three")]
    # The stereo/text-less gap (2 s) keeps them one turn when asked for.
    assert len(words_to_turns(words, diar, split_gap=TURN_SPLIT_GAP_S)) == 1


def test_wordless_speech_keeps_a_turn_and_words_stay_in_their_segment():
    """Speech the ASR missed (a backchannel) is a text-less turn of its speaker; a word is
    put in the turn of its speaker it overlaps, not in another turn of that speaker."""
    diar = Diarization([SpeakerSegment(0.0, 2.0, "S0"), SpeakerSegment(2.0, 2.5, "S1"),
                        SpeakerSegment(2.5, 5.0, "S0")], ["S0", "S1"])
    words = [_w(" first", 0.5, 1.0), _w(" second", 3.0, 3.5)]
    turns = words_to_turns(words, diar)
    assert [(t.speaker, t.start, t.end, t.text) for t in turns] == [
        ("S0", 0.0, 2.0, "first"), ("S1", 2.0, 2.5, ""), ("S0", 2.5, 5.0, "second")]


def test_overlapped_second_speaker_turns_overlap_in_time():
    """Overlaps widen the second speaker's adjacent turn (an early start) or add a text-less
    turn (a backchannel inside the other's speech); turns then overlap in time."""
    diar = Diarization([SpeakerSegment(0.0, 4.0, "S0"), SpeakerSegment(4.0, 7.0, "S1"),
                        SpeakerSegment(7.0, 12.0, "S0")], ["S0", "S1"],
                       overlaps=[SpeakerSegment(3.4, 4.0, "S1"), SpeakerSegment(9.0, 9.5, "S1")])
    words = [_w(" a", 1.0, 1.5), _w(" b", 5.0, 5.5), _w(" c", 8.0, 8.5)]
    turns = words_to_turns(words, diar)
    assert [(t.speaker, t.start, t.end, t.text) for t in turns] == [
        ("S0", 0.0, 4.0, "a"), ("S1", 3.4, 7.0, "b"), ("S0", 7.0, 12.0, "c"),
        ("S1", 9.0, 9.5, "")]
    assert [w.word for t in turns for w in t.words] == [" a", " b", " c"]


def test_word_outside_all_segments_goes_to_nearest():
    diar = Diarization([SpeakerSegment(0.0, 1.0, "S0"), SpeakerSegment(5.0, 6.0, "S1")],
                       ["S0", "S1"])
    turns = words_to_turns([_w(" late", 4.5, 4.8)], diar)
    assert [(t.speaker, t.start, t.end, t.text) for t in turns] == [
        ("S0", 0.0, 1.0, ""), ("S1", 4.5, 6.0, "late")]


def test_empty_inputs():
    assert words_to_turns([], Diarization([], [], "embedded")) == []
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


def _scan_home(turns, speaker: str, word: Word):
    """The scan `turns._home` replaced (O(turns) per word): the reference it must equal."""
    own = [t for t in turns if t.speaker == speaker]

    def fit(t):
        ov = min(t.end, word.end) - max(t.start, word.start)
        return (ov, -max(t.start - word.end, word.start - t.end)) if ov <= 0 else (ov, 0.0)

    return max(own, key=fit) if own else None


def test_home_by_bisection_equals_the_scan():
    """On random segmentations (pauses, one speaker's turns on both sides of another's, words
    straddling, touching and outside turns) every word finds the same turn as the old scan."""
    import random

    from hotline.diarization.turns import _home, _SpanIndex, speech_turns

    rng = random.Random(5)
    checked = 0
    for _ in range(200):
        t, segments = 0.0, []
        for _ in range(rng.randint(1, 12)):
            t += rng.choice([0.0, 0.2, 0.7, 1.5])
            end = t + rng.uniform(0.1, 3.0)
            segments.append(SpeakerSegment(round(t, 2), round(end, 2), rng.choice(["S0", "S1"])))
            t = end
        turns = speech_turns(segments, TURN_PAUSE_S)
        index = _SpanIndex(turns)
        for _ in range(20):
            a = round(rng.uniform(-1.0, t + 1.0), 2)
            word = _w(" w", a, round(a + rng.choice([0.0, 0.1, 0.4, 1.2]), 2))
            speaker = rng.choice(["S0", "S1"])
            expected = _scan_home(turns, speaker, word)
            if expected is not None:
                assert _home(turns, index, speaker, word) is expected
                checked += 1
    assert checked > 2000


def test_long_word_list_every_word_in_its_speakers_turn():
    """A 3-hour call of 20,000 words over 6,000 alternating segments: each word lands in the
    turn of the segment it was said in (the bisection path at scale)."""
    segments, words = [], []
    for i in range(6000):
        start = i * 1.8
        segments.append(SpeakerSegment(round(start, 3), round(start + 1.6, 3), f"S{i % 2}"))
    for j in range(20000):
        seg = segments[j * 6000 // 20000]
        a = seg.start + 0.05 + 0.4 * (j % 3)
        words.append(_w(f" w{j}", round(a, 3), round(a + 0.3, 3)))
    turns = words_to_turns(words, Diarization(segments, ["S0", "S1"]))
    assert len(turns) == 6000
    placed = {w.word: t for t in turns for w in t.words}
    assert len(placed) == len(words)
    for j, w in enumerate(words):
        seg = segments[j * 6000 // 20000]
        turn = placed[w.word]
        assert (turn.speaker, turn.start, turn.end) == (seg.speaker, seg.start, seg.end)


def test_overlapping_mono_turns_count_as_overtalk():
    """A second speaker on overlapped mono speech makes turns that overlap in time, and the
    call metrics count them as overtalk, as they do for stereo channels."""
    from hotline.analytics.context import CallContext
    from hotline.analytics.metrics import compute_metrics
    from hotline.diarization import assign_roles
    from hotline.document import CallDocument

    words = [_w(" Hello", 0.2, 0.6), _w(" there", 0.7, 1.1), _w(" my", 5.0, 5.3),
             _w(" bill", 7.0, 7.4), _w(" sure", 9.0, 9.4)]
    segments = [SpeakerSegment(0.0, 6.0, "S0"), SpeakerSegment(6.0, 8.0, "S1"),
                SpeakerSegment(8.5, 10.0, "S0")]

    def overtalk(overlaps: list[SpeakerSegment]) -> int:
        turns = words_to_turns(words, Diarization(segments, ["S0", "S1"], overlaps=overlaps))
        speakers = assign_roles(turns)
        doc = CallDocument(call_id="t", source="t", duration=10.0, sample_rate=16000, channels=1,
                           language="en", pipeline_version="t", speakers=speakers, turns=turns)
        return compute_metrics(CallContext.from_document(doc), doc.duration)["overtalk_count"]

    assert overtalk([]) == 0
    # S1 starts 0.6 s before S0 stops (an early hand-over) and S1 talks over S0 once more.
    assert overtalk([SpeakerSegment(5.4, 6.0, "S1"), SpeakerSegment(9.0, 9.6, "S1")]) == 2
