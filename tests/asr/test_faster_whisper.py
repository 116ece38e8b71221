"""The default backend on real audio with the real bundled model (Whisper tiny.en, int8, CPU)."""

from __future__ import annotations

import numpy as np
import pytest

from hotline import defaults
from hotline.asr import ASROptions, Transcript
from hotline.asr.wer import wer
from hotline.audio import decode_audio
from hotline.errors import ConfigError

from .conftest import JFK_TRUTH


def test_jfk_wer_with_word_timestamps(transcriber, options, jfk):
    result = transcriber.transcribe(jfk.mono, options)
    assert isinstance(result, Transcript)
    assert result.language == "en"
    assert result.duration == pytest.approx(11.0, abs=0.05)
    assert wer(JFK_TRUTH, result.text) <= 0.05, result.text
    assert wer(JFK_TRUTH, " ".join(w.word for w in result.words)) <= 0.05
    starts = [w.start for w in result.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= result.duration + 0.05 for w in result.words)
    assert all(0 < w.probability <= 1 for w in result.words)
    assert all(w.word == w.word.strip() and w.word for w in result.words)
    country = [w for w in result.words if w.word.lower().startswith("country")]
    assert len(country) == 2 and country[-1].end > 9.0   # "...for your country." ends the clip


def test_accepts_channel_first_input(transcriber, options, jfk):
    """(1, n) as decode_audio returns it works the same as (n,)."""
    result = transcriber.transcribe(jfk.samples[:1], options)
    assert wer(JFK_TRUTH, result.text) <= 0.05


def test_telephone_8k_mulaw_speech(transcriber, options, sox_file, data_dir):
    """jfk squeezed through a G.711 line (8 kHz mu-law), then resampled back to 16 kHz."""
    path = sox_file("jfk_8k_ulaw.wav", str(data_dir / "jfk.flac"), "-r", "8000", "-c", "1",
                    "-e", "u-law", "{out}")
    audio = decode_audio(path)
    assert audio.source_rate == 8000
    result = transcriber.transcribe(audio.mono, options)
    assert wer(JFK_TRUTH, result.text) <= 0.10, result.text


def test_hotword_brings_out_product_name(transcriber, data_dir):
    audio = decode_audio(data_dir / "hotwords.mp3")
    plain = transcriber.transcribe(audio.mono, ASROptions(hotwords=None))
    hinted = transcriber.transcribe(audio.mono, ASROptions(hotwords="ComfyUI"))
    assert "ComfyUI" not in plain.text          # tiny.en alone hears "comfy eye"
    assert "ComfyUI" in hinted.text, hinted.text
    assert any(w.word.strip(".,") == "ComfyUI" for w in hinted.words)
    # Still there when appended to the default telecom hotword list.
    both = transcriber.transcribe(
        audio.mono, ASROptions(hotwords="ComfyUI, " + defaults.TELECOM_HOTWORDS)
    )
    assert "ComfyUI" in both.text


def test_initial_prompt_also_steers(transcriber, data_dir):
    audio = decode_audio(data_dir / "hotwords.mp3")
    result = transcriber.transcribe(audio.mono, ASROptions(hotwords=None, initial_prompt="ComfyUI"))
    assert "ComfyUI" in result.text


def test_all_silence_gives_no_words(transcriber, options, sox_file):
    audio = decode_audio(sox_file("silence.wav", "-n", "-r", "8000", "-c", "1", "-e", "u-law",
                                  "{out}", "trim", "0", "5"))
    assert audio.is_silent
    result = transcriber.transcribe(audio.mono, options)
    assert result.words == [] and result.segments == [] and result.text == ""
    assert result.duration == pytest.approx(5.0, abs=0.01)


@pytest.mark.parametrize("noise", [["pinknoise", "vol", "0.01"], ["brownnoise", "vol", "0.1"],
                                   ["sine", "50", "vol", "0.1"]])
def test_line_noise_gives_no_hallucinated_words(transcriber, options, sox_file, noise):
    """Not silent (real energy: hiss, rumble, mains hum) but no speech: no text comes out."""
    audio = decode_audio(sox_file(f"noise_{noise[0]}.wav", "-n", "-r", "8000", "-c", "1",
                                  "-e", "u-law", "{out}", "synth", "6", *noise))
    assert not audio.is_silent
    assert transcriber.transcribe(audio.mono, options).words == []
    assert transcriber.transcribe(audio.mono, options.replace(vad_filter=False)).words == []


def test_silence_padding_around_speech_adds_nothing(transcriber, options, jfk):
    """Long silent hold before and after: words keep their real times, nothing is invented."""
    pad = np.zeros(16000 * 8, np.float32)
    samples = np.concatenate([pad, jfk.mono, pad])
    result = transcriber.transcribe(samples, options)
    assert wer(JFK_TRUTH, result.text) <= 0.05, result.text
    assert result.words[0].start >= 7.5 and result.words[-1].end <= 8 + 11.2


def test_english_only_model_refuses_mandarin(transcriber, jfk):
    with pytest.raises(ConfigError, match="multilingual") as err:
        transcriber.transcribe(jfk.mono, ASROptions(language="zh"))
    assert "HOTLINE_ASR_MODEL" in str(err.value)
    assert transcriber.transcribe(jfk.mono, ASROptions(language="en")).language == "en"


def test_batched_decoding_gives_the_same_words(transcriber, options, jfk):
    """batch_size=4: BatchedInferencePipeline (the faster, opt-in mode) on the same clip."""
    result = transcriber.transcribe(jfk.mono, ASROptions(batch_size=4))
    assert wer(JFK_TRUTH, result.text) <= 0.05
    assert len(result.words) >= 20


def test_without_vad_runs_sequentially(transcriber, jfk):
    """Batching needs VAD chunks; vad_filter=False (live assist) falls back to sequential."""
    result = transcriber.transcribe(jfk.mono, ASROptions(vad_filter=False, word_timestamps=False))
    assert wer(JFK_TRUTH, result.text) <= 0.05
    assert result.words and result.words[0].start >= 0   # spread over the segment


def test_word_times_do_not_spill_into_pauses(transcriber, jfk):
    """After tightening, no word starts or ends inside the silent padding around the speech,
    and tightened times never lie outside Whisper's own (they only shrink)."""
    pad = np.zeros(16000 * 3, np.float32)
    samples = np.concatenate([pad, jfk.mono, pad])
    raw = transcriber.transcribe(samples, ASROptions(tighten_word_times=False))
    tight = transcriber.transcribe(samples, ASROptions())
    assert [w.word for w in raw.words] == [w.word for w in tight.words]
    for r, t in zip(raw.words, tight.words, strict=True):
        assert r.start <= t.start < t.end <= r.end
    assert tight.words[0].start >= 3.0 and tight.words[-1].end <= 3.0 + 11.0
    assert tight.segments[0].start == tight.words[0].start
