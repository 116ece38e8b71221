"""Non-English speech under the English-only bundled model is flagged, never transcribed.

Real clips (tests/data, copied from ../shared/data/real): Mandarin from FireRedASR, FunASR and
speech_recognition; English from speechbrain and faster-whisper's test data.
"""

from __future__ import annotations

import pytest

from hotline.asr.language import (
    LANGUAGE_UNSUPPORTED,
    LOW_CONFIDENCE,
    assess,
    transcript_confidence,
)
from hotline.asr.transcript import Segment, failed_decode
from hotline.asr.wer import wer
from hotline.audio import decode_audio
from hotline.document import Word

MANDARIN = ["frd_IT0011W0001.wav", "frd_TEST_NET_Y0000000000_-KTKHdZ2fb8_S00000.wav",
            "funasr_sample.wav", "uberi_chinese.flac"]
ENGLISH = ["jfk.flac", "sb_spk1_snt1.wav", "sb_spk2_snt2.wav"]


@pytest.mark.parametrize("name", MANDARIN)
def test_real_mandarin_is_flagged_without_text(name, data_dir, transcriber, options):
    result = transcriber.transcribe(decode_audio(data_dir / name).mono, options)
    assert LANGUAGE_UNSUPPORTED in result.flags
    assert result.words == [] and result.text == ""
    assert result.language != "en"
    assert result.confidence < 0.48


@pytest.mark.parametrize("name", ENGLISH)
def test_real_english_is_not_flagged(name, data_dir, transcriber, options):
    result = transcriber.transcribe(decode_audio(data_dir / name).mono, options)
    assert result.flags == []
    assert result.language == "en" and result.confidence > 0.6
    assert result.words


def test_no_thank_you_appended_to_a_short_sentence(data_dir, transcriber, options):
    """sb_spk2_snt2 (1.8 s): the failed last-resort decode of its tail said "Thank you."."""
    result = transcriber.transcribe(decode_audio(data_dir / "sb_spk2_snt2.wav").mono, options)
    truth = (data_dir / "sb_spk2_snt2.txt").read_text()
    assert "thank" not in result.text.lower()
    assert wer(truth, result.text) == 0.0


def test_confidence_counts_failed_decodes_as_unsure(options):
    words = [Word("Thank", 0.0, 0.2, 0.95), Word("you.", 0.2, 0.4, 0.95)]
    hot = Segment(0.0, 0.4, "Thank you.", words, avg_logprob=-1.3, temperature=1.0)
    cold = Segment(0.0, 0.4, "Thank you.", words, avg_logprob=-0.1, temperature=0.0)
    assert failed_decode(hot, options) and not failed_decode(cold, options)
    assert transcript_confidence([hot], [True])[0] < 0.15
    assert transcript_confidence([cold], [False])[0] > 0.9


def test_speech_with_nothing_decoded_is_flagged():
    assert assess([], english_only=True, speech_s=20.0).flags == [LANGUAGE_UNSUPPORTED]
    assert assess([], english_only=False, speech_s=20.0).flags == [LOW_CONFIDENCE]
    assert assess([], english_only=True, speech_s=0.2).flags == []
