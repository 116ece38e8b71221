"""A model-free processor with the Pipeline interface, for queue benchmarks and infra drills.

`HOTLINE_PIPELINE_FACTORY=tests.support.standin:load` makes workers use it: it really decodes the
audio (so corrupt files are rejected exactly as by the real pipeline) and returns a document
without turns; `HOTLINE_STANDIN_SECONDS` adds a fixed amount of fake work per call (for
rehearsing kills mid-job). It measures the batch machinery, not the models.
"""

from __future__ import annotations

import os
import time
from typing import Any

from hotline import defaults
from hotline.document import CallDocument
from hotline.settings import Settings


class StandInPipeline:
    def __init__(self, settings: Settings):
        self.settings = settings

    def process(self, path: str | os.PathLike, stereo_agent: str | None = None,
                language: str | None = None, metadata: dict[str, Any] | None = None) -> CallDocument:
        from hotline.audio import content_id, decode_audio
        from hotline.pipeline import sidecar_metadata

        audio = decode_audio(path, max_duration=self.settings.max_duration)
        time.sleep(float(os.environ.get("HOTLINE_STANDIN_SECONDS", "0")))
        return CallDocument(
            call_id=content_id(path), source=str(path), duration=round(audio.duration, 3),
            sample_rate=audio.source_rate, channels=audio.source_channels, language="en",
            pipeline_version=defaults.PIPELINE_VERSION,
            metadata={**sidecar_metadata(str(path)), **(metadata or {})},
        )


def load(settings: Settings) -> StandInPipeline:
    return StandInPipeline(settings)


def noop(*args: Any) -> None:
    """A job that does nothing: `scripts/bench_queue.py` times the queue around it."""
    return None
