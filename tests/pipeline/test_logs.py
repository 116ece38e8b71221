"""Every hotline process logs through the redacting filter: no card or phone in a log line."""

from __future__ import annotations

import logging
import subprocess
import sys


def test_configured_logging_redacts_pii():
    code = (
        "import logging; from hotline.logs import configure_logging; configure_logging('INFO');"
        "logging.getLogger('hotline.test').warning('card %s from %s', '4111 1111 1111 1111', "
        "'13812345678')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "4111" not in proc.stderr and "13812345678" not in proc.stderr
    assert "[CARD]" in proc.stderr and "[PHONE]" in proc.stderr


def test_configure_logging_is_idempotent():
    from hotline.logs import configure_logging
    from hotline.privacy.redact import RedactingFilter

    configure_logging()
    configure_logging()
    for handler in logging.getLogger().handlers:
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) <= 1


def test_log_level_comes_from_the_settings_and_a_bad_one_is_a_config_error(monkeypatch, capsys):
    from hotline.cli import main

    monkeypatch.setenv("HOTLINE_LOG_LEVEL", "LOUD")
    assert main(["purge", "--dry-run"]) == 2
    assert "log_level" in capsys.readouterr().err.lower()
