"""Audio fixtures generated at test time with the real sox / ffmpeg binaries."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


@pytest.fixture(scope="session")
def tools() -> None:
    for tool in ("sox", "ffmpeg"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed")


@pytest.fixture(scope="session")
def gen(tools, tmp_path_factory):
    """gen(name, *sox_or_ffmpeg_args) -> path: makes each fixture file once per session."""
    root = tmp_path_factory.mktemp("audio")

    def make(name: str, *args: str) -> Path:
        out = root / name
        if not out.exists():
            run(*[a.replace("{out}", str(out)) for a in args])
        return out

    return make


def sine(gen, name: str, freq: float = 1000, rate: int = 8000, seconds: float = 2.0, *enc: str):
    """A sox sine tone at `rate`, encoded by the sox options in `enc` (e.g. -e u-law)."""
    return gen(name, "sox", "-n", "-r", str(rate), "-c", "1", *enc, "{out}",
               "synth", str(seconds), "sine", str(freq), "vol", "0.5")


def ffmpeg_tone(gen, name: str, codec: str, rate: int = 8000, seconds: float = 3.0, freq: int = 1000,
                extra: tuple[str, ...] = ()):
    return gen(name, "ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
               f"sine=frequency={freq}:duration={seconds}:sample_rate={rate}",
               "-ac", "1", "-c:a", codec, *extra, "{out}")
