"""Redaction of PII in text, words and audio: a pipeline stage."""
