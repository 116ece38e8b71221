"""Language detection wiring with a multilingual model (HOTLINE_ASR_MODEL = a CTranslate2 dir).

The model is a tiny Whisper with RANDOM weights that the test builds offline (see
tests/support/tiny_whisper.py): its detected language is arbitrary, so these tests assert that
hotline carries the model's own detection through per call and per channel, never that the
detection is right. Expected values come from calling faster-whisper directly on the same audio.
"""

from __future__ import annotations

import pytest
from faster_whisper import WhisperModel

from hotline import defaults
from hotline.asr import ASROptions, load_transcriber
from hotline.asr.faster import FasterWhisperTranscriber, transcribe_kwargs
from hotline.asr.language import LANGUAGE_UNSUPPORTED
from hotline.asr.options import ZH_HOTWORDS
from hotline.audio import decode_audio
from hotline.errors import ConfigError
from hotline.settings import Settings

# VAD off: the random model's detection on the whole clip, the same input both ways.
OPTIONS = ASROptions(vad_filter=False, temperature=(0.0,), max_new_tokens=8)


def bare_detection(transcriber, samples, options: ASROptions = OPTIONS) -> tuple[str, float]:
    """What faster-whisper itself detects (language=None) with the same options."""
    _, info = transcriber.model.transcribe(samples, **transcribe_kwargs(options, None))
    return info.language, float(info.language_probability)


def test_built_model_is_multilingual(multilingual_dir, multilingual):
    model = WhisperModel(str(multilingual_dir), device="cpu", compute_type="int8",
                         local_files_only=True)
    assert model.model.is_multilingual
    assert model.hf_tokenizer.get_vocab_size() == 51865     # multilingual Whisper vocabulary
    assert len(model.supported_languages) == 100
    assert multilingual.multilingual and multilingual.backend == "faster-whisper"


def test_language_detected_per_call(multilingual, data_dir):
    """auto + multilingual: nothing forced, the transcript carries the model's detection and the
    English-only `language_unsupported` rule does not apply."""
    audio = decode_audio(data_dir / "uberi_chinese.flac")
    expected, probability = bare_detection(multilingual, audio.mono)
    assert expected != "en"        # the built model's pick: would expose a forced "en"
    result = multilingual.transcribe(audio.mono, OPTIONS)
    assert result.language == expected
    assert result.language_probability == pytest.approx(probability, abs=1e-4)
    assert LANGUAGE_UNSUPPORTED not in result.flags


class Recording:
    """The real model, recording the keyword arguments hotline passes to `transcribe`."""

    def __init__(self, model) -> None:
        self.inner, self.calls = model, []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def transcribe(self, samples, **kwargs):
        self.calls.append(kwargs)
        return self.inner.transcribe(samples, **kwargs)


def test_telecom_hotwords_follow_detected_language(multilingual, data_dir):
    """auto + default telecom hotwords: the language is detected first and the prompt's terms
    switch to it (here: Mandarin terms configured, a non-zh detection -> the English terms)."""
    audio = decode_audio(data_dir / "funasr_sample.wav")
    detected, probability, _ = multilingual.model.detect_language(audio.mono, vad_filter=True)
    assert not detected.startswith("zh")         # the built model's pick
    recording = Recording(multilingual.model)
    result = FasterWhisperTranscriber(recording, multilingual.model_name).transcribe(
        audio.mono, OPTIONS.replace(vad_filter=True, hotwords=ZH_HOTWORDS))
    assert [(c["language"], c["hotwords"]) for c in recording.calls] == [(detected, defaults.TELECOM_HOTWORDS)]
    assert result.language == detected
    assert result.language_probability == pytest.approx(probability, abs=1e-4)


def test_no_detection_pass_without_telecom_hotwords(multilingual, jfk):
    recording = Recording(multilingual.model)
    FasterWhisperTranscriber(recording, multilingual.model_name).transcribe(jfk.mono, OPTIONS)
    assert [c["language"] for c in recording.calls] == [None]    # faster-whisper detects itself


def test_forced_language_is_kept(multilingual, jfk):
    result = multilingual.transcribe(jfk.mono, OPTIONS.replace(language="zh"))
    assert result.language == "zh" and result.language_probability == 1.0
    assert LANGUAGE_UNSUPPORTED not in result.flags


def test_zh_accepted_with_multilingual_model_only(multilingual_dir):
    loaded = load_transcriber(Settings(asr_model=str(multilingual_dir), asr_device="cpu", language="zh"))
    assert loaded.multilingual
    with pytest.raises(ConfigError, match="multilingual"):
        load_transcriber(Settings(asr_device="cpu", language="zh"))    # bundled tiny.en


def _pipeline(multilingual, tmp_path):
    from hotline.diarization import load_diarizer
    from hotline.pipeline import Pipeline, PipelineModels

    settings = Settings(asr_device="cpu", data_dir=str(tmp_path))
    return Pipeline(settings, PipelineModels(multilingual, load_diarizer(settings))), settings


def test_pipeline_call_language_is_the_detection(multilingual, data_dir, tmp_path):
    """A mono call: doc.language and doc.asr come from the model's detection, no flag that
    would skip analytics."""
    pipeline, settings = _pipeline(multilingual, tmp_path)
    audio = decode_audio(data_dir / "funasr_sample.wav")
    language, probability = bare_detection(multilingual, audio.mono, ASROptions(hotwords=settings.hotwords))
    doc = pipeline.process(data_dir / "funasr_sample.wav")
    assert (doc.language, doc.asr["language"]) == (language, language)
    assert doc.asr["language_probability"] == round(probability, 3)
    assert LANGUAGE_UNSUPPORTED not in doc.asr["flags"] and "channels" not in doc.asr
    assert doc.metrics.get("analytics_skipped") != LANGUAGE_UNSUPPORTED


def test_language_detected_per_channel(multilingual, sox_file, data_dir, tmp_path):
    """A stereo call through the pipeline: each channel's language is that channel's own
    detection (the pipeline's options: VAD on, telecom hotwords off by default)."""
    left, right = (sox_file(f"{name}_16k.wav", str(data_dir / source), "-r", "16000", "-c", "1", "{out}")
                   for name, source in (("jfk", "jfk.flac"), ("funasr", "funasr_sample.wav")))
    path = sox_file("jfk_left_funasr_right.wav", "-M", str(left), str(right), "{out}")
    pipeline, settings = _pipeline(multilingual, tmp_path)
    audio = decode_audio(path)
    options = ASROptions(hotwords=settings.hotwords)
    expected = [bare_detection(multilingual, audio.samples[c], options) for c in (0, 1)]
    assert expected[0][0] != expected[1][0]     # the built model's picks: would expose one language for both

    doc = pipeline.process(path)
    channels = doc.asr["channels"]
    assert [(ch["language"], ch["language_probability"]) for ch in channels] == [
        (lang, round(prob, 3)) for lang, prob in expected]
    assert LANGUAGE_UNSUPPORTED not in doc.asr["flags"]
    assert doc.language == doc.asr["language"] in {lang for lang, _ in expected}
