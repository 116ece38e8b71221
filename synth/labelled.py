"""Calls written apart from the project (tests/data/eval/*/calls.jsonl) as documents and audio.

A labelled call is a list of turns (role, text, customer emotion, `pause_before_s` of silence,
`overlaps_previous`) with the rule ids it violates. Here it becomes what the analytics sees:
a CallDocument timed like speech (text-level scoring), or, with `render_turns` + ASR text,
the same document holding what tiny.en heard from espeak-ng audio in voices, speeds and line
noise the project was never tuned on.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from hotline.audio import Audio
from hotline.document import CallDocument, Speaker, Turn
from hotline.synth.render import Voice, synthesize
from hotline.synth.truth import spread_words

EN_WORDS_PER_S = 2.6          # conversational English
ZH_CHARS_PER_S = 4.5          # conversational Mandarin
GAP_S = 0.6                   # ordinary turn gap
OVERLAP_S = 0.8               # how far an interrupting turn starts before the previous ends

# Voices the default renderer does not use (speed in words per minute, pitch 0-99).
EVAL_VOICES = {
    "en": [Voice("en-us+m3", 150, 45), Voice("en-gb+f3", 170, 60), Voice("en+m7", 140, 40),
           Voice("en-us+f4", 180, 65), Voice("en-gb-x-rp+m1", 165, 50)],
    "zh": [Voice("cmn+m1", 240, 40), Voice("cmn+f2", 280, 60), Voice("cmn+m4", 250, 35)],
}
ANGRY_BOOST = (1.15, 25, 170)   # speed factor, pitch added, amplitude: angry turns are louder


def _speech_seconds(text: str, language: str) -> float:
    if language == "zh":
        return max(0.8, sum(1 for ch in text if not ch.isspace()) / ZH_CHARS_PER_S)
    return max(0.8, len(text.split()) / EN_WORDS_PER_S)


def call_seed(call: dict[str, Any]) -> int:
    return int(hashlib.sha256(call["id"].encode()).hexdigest()[:8], 16)


def to_document(call: dict[str, Any], texts: list[str] | None = None,
                durations: list[float] | None = None) -> CallDocument:
    """The labelled call as a document: agent S0, customer S1, turns timed by speech rate (or
    the rendered clip lengths), `texts` replacing the written ones (ASR output) when given."""
    lang = call["language"]
    turns, t = [], 0.0
    for i, spec in enumerate(call["turns"]):
        text = spec["text"] if texts is None else texts[i]
        dur = durations[i] if durations else _speech_seconds(spec["text"], lang)
        if i:
            t = t - OVERLAP_S if spec.get("overlaps_previous") else t + GAP_S
            t += float(spec.get("pause_before_s") or 0.0)
        speaker = "S0" if spec["role"] == "agent" else "S1"
        turns.append(Turn(speaker=speaker, role=spec["role"], start=round(t, 3),
                          end=round(t + dur, 3), text=text,
                          words=spread_words(text, t, t + dur)))
        t = max(t + dur, turns[-2].end if len(turns) > 1 else 0.0)
    return CallDocument(
        call_id=call["id"], source=f"eval://{call['id']}", duration=round(t + 0.5, 3),
        sample_rate=8000, channels=1, language=lang, pipeline_version="eval-labelled",
        speakers=[Speaker("S0", "agent", 1.0), Speaker("S1", "customer", 1.0)], turns=turns)


def voices_for(call: dict[str, Any]) -> list[Voice]:
    """One agent and one customer voice per call (seeded by its id), angry turns boosted."""
    rng = np.random.default_rng(call_seed(call))
    pool = EVAL_VOICES[call["language"]]
    agent, customer = rng.choice(len(pool), size=2, replace=False)
    out = []
    for spec in call["turns"]:
        v = pool[agent if spec["role"] == "agent" else customer]
        if spec.get("emotion") == "angry":
            speed, pitch, amp = ANGRY_BOOST
            v = Voice(v.voice, int(v.speed * speed), min(99, v.pitch + pitch), amp)
        out.append(v)
    return out


def render_turns(call: dict[str, Any], sample_rate: int = 8000,
                 snr_db: tuple[float, float] = (15.0, 30.0)) -> list[np.ndarray]:
    """Each turn as telephone audio in the call's voices, with seeded line noise."""
    rng = np.random.default_rng(call_seed(call) + 1)
    clips = synthesize([(t["text"], v) for t, v in zip(call["turns"], voices_for(call),
                                                         strict=True)], sample_rate)
    snr = float(rng.uniform(*snr_db))
    out = []
    for clip in clips:
        rms = float(np.sqrt(np.mean(clip ** 2))) if clip.size else 0.0
        noise = rng.standard_normal(clip.size).astype(np.float32) * rms * 10 ** (-snr / 20)
        out.append(np.clip(clip + noise, -1.0, 1.0).astype(np.float32))
    return out


def call_audio(call: dict[str, Any], doc: CallDocument, rate: int = 16000) -> Audio:
    """The rendered turns laid out at the document's turn starts as one mono 16 kHz call, so
    emotion sees the same voice arousal the pipeline would (timed with `to_document(durations=
    the clip lengths)`)."""
    import soxr

    clips = [soxr.resample(c, 8000, rate).astype(np.float32) for c in render_turns(call)]
    n = int(round(doc.duration * rate)) + max(len(c) for c in clips)
    mix = np.zeros(n, dtype=np.float32)
    for turn, clip in zip(doc.turns, clips, strict=True):
        i = int(round(turn.start * rate))
        mix[i:i + len(clip)] += clip
    mix = np.clip(mix, -1.0, 1.0)
    return Audio(samples=mix[None, :], source=f"eval://{call['id']}", source_rate=8000,
                 source_channels=1, duration=n / rate)
