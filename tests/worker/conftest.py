"""Batch fixtures: synthetic calls (espeak-ng via `synth`), CLI runner, worker processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CALL_SECONDS = 10.0


def hotline_cmd() -> list[str]:
    """The real `hotline` CLI, run as a module with this interpreter."""
    return [sys.executable, "-m", "hotline.cli"]


@pytest.fixture(scope="session")
def synth_day(tmp_path_factory) -> Path:
    """A "day" of 4 short synthetic calls in two folders (+ metadata sidecars), rendered once."""
    from hotline.synth.render import espeak_available, render_call
    from hotline.synth.scenarios import build_scenarios

    if not espeak_available():
        pytest.fail("espeak-ng is not installed (make test installs it)")
    import soundfile as sf

    root = tmp_path_factory.mktemp("day")
    scenarios = build_scenarios(seed=11, n=4, languages=("en",))
    for i, scenario in enumerate(scenarios):
        folder = root / ("queue_a" if i % 2 == 0 else "queue_b")
        truth = render_call(scenario, folder)
        wav = folder / truth["audio"]
        audio, rate = sf.read(wav, dtype="int16")
        sf.write(wav, audio[: int(CALL_SECONDS * rate)], rate, subtype="PCM_16")
        meta = dict(truth["metadata"], date="2026-11-21")
        (folder / f"{truth['name']}.json").write_text(json.dumps({"metadata": meta}))
    return root


def add_corrupt(day: Path) -> Path:
    bad = day / "queue_b" / "corrupt_call.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt " + os.urandom(3000))
    return bad


@pytest.fixture
def batch_env(tmp_path):
    """Environment for CLI subprocesses: fast heartbeats/leases so crash recovery is quick."""
    def make(db_url: str, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "HOTLINE_DB_URL": db_url,
            "HOTLINE_DATA_DIR": str(tmp_path / "data"),
            "HOTLINE_BATCH_HEARTBEAT_S": "1",
            "HOTLINE_BATCH_LEASE_S": "4",
            "HOTLINE_BATCH_RECONCILE_S": "2",
            "HOTLINE_BATCH_BACKOFF_S": "1,2",
            "HOTLINE_BATCH_POLL_S": "0.5",
            "HOTLINE_LOG_LEVEL": "INFO",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]),
        })
        env.update(extra)
        return env
    return make


class Workers:
    """`hotline worker` subprocesses; stopped (SIGTERM, then SIGKILL) at teardown."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, redis_url: str, env: dict[str, str]) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "wb")
        proc = subprocess.Popen(
            [*hotline_cmd(), "worker", "--redis", redis_url, "--name", name, "--device", "cpu"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 15
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(deadline - time.time(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def workers(tmp_path):
    pool = Workers(tmp_path)
    yield pool
    pool.stop()


def run_cli(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([*hotline_cmd(), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="session")
def hotline() -> list[str]:
    return hotline_cmd()


@pytest.fixture(scope="session")
def kit():
    """Helpers for the tests (test modules cannot import conftest under importlib mode)."""
    class Kit:
        root = ROOT
        cmd = staticmethod(hotline_cmd)
        run = staticmethod(run_cli)
        wait = staticmethod(wait_for)
        corrupt = staticmethod(add_corrupt)
    return Kit
