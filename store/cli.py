"""`hotline purge | forget | export | backup`: retention, erasure, export and backup of the store.

Each command opens the store named by HOTLINE_DB_URL (schema brought up to date first) and
works under HOTLINE_DATA_DIR; heavy imports stay inside the command functions.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from hotline.cli import iso_date
from hotline.errors import ConfigError
from hotline.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("purge", help="remove calls older than a date or the retention "
                       "(HOTLINE_RETENTION_DAYS): documents, index rows, muted audio copies",
                       description="Remove every call dated before the cutoff: its results "
                       "rows, search index rows and embeddings, QA review, the muted audio copy "
                       "under the data dir, and live-session leftovers. The original "
                       "recordings are never touched. Idempotent; audited.")
    p.add_argument("--before", type=iso_date, metavar="DATE",
                   help="remove calls dated before DATE (default: today - retention days)")
    p.add_argument("--dry-run", action="store_true", help="count, remove nothing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=purge)

    f = sub.add_parser("forget", help="erase every call of one caller (right to be forgotten)",
                       description="Erase every call of the caller everywhere (as purge does) "
                       "and clear their ids from the audit log; the store files are compacted "
                       "so nothing of them survives. The audit row keeps the caller hash and "
                       "counts only. Original recordings are never touched.")
    who = f.add_mutually_exclusive_group(required=True)
    who.add_argument("--caller", metavar="NUMBER", help="the caller's phone number")
    who.add_argument("--caller-hash", metavar="HASH", help="the caller hash a forget audit row "
                     "kept: replays that forget after a backup was restored")
    f.add_argument("--dry-run", action="store_true", help="count, remove nothing")
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=forget)

    e = sub.add_parser("export", help="redacted call documents as JSON Lines")
    e.add_argument("--since", type=iso_date, required=True, metavar="DATE")
    e.add_argument("--until", type=iso_date, metavar="DATE")
    e.add_argument("--out", default="-", metavar="FILE", help="output file (default: stdout)")
    e.set_defaults(func=export)

    b = sub.add_parser("backup", help="a consistent copy of the store while it runs "
                       "(SQLite online backup / pg_dump custom archive)")
    b.add_argument("--out", required=True, metavar="FILE")
    b.set_defaults(func=backup)


def _open() -> tuple[Any, Any]:
    from hotline.store.schema import open_database

    settings = load_settings()
    return settings, open_database(settings.db_url)


def purge(args: argparse.Namespace) -> int:
    from hotline.store.retention import purge_before, retention_cutoff

    settings, db = _open()
    before = args.before or retention_cutoff(settings.retention_days)
    if before is None:
        raise ConfigError("nothing to purge: give --before DATE or set HOTLINE_RETENTION_DAYS")
    erased = purge_before(db, before, settings.data_dir, dry_run=args.dry_run)
    _print({"before": before, "dry_run": args.dry_run, **erased.to_dict()}, args.json,
           f"{'would remove' if args.dry_run else 'removed'} calls dated before {before}")
    return 0


def forget(args: argparse.Namespace) -> int:
    from hotline.store.forget import forget_caller

    if args.caller is not None and sum(c.isdigit() for c in args.caller) < 5:
        raise ConfigError(f"--caller needs a phone number, got {len(args.caller)} characters "
                          "without enough digits")
    if args.caller_hash is not None and not re.fullmatch(r"[0-9a-f]{16}", args.caller_hash):
        raise ConfigError("--caller-hash takes the 16 hex digits a forget audit row holds")
    settings, db = _open()
    done = forget_caller(db, args.caller, settings.data_dir, hashed=args.caller_hash,
                         salt=settings.pii_salt, dry_run=args.dry_run)
    _print({"caller_hash": done.caller_hash, "dry_run": args.dry_run, **done.erased.to_dict()},
           args.json, f"{'would erase' if args.dry_run else 'erased'} caller "
                      f"{done.caller_hash}")
    return 0


def export(args: argparse.Namespace) -> int:
    from hotline.store.export import export_documents
    from hotline.store.results import ResultsStore

    _settings, db = _open()
    store = ResultsStore(db)
    if args.out == "-":
        result = export_documents(store, sys.stdout, args.since, args.until)
    else:
        with open(args.out, "w", encoding="utf-8") as out:
            result = export_documents(store, out, args.since, args.until)
    print(f"exported {result.written} calls", file=sys.stderr)
    if result.refused:
        print(f"held back {len(result.refused)} calls that still hold PII: "
              f"{', '.join(result.refused)}", file=sys.stderr)
        return 1
    return 0


def backup(args: argparse.Namespace) -> int:
    from hotline.store.backup import backup as run_backup

    _settings, db = _open()
    path = run_backup(db, args.out)
    print(f"backup written: {path} ({path.stat().st_size} bytes)")
    return 0


def _print(data: dict[str, Any], as_json: bool, headline: str) -> None:
    if as_json:
        print(json.dumps(data))
        return
    print(headline)
    for key, value in data.items():
        if key not in ("before", "caller_hash", "dry_run"):
            print(f"  {key.replace('_', ' ')}: {value}")
