"""ASR fixtures: the real bundled tiny.en model, loaded once per test session."""

from __future__ import annotations

import subprocess

import pytest

from hotline.asr import ASROptions, load_transcriber
from hotline.audio import decode_audio
from hotline.settings import Settings

JFK_TRUTH = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


@pytest.fixture(scope="session")
def transcriber():
    return load_transcriber(Settings(asr_device="cpu"))


@pytest.fixture(scope="session")
def options() -> ASROptions:
    return ASROptions()


@pytest.fixture(scope="session")
def jfk(data_dir):
    return decode_audio(data_dir / "jfk.flac")


@pytest.fixture(scope="session")
def sox_file(tmp_path_factory):
    """sox_file(name, *sox args with {out}) -> path, made once per session."""
    root = tmp_path_factory.mktemp("asr_audio")

    def make(name: str, *args: str):
        out = root / name
        if not out.exists():
            subprocess.run(["sox", *[a.replace("{out}", str(out)) for a in args]],
                           check=True, capture_output=True)
        return out

    return make


@pytest.fixture(scope="session")
def multilingual(multilingual_dir):
    """hotline's faster-whisper backend on the random multilingual model (wiring, not accuracy)."""
    return load_transcriber(Settings(asr_model=str(multilingual_dir), asr_device="cpu"))
