"""The timing helpers the pipeline benchmark uses run the real model and return real seconds."""

from __future__ import annotations

import math

from hotline.asr import ASROptions
from tests.support.asr_bench import bare_faster_whisper_seconds, hotline_asr_seconds


def test_bench_helpers_time_real_transcription(transcriber, data_dir):
    path = str(data_dir / "jfk.flac")
    for options in (ASROptions(), ASROptions(batch_size=4)):
        bare = bare_faster_whisper_seconds(path, options)
        ours = hotline_asr_seconds(path, transcriber, options)
        assert math.isfinite(bare) and math.isfinite(ours)
        # A real 11 s transcription cannot take under 50 ms, nor minutes on this machine.
        assert 0.05 < bare < 120 and 0.05 < ours < 120
