"""A processor that fails transiently on the first attempt of every call (retry drills).

Loaded by worker subprocesses through HOTLINE_PIPELINE_FACTORY=flaky_pipeline:load; it wraps
the model-free stand-in (real decoding), and remembers attempts in HOTLINE_FLAKY_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path

from hotline.errors import TransientError
from tests.support.standin import StandInPipeline


class FlakyPipeline(StandInPipeline):
    def process(self, path, stereo_agent=None, language=None, metadata=None):
        marker = Path(os.environ["HOTLINE_FLAKY_DIR"]) / (Path(path).name + ".tried")
        if not marker.exists():
            marker.touch()
            raise TransientError("simulated lost connection to the model server")
        return super().process(path, stereo_agent, language, metadata)


def load(settings):
    return FlakyPipeline(settings)
