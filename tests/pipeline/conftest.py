"""One real Pipeline (tiny.en, resemblyzer, analytics, assist) shared by the pipeline tests."""

from __future__ import annotations

import pytest

from hotline.settings import load_settings


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    data = tmp_path_factory.mktemp("hotline-data")
    return load_settings({}, data_dir=str(data), max_duration=600.0)


@pytest.fixture(scope="session")
def pipeline(settings):
    from hotline.pipeline import Pipeline

    return Pipeline.load(settings)


@pytest.fixture(scope="session")
def synthetic_calls(tmp_path_factory):
    """Three rendered 8 kHz calls (two mono, one stereo) with their ground truth.

    Calls where the customer reads long digit strings are left out here: tiny.en turns them
    into repetition loops that the hallucination guard drops, which is missed speech for ASR,
    not a diarization error (scripts/bench_pipeline.py reports DER on those too).
    """
    from hotline.synth.render import render_call
    from hotline.synth.scenarios import build_scenarios

    out = tmp_path_factory.mktemp("calls")
    scenarios = build_scenarios(seed=11, n=3, languages=("en",),
                                kinds=["clean", "angry", "greeting.missing"])
    return [render_call(s, out, stereo=(i == 2)) | {"dir": str(out)} for i, s in enumerate(scenarios)]
