"""Live assist with a multilingual model on `auto`: each channel's language is detected once
(assist/language.py) and its later utterances are decoded in that language, prompted with the
telecom terms and area names in that language — never Mandarin prompted with English terms.

The model is the tiny multilingual Whisper with RANDOM weights the ASR tests build
(tests/support/tiny_whisper.py): real decodes, arbitrary output. It never picks en or zh, so
`Detects` reports its detection as zh; everything else (endpointing, the check's decode, the
options each utterance gets) is the product's own path."""

from __future__ import annotations

import asyncio
import dataclasses

import numpy as np
import pytest

from hotline.asr import ASROptions, load_transcriber
from hotline.assist.live import LiveEngine, live_asr_options, live_hotwords
from hotline.audio import decode_audio
from hotline.settings import Settings
from hotline.web.stream import AudioStream

pytestmark = pytest.mark.slow


class Detects:
    """The real transcriber, recording every decode's options; a detection reads as zh."""

    multilingual = True

    def __init__(self, inner) -> None:
        self.inner, self.seen = inner, []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def transcribe(self, samples, options):
        self.seen.append(options)
        result = self.inner.transcribe(samples, options)
        return dataclasses.replace(result, language="zh") if options.language == "auto" else result


@pytest.fixture(scope="module")
def assistant():
    from hotline.assist.assistant import Assistant

    return Assistant.load(Settings())


def test_live_hotwords_follow_the_language(assistant):
    graph = assistant.graph
    en, zh = live_hotwords("en", graph), live_hotwords("zh", graph)
    assert "roaming" in en and "Haidian" in en and not any("\u4e00" <= c <= "\u9fff" for c in en)
    assert "漫游" in zh and "海淀" in zh and "Haidian" not in zh and "roaming" not in zh
    assert live_hotwords("auto", graph) is None       # unknown yet: no prompt at all


def _pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


async def _talk(stream: AudioStream, pieces: list[np.ndarray]) -> None:
    gap = np.zeros(16000, np.float32)                     # 1 s: the endpointer closes the utterance
    for piece in pieces:
        stream.feed(_pcm(np.concatenate([piece, gap])))
    while not stream.queue.empty():
        await asyncio.sleep(0.05)


def test_channel_is_decoded_in_its_detected_language(multilingual_dir, data_dir, assistant):
    inner = load_transcriber(Settings(asr_model=str(multilingual_dir), asr_device="cpu"))
    heard = Detects(inner)
    engine = LiveEngine(assistant, heard, live_asr_options(ASROptions, "auto", assistant.graph))
    assert engine.check_options is not None and engine.asr_options.hotwords is None
    speech = decode_audio(data_dir / "jfk.flac").mono[: 16000 * 10]
    pieces = np.array_split(speech, 3)                    # ~3.3 s each: past the 6 s to judge

    async def call() -> AudioStream:
        stream = AudioStream(engine, "ml-1", {"role": "customer", "rate": 16000})
        await _talk(stream, pieces)
        for _ in range(600):                              # the check runs at the lowest priority
            if stream.language.verdict is not None:
                break
            await asyncio.sleep(0.05)
        await _talk(stream, pieces[:1])
        await stream.finish()
        return stream

    try:
        stream = asyncio.run(call())
    finally:
        engine.close()
    assert stream.language.verdict == "ok" and stream.language.language == "zh"
    checks = [i for i, o in enumerate(heard.seen) if o.vad_filter]
    assert len(checks) == 1                               # the channel judged once
    before, after = heard.seen[:checks[0]], heard.seen[checks[0] + 1:]
    assert before and all(o.language == "auto" and o.hotwords is None for o in before)
    assert after and after[-1].language == "zh"
    assert after[-1].hotwords == live_hotwords("zh", assistant.graph)


def test_forced_language_needs_no_check(multilingual_dir, assistant):
    inner = load_transcriber(Settings(asr_model=str(multilingual_dir), asr_device="cpu"))
    engine = LiveEngine(assistant, inner, live_asr_options(ASROptions, "zh", assistant.graph))
    try:
        assert engine.check_options is None
        assert "海淀" in engine.asr_options.hotwords
        assert engine.channel_options("en") is not None       # but a detection would be followed
    finally:
        engine.close()

