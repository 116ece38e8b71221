"""Helpers for tests and benchmarks only (local services, stand-in worker, bare ASR timing)."""
