"""`hotline backup --out FILE`: a consistent copy of the store while it is in use.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies page by page under a read
transaction, so workers keep writing and the copy is one consistent snapshot (a plain `cp` of
a WAL database can miss the -wal). PostgreSQL: `pg_dump --format=custom` (restore with
`pg_restore`). Restoring is done with the backends' own tools (docs/store.md); a restore test
checks both.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from hotline.errors import ConfigError
from hotline.store import audit
from hotline.store.db import Database

BACKUP_PAGES = 1024        # SQLite pages copied per step (other writers get in between steps)


def backup(db: Database, dest: str | Path) -> Path:
    """Write a backup of the store to `dest` (a SQLite file, or a pg_dump custom archive)."""
    dest = Path(dest)
    if dest.exists():
        raise ConfigError(f"{dest} exists; a backup never overwrites a file")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if db.dialect == "sqlite":
        _sqlite_backup(db.url[len("sqlite:///"):], dest)
    else:
        _pg_dump(db.url, dest)
    audit.record(db, "backup", detail={"bytes": dest.stat().st_size})
    return dest


def _sqlite_backup(path: str, dest: Path) -> None:
    source = sqlite3.connect(path)
    target = sqlite3.connect(dest)
    try:
        source.backup(target, pages=BACKUP_PAGES)
    finally:
        target.close()
        source.close()


def _pg_dump(url: str, dest: Path) -> None:
    tool = shutil.which("pg_dump")
    if tool is None:
        raise ConfigError("pg_dump is not installed (Debian: postgresql-client)")
    done = subprocess.run([tool, "--format=custom", "--no-owner", f"--file={dest}",
                           f"--dbname={url}"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        dest.unlink(missing_ok=True)
        raise ConfigError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
