"""ASROptions validation and model loading errors: a bad setting fails at start-up, clearly."""

from __future__ import annotations

import pytest

from hotline import defaults
from hotline.asr import ASROptions, load_transcriber
from hotline.asr.options import ZH_HOTWORDS
from hotline.asr.wer import cer, normalize, wer
from hotline.errors import ConfigError
from hotline.settings import Settings


def test_defaults_are_the_documented_ones():
    o = ASROptions()
    assert o.language == "auto" and o.beam_size == defaults.ASR_BEAM_SIZE
    assert o.vad_filter and o.word_timestamps and not o.condition_on_previous_text
    assert o.hotwords is None          # opt-in: prompts hurt tiny.en on 8 kHz calls
    assert o.no_speech_threshold == defaults.ASR_NO_SPEECH_THRESHOLD


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"beam_size": 0}, "beam_size"),
        ({"beam_size": 99}, "beam_size"),
        ({"beam_size": 2.5}, "beam_size"),
        ({"language": "klingon"}, "language"),
        ({"language": "de"}, "language"),
        ({"no_speech_threshold": 1.5}, "no_speech_threshold"),
        ({"temperature": ()}, "temperature"),
        ({"temperature": (0.0, 2.0)}, "temperature"),
        ({"compression_ratio_threshold": 0}, "compression_ratio"),
        ({"batch_size": -1}, "batch_size"),
        ({"hotwords": 5}, "hotwords"),
    ],
)
def test_bad_options_raise_config_error(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ASROptions(**kwargs)


def test_options_are_frozen_and_normalised():
    o = ASROptions(hotwords="  ", initial_prompt="", temperature=[0, 0.5])
    assert o.hotwords is None and o.initial_prompt is None and o.temperature == (0.0, 0.5)
    with pytest.raises(AttributeError):
        o.beam_size = 5  # type: ignore[misc]
    with pytest.raises(ConfigError):
        o.replace(beam_size=-3)


def test_from_settings_and_language_switch():
    assert ASROptions.from_settings(Settings()).hotwords is None
    telecom = ASROptions.from_settings(Settings(asr_hotwords="telecom"))
    assert telecom.hotwords == defaults.TELECOM_HOTWORDS
    o = ASROptions.from_settings(Settings(language="zh", asr_hotwords="telecom"))
    assert o.language == "zh" and o.hotwords == ZH_HOTWORDS   # telecom terms follow the language
    assert ASROptions.from_settings(Settings(asr_hotwords="ComfyUI")).hotwords == "ComfyUI"
    assert ASROptions.from_settings(Settings(), beam_size=5).beam_size == 5
    tel = ASROptions(hotwords=defaults.TELECOM_HOTWORDS)
    assert tel.for_language("zh").hotwords == ZH_HOTWORDS
    assert ASROptions(language="zh", hotwords=defaults.TELECOM_HOTWORDS).hotwords == ZH_HOTWORDS
    assert ASROptions(hotwords="X").for_language("zh").hotwords == "X"
    assert tel.for_language("zh").for_language("en").hotwords == defaults.TELECOM_HOTWORDS


def test_zh_with_bundled_english_model_fails_at_load():
    with pytest.raises(ConfigError, match=r"Mandarin.*multilingual.*HOTLINE_ASR_MODEL"):
        load_transcriber(Settings(language="zh", asr_device="cpu"))


@pytest.mark.parametrize("model, message", [
    ("/nonexistent/whisper-ct2", "does not exist"),
    ("not-a-model-size", "unknown ASR model"),
])
def test_bad_model_names(model, message):
    with pytest.raises(ConfigError, match=message):
        load_transcriber(Settings(asr_model=model, asr_device="cpu"))


def test_directory_without_model_bin(tmp_path):
    with pytest.raises(ConfigError, match="model.bin"):
        load_transcriber(Settings(asr_model=str(tmp_path), asr_device="cpu"))


def test_corrupt_model_dir_is_config_error(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"not a ctranslate2 model")
    with pytest.raises(ConfigError, match="cannot load ASR model"):
        load_transcriber(Settings(asr_model=str(tmp_path), asr_device="cpu"))


def test_bad_compute_type():
    with pytest.raises(ConfigError, match="asr_compute_type"):
        load_transcriber(Settings(asr_compute_type="int3", asr_device="cpu"))


def test_openai_backend_needs_a_checkpoint_file(tmp_path):
    with pytest.raises(ConfigError, match=r"\.pt checkpoint"):
        load_transcriber(Settings(asr_backend="openai-whisper", asr_model=str(tmp_path / "x.pt")))


def test_wer_helper():
    assert normalize("And so, my fellow Americans!") == ["and", "so", "my", "fellow", "americans"]
    assert wer("ask not what", "Ask not, what.") == 0.0
    assert wer("a b c d", "a x c") == pytest.approx(0.5)
    assert wer("", "") == 0.0 and wer("", "x") == 1.0
    assert cer("你好世界", "你好视界") == pytest.approx(0.25)
