"""openai-whisper backend: a local PyTorch checkpoint (.pt), same options, same Transcript.

openai-whisper has no VAD and no hotwords: silero VAD (the copy bundled with faster-whisper)
picks the speech regions, passed as `clip_timestamps`; hotwords join the initial prompt, carried
into every window like faster-whisper's hotwords.
"""

from __future__ import annotations

import numpy as np

from hotline.asr.faster import prepare_input
from hotline.asr.options import ASROptions
from hotline.asr.transcript import Segment, Transcript, build_transcript, empty_transcript, tighten
from hotline.audio import SAMPLE_RATE
from hotline.document import Word

_MERGE_GAP_S = 2.0   # speech regions closer than this become one clip (fewer 30 s windows)


class OpenAIWhisperTranscriber:
    """Wraps one loaded `whisper.model.Whisper`."""

    backend = "openai-whisper"

    def __init__(self, model, model_name: str = "") -> None:
        self.model = model
        self.model_name = model_name

    @property
    def multilingual(self) -> bool:
        return bool(self.model.is_multilingual)

    def transcribe(self, samples: np.ndarray, options: ASROptions) -> Transcript:
        samples, duration, language, silent = prepare_input(samples, options, self)
        if silent is not None:
            return silent
        clips = speech_clips(samples) if options.vad_filter else [0.0, duration]
        if not clips:
            return empty_transcript(language or "en", duration)
        result = self.model.transcribe(
            samples,
            language=language,
            task="transcribe",
            temperature=options.temperature,
            beam_size=options.beam_size if options.beam_size > 1 else None,
            word_timestamps=options.word_timestamps,
            initial_prompt=_prompt(options),
            carry_initial_prompt=bool(options.hotwords),
            condition_on_previous_text=options.condition_on_previous_text,
            no_speech_threshold=options.no_speech_threshold,
            logprob_threshold=options.log_prob_threshold,
            compression_ratio_threshold=options.compression_ratio_threshold,
            clip_timestamps=clips,
            fp16=str(self.model.device).startswith("cuda"),
            verbose=None,
            sample_len=options.max_new_tokens,
        )
        segments = [_segment(s) for s in result.get("segments", [])]
        speech_s = sum(b - a for a, b in zip(clips[::2], clips[1::2], strict=False))
        transcript = build_transcript(
            segments, options, result.get("language") or language or "en", duration,
            english_only=not self.multilingual, speech_s=speech_s,
        )
        return tighten(transcript, samples, options)


def speech_clips(samples: np.ndarray) -> list[float]:
    """[start, end, start, end, ...] seconds of speech from silero VAD, near regions merged."""
    from faster_whisper.vad import get_speech_timestamps

    regions = get_speech_timestamps(samples)
    merged: list[list[float]] = []
    for region in regions:
        start, end = region["start"] / SAMPLE_RATE, region["end"] / SAMPLE_RATE
        if merged and start - merged[-1][1] < _MERGE_GAP_S:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return [round(t, 3) for pair in merged for t in pair]


def _prompt(options: ASROptions) -> str | None:
    parts = [p for p in (options.hotwords, options.initial_prompt) if p]
    return " ".join(parts) or None


def _segment(seg: dict) -> Segment:
    words = [
        Word(w["word"].strip(), round(float(w["start"]), 3), round(float(w["end"]), 3),
             round(float(w.get("probability", 1.0)), 4))
        for w in seg.get("words") or []
        if w["word"].strip()
    ]
    return Segment(
        start=round(float(seg["start"]), 3),
        end=round(float(seg["end"]), 3),
        text=seg["text"].strip(),
        words=words,
        avg_logprob=float(seg.get("avg_logprob", 0.0)),
        no_speech_prob=float(seg.get("no_speech_prob", 0.0)),
        compression_ratio=float(seg.get("compression_ratio", 1.0)),
        temperature=float(seg.get("temperature", 0.0) or 0.0),
    )
