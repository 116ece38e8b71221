"""Speech recognition: faster-whisper (default, offline tiny.en) and openai-whisper backends."""
