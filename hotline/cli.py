"""`hotline` console script: one sub-command per capability, each owned by its package.

Each package exposes `register(subparsers)` in its `cli` module and keeps heavy imports inside
the command functions, so `hotline --help` stays instant.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import sys

from hotline.errors import ConfigError, HotlineError, RecordingRejected

# Modules that contribute sub-commands, in help order.
COMMAND_MODULES = (
    "hotline.transcribe_cli",
    "hotline.worker.cli",
    "hotline.search.cli",
    "hotline.assist.cli",
    "hotline.web.cli",
    "hotline.report.cli",
    "hotline.analytics.cli",
)


def iso_date(text: str) -> str:
    """argparse type for YYYY-MM-DD dates, with a message instead of a traceback."""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotline", description="Call-center voice analytics and live agent assist for telecom hotlines.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run(build_parser(), argv)


def run(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse, dispatch, and turn hotline's typed errors into the contract's exit codes."""
    args = parser.parse_args(argv)
    from hotline.logs import configure_logging

    configure_logging()
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except RecordingRejected as exc:
        print(f"hotline: rejected: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"hotline: configuration error: {exc}", file=sys.stderr)
        return 2
    except HotlineError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
