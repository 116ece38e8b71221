"""Speech recognition: faster-whisper (default, offline tiny.en) and openai-whisper backends."""

from hotline.asr.loader import load_transcriber
from hotline.asr.options import ASROptions
from hotline.asr.transcript import Segment, Transcriber, Transcript

__all__ = ["ASROptions", "Segment", "Transcriber", "Transcript", "load_transcriber"]
