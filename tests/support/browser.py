"""Headless-Chromium helpers shared by the browser tests."""

from __future__ import annotations

import time
from typing import Any


def wait_js(page: Any, expression: str, timeout: float = 10000) -> None:
    """Poll a page expression until it is truthy. Not `page.wait_for_function`: its polling
    evaluates strings with eval, which the pages' Content-Security-Policy rightly refuses;
    `page.evaluate` goes through the DevTools protocol."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)
