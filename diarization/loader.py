"""Load the configured diarizer once; the pipeline passes it to every call."""

from __future__ import annotations

from hotline.diarization.types import Diarizer
from hotline.settings import Settings


def load_diarizer(settings: Settings) -> Diarizer:
    """`settings.diarization_backend`: "embedded" (resemblyzer, default) or "pyannote"."""
    num_speakers = settings.num_speakers
    if settings.diarization_backend == "pyannote":
        from hotline.diarization.pyannote_backend import PyannoteDiarizer, load_pyannote_pipeline

        return PyannoteDiarizer(load_pyannote_pipeline(settings.pyannote_path), num_speakers)
    from hotline.diarization.embedded import EmbeddedDiarizer, load_encoder
    from hotline.diarization.vad import load_vad_model

    return EmbeddedDiarizer(load_encoder("cpu"), num_speakers, load_vad_model())
