"""Speech recognition: faster-whisper (default, offline tiny.en) and openai-whisper backends."""

from asr.loader import load_transcriber
from asr.options import ASROptions
from asr.transcript import Segment, Transcriber, Transcript

__all__ = ["ASROptions", "Segment", "Transcriber", "Transcript", "load_transcriber"]
