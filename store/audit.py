"""Audit rows for what the store itself does (purge, forget, export, backup) from the CLI.

Same `qa_audit` table as the web layer's searches and views, so one log answers "who removed
or took out what, when". The caller of `record` passes counts and hashes, never numbers or
call ids of erased calls.
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime, timezone
from typing import Any

from hotline.store.db import Database


def record(db: Database, action: str, *, query: dict[str, Any] | None = None,
           detail: dict[str, Any] | None = None, status: str = "ok") -> None:
    """Append one audit row; `name` is the operating-system user that ran the command."""
    db.execute(
        "INSERT INTO qa_audit (at, token_id, name, role, agent_id, action, call_id, query, "
        "status, detail) VALUES (?, NULL, ?, 'cli', NULL, ?, NULL, ?, ?, ?)",
        (datetime.now(timezone.utc).isoformat(timespec="microseconds"), _who(), action,
         _json(query), status, _json(detail)))


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):      # no passwd entry (containers)
        return "cli"
