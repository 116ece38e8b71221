"""Fixtures for the synthetic-call generator: the labelled text set and a few rendered calls."""

from __future__ import annotations

import shutil

import pytest

from hotline.synth.scenarios import build_scenarios, labelled_set


@pytest.fixture(scope="session")
def labelled():
    return labelled_set(seed=0)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """Four rendered calls: mono clean (en), mono hold (zh), stereo interruptions (en),
    stereo PII + noise with the agent on the right (zh)."""
    if not shutil.which("espeak-ng"):
        pytest.fail("espeak-ng is not installed (apt-get install espeak-ng)")
    from hotline.synth.render import render_call

    out = tmp_path_factory.mktemp("synth_calls")
    calls = {c["kind"] + "/" + c["language"]: c for c in build_scenarios(
        seed=0, kinds=["clean", "hold.no_notice", "interruption.excessive", "pii"])}
    return out, {
        "clean": render_call(calls["clean/en"], out),
        "hold": render_call(calls["hold.no_notice/zh"], out),
        "interrupt": render_call(calls["interruption.excessive/en"], out, stereo=True),
        "pii": render_call(calls["pii/zh"], out, stereo=True, noise=0.05,
                           agent_channel="right"),
    }
