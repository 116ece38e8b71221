"""faster-whisper backend (the default): CTranslate2 Whisper with silero VAD inside."""

from __future__ import annotations

from typing import Any

import numpy as np

from hotline import defaults
from hotline.asr.options import ZH_HOTWORDS, ASROptions
from hotline.asr.transcript import Segment, Transcript, build_transcript, empty_transcript, tighten
from hotline.audio import SAMPLE_RATE, as_mono, rms
from hotline.document import Word
from hotline.errors import ConfigError


class FasterWhisperTranscriber:
    """Wraps one loaded `WhisperModel`; load once, call `transcribe` for every recording."""

    backend = "faster-whisper"

    def __init__(self, model, model_name: str = "") -> None:
        self.model = model
        self.model_name = model_name
        self._batched = None

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)

    def transcribe(self, samples: np.ndarray, options: ASROptions) -> Transcript:
        """(n,) float32 16 kHz in, Transcript out; silence short-circuits to no words."""
        samples, duration, language, silent = prepare_input(samples, options, self)
        if silent is not None:
            return silent
        options, language, detected_p = self._detect_first(samples, options, language)
        segments, info = self._run(samples, options, language)
        decoded = [_segment(s) for s in segments]   # consume the generator: info is then final
        probability = detected_p if detected_p is not None else float(info.language_probability or 0.0)
        result = build_transcript(
            decoded, options, info.language, duration, probability,
            english_only=not self.multilingual, speech_s=_speech_seconds(info, duration),
        )
        return tighten(result, samples, options)

    def _detect_first(self, samples: np.ndarray, options: ASROptions, language: str | None
                      ) -> tuple[ASROptions, str | None, float | None]:
        """Multilingual model, language auto, telecom hotwords: detect the language before
        decoding so the hotword prompt is in the call's language (`ASROptions.hotwords_for`);
        faster-whisper would otherwise prompt a Mandarin call with the English terms. Returns
        (options, language to force, detection probability); unchanged otherwise."""
        if language is not None or options.hotwords not in (defaults.TELECOM_HOTWORDS, ZH_HOTWORDS):
            return options, language, None
        detected, probability, _ = self.model.detect_language(samples, vad_filter=options.vad_filter)
        return options.replace(hotwords=options.hotwords_for(detected)), detected, float(probability)

    def _run(self, samples: np.ndarray, options: ASROptions, language: str | None):
        kwargs = transcribe_kwargs(options, language)
        if options.batch_size > 0 and options.vad_filter:
            kwargs.pop("condition_on_previous_text")  # batched windows are independent anyway
            # Timestamp tokens on (batched default is off): segments split at pauses like the
            # sequential path, and prompted hotwords keep their spelling (measured on hotwords.mp3).
            return self._batched_pipeline().transcribe(
                samples, batch_size=options.batch_size, without_timestamps=False, **kwargs
            )
        return self.model.transcribe(samples, **kwargs)

    def _batched_pipeline(self):
        if self._batched is None:
            from faster_whisper import BatchedInferencePipeline

            self._batched = BatchedInferencePipeline(self.model)
        return self._batched


def transcribe_kwargs(options: ASROptions, language: str | None) -> dict:
    """ASROptions as `WhisperModel.transcribe` keyword arguments (also used by tests.support.asr_bench)."""
    return dict(
        language=language,
        beam_size=options.beam_size,
        word_timestamps=options.word_timestamps,
        vad_filter=options.vad_filter,
        hotwords=options.hotwords,
        initial_prompt=options.initial_prompt,
        no_speech_threshold=options.no_speech_threshold,
        log_prob_threshold=options.log_prob_threshold,
        compression_ratio_threshold=options.compression_ratio_threshold,
        condition_on_previous_text=options.condition_on_previous_text,
        temperature=list(options.temperature),
        max_new_tokens=options.max_new_tokens,
    )


def prepare_input(samples: np.ndarray, options: ASROptions, backend: Any
                  ) -> tuple[np.ndarray, float, str | None, Transcript | None]:
    """What every backend does first: mono float32, duration, the language to force, and the
    empty transcript to return at once when the input is silence (else None)."""
    samples = as_mono(samples)
    duration = samples.shape[0] / SAMPLE_RATE
    language = check_language(options.language, backend.multilingual, backend.model_name)
    silent = empty_transcript(language or "en", duration) if rms(samples) < defaults.SILENCE_RMS else None
    return samples, duration, language, silent


def check_language(language: str, multilingual: bool, model_name: str) -> str | None:
    """The language to force (None = detect); English-only model + zh is a ConfigError."""
    if not multilingual:
        if language == "zh":
            raise ConfigError(
                f"language zh (Mandarin) needs a multilingual Whisper model, but {model_name or 'the model'} "
                "is English-only; configure one with HOTLINE_ASR_MODEL=path/to/ctranslate2-model "
                "(e.g. a converted whisper small or large-v3)"
            )
        return "en"
    return None if language == "auto" else language


def _segment(seg) -> Segment:
    words = [
        Word(w.word.strip(), round(float(w.start), 3), round(float(w.end), 3), round(float(w.probability), 4))
        for w in (seg.words or [])
        if w.word.strip()
    ]
    return Segment(
        start=round(float(seg.start), 3),
        end=round(float(seg.end), 3),
        text=seg.text.strip(),
        words=words,
        avg_logprob=float(seg.avg_logprob),
        no_speech_prob=float(seg.no_speech_prob),
        compression_ratio=float(seg.compression_ratio),
        temperature=float(seg.temperature or 0.0),
    )


def _speech_seconds(info, duration: float) -> float:
    """Seconds of speech the VAD kept (the whole duration without VAD)."""
    after_vad = getattr(info, "duration_after_vad", None)
    return float(after_vad) if after_vad is not None else duration
