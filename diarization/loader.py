"""Load the configured diarizer once; the pipeline passes it to every call."""

from __future__ import annotations

from typing import Any

from hotline.diarization.types import Diarizer


def load_diarizer(settings: Any) -> Diarizer:
    """`settings.diarization_backend`: "embedded" (resemblyzer, default) or "pyannote"."""
    backend = getattr(settings, "diarization_backend", "embedded")
    num_speakers = int(getattr(settings, "num_speakers", 2))
    if backend == "pyannote":
        from hotline.diarization.pyannote_backend import PyannoteDiarizer, load_pyannote_pipeline

        return PyannoteDiarizer(load_pyannote_pipeline(settings.pyannote_path), num_speakers)
    from hotline.diarization.embedded import EmbeddedDiarizer, load_encoder
    from hotline.diarization.vad import load_vad_model

    return EmbeddedDiarizer(load_encoder("cpu"), num_speakers, load_vad_model())
