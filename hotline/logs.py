"""Logging set-up for every hotline process: one format, the level its caller read from the
settings (HOTLINE_LOG_LEVEL), and PII redaction on every handler so no log line can carry a
card number, phone or ID."""

from __future__ import annotations

import logging

from hotline.privacy.redact import RedactingFilter

FORMAT = "%(asctime)s %(processName)s %(name)s %(levelname)s %(message)s"


def configure_logging(level: str = "WARNING") -> None:
    """Idempotent: root handler(s) get the RedactingFilter once."""
    logging.basicConfig(level=level, format=FORMAT)
    logging.getLogger().setLevel(level)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
