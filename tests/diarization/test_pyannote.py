"""pyannote backend: Annotation -> Diarization (pyannote.core), local-only loader."""

from __future__ import annotations

import os

import pytest
from pyannote.core import Annotation, Segment

from hotline.diarization.pyannote_backend import (
    PyannoteDiarizer,
    annotation_to_diarization,
    load_pyannote_pipeline,
)
from hotline.errors import ConfigError
from hotline.settings import Settings


def test_annotation_to_diarization_renames_by_first_speech():
    ann = Annotation()
    ann[Segment(5.0, 7.5)] = "SPEAKER_01"
    ann[Segment(0.5, 4.0)] = "SPEAKER_07"
    ann[Segment(7.0, 9.0), "b"] = "SPEAKER_07"      # overlap kept as two segments
    ann[Segment(10.0, 10.0)] = "SPEAKER_01"          # empty segment dropped
    diar = annotation_to_diarization(ann)
    assert diar.backend == "pyannote" and diar.speakers == ["S0", "S1"]
    assert [(s.start, s.end, s.speaker) for s in diar.segments] == [
        (0.5, 4.0, "S0"), (5.0, 7.5, "S1"), (7.0, 9.0, "S0")]


def test_empty_annotation():
    diar = annotation_to_diarization(Annotation())
    assert diar.segments == [] and diar.speakers == []


def test_loader_rejects_missing_local_pipeline(tmp_path):
    with pytest.raises(ConfigError, match="config.yaml"):
        load_pyannote_pipeline(tmp_path)                  # a dir without config.yaml
    with pytest.raises(ConfigError):
        load_pyannote_pipeline(tmp_path / "nope.yaml")


def test_loader_does_not_touch_env_at_import():
    # Importing the module must not set telemetry env vars; only loading does.
    import importlib

    import hotline.diarization.pyannote_backend as backend

    saved = os.environ.pop("PYANNOTE_METRICS_ENABLED", None)
    try:
        importlib.reload(backend)
        assert "PYANNOTE_METRICS_ENABLED" not in os.environ
    finally:
        if saved is not None:
            os.environ["PYANNOTE_METRICS_ENABLED"] = saved


def test_settings_require_a_local_path_for_pyannote():
    with pytest.raises(ConfigError):
        Settings(diarization_backend="pyannote")


def test_local_pipeline_runs_when_pyannote_audio_is_installed(tmp_path, data_dir):
    """Only where pyannote.audio imports (GPU boxes): a pipeline built from a local config
    file whose models are local checkpoints; never reaches the hub."""
    pytest.importorskip("pyannote.audio")
    models = os.environ.get("HOTLINE_TEST_PYANNOTE_DIR")
    if not models:
        pytest.skip("set HOTLINE_TEST_PYANNOTE_DIR to a local pyannote pipeline directory")
    from tests.diarization.conftest import load_wav  # noqa: F401  (same loader as other tests)

    pipeline = load_pyannote_pipeline(models)
    assert os.environ["PYANNOTE_METRICS_ENABLED"] == "0"
    import soundfile as sf

    x, _ = sf.read(str(data_dir / "ami_sample.wav"), dtype="float32")
    diar = PyannoteDiarizer(pipeline, num_speakers=2).diarize(x)
    assert diar.backend == "pyannote" and len(diar.speakers) == 2
