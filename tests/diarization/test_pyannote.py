"""pyannote backend: Annotation -> Diarization (pyannote.core), local-only loader."""

from __future__ import annotations

import os

import pytest
from pyannote.core import Annotation, Segment

from hotline.diarization.pyannote_backend import (
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


def _pyannote_audio():
    """pyannote.audio, or a skip; `make test-pyannote` sets HOTLINE_REQUIRE_PYANNOTE=1 so a
    venv where it does not import fails instead of skipping."""
    if os.environ.get("HOTLINE_REQUIRE_PYANNOTE") == "1":
        import pyannote.audio

        return pyannote.audio
    return pytest.importorskip("pyannote.audio")


@pytest.fixture(scope="module")
def random_pyannote_dir(tmp_path_factory):
    """A pyannote.audio pipeline with small RANDOM weights built on disk (no hub)."""
    _pyannote_audio()
    from tests.support.pyannote_pipeline import build_random_pipeline

    return build_random_pipeline(tmp_path_factory.mktemp("pyannote-random"))


def test_local_random_pipeline_diarizes_a_real_clip(random_pyannote_dir, data_dir):
    """Wiring, not accuracy: pyannote's own segmentation and embedding classes with small
    RANDOM weights, loaded by hotline's loader from HOTLINE_PYANNOTE_PATH, run on the real
    ami_sample clip. Random weights say nothing about who speaks, so only the shape of the
    result is asserted: a valid Annotation converted to hotline segments and speakers."""
    import soundfile as sf

    from hotline.diarization import load_diarizer
    from hotline.settings import load_settings

    settings = load_settings({"HOTLINE_DIARIZATION_BACKEND": "pyannote",
                              "HOTLINE_PYANNOTE_PATH": str(random_pyannote_dir)})
    diarizer = load_diarizer(settings)
    # (class identity: another test reloads the backend module, so compare by name)
    assert type(diarizer).__name__ == "PyannoteDiarizer" and diarizer.backend == "pyannote"
    assert os.environ["PYANNOTE_METRICS_ENABLED"] == "0"
    assert type(diarizer.pipeline).__name__ == "SpeakerDiarization"
    x, sr = sf.read(str(data_dir / "ami_sample.wav"), dtype="float32")
    assert sr == 16_000
    diar = diarizer.diarize(x, num_speakers=2)
    duration = len(x) / sr
    assert diar.backend == "pyannote" and diar.segments
    assert 1 <= len(diar.speakers) <= 2
    assert diar.speakers == [f"S{i}" for i in range(len(diar.speakers))]
    assert {s.speaker for s in diar.segments} == set(diar.speakers)
    assert all(0.0 <= s.start < s.end <= duration + 0.05 for s in diar.segments)
    assert [s.start for s in diar.segments] == sorted(s.start for s in diar.segments)


def test_hotline_pipeline_with_random_pyannote_backend(random_pyannote_dir, data_dir, tmp_path):
    """The whole hotline pipeline (tiny.en ASR, roles, analytics) with the pyannote backend
    (RANDOM weights: no accuracy asserted) on a real clip: the call document is valid and
    survives a JSON round trip; every turn's speaker is a document speaker."""
    import json

    from hotline.document import CallDocument
    from hotline.pipeline import Pipeline
    from hotline.settings import load_settings

    settings = load_settings({"HOTLINE_DIARIZATION_BACKEND": "pyannote",
                              "HOTLINE_PYANNOTE_PATH": str(random_pyannote_dir)},
                             data_dir=str(tmp_path), max_duration=600.0)
    doc = Pipeline.load(settings, intents=False).process(data_dir / "ami_sample.wav")
    assert doc.turns and doc.language == "en" and abs(doc.duration - 30.0) < 0.1
    assert {t.speaker for t in doc.turns} <= {s.id for s in doc.speakers}
    assert all(s.role in ("agent", "customer", "unknown") for s in doc.speakers)
    assert all(t.start <= w.start <= w.end <= t.end + 1e-6 for t in doc.turns for w in t.words)
    assert CallDocument.from_dict(json.loads(json.dumps(doc.to_dict()))) == doc
