"""`hotline` console script: one sub-command per capability, each owned by its package.

Each package exposes `register(subparsers)` in its `cli` module and keeps heavy imports inside
the command functions, so `hotline --help` stays instant.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
import warnings
from importlib import metadata

from hotline.errors import ConfigError, HotlineError, RecordingRejected
from hotline.logs import configure_logging
from hotline.settings import load_settings

# Modules that contribute sub-commands, in help order.
COMMAND_MODULES = (
    "hotline.transcribe_cli",
    "hotline.worker.cli",
    "hotline.search.cli",
    "hotline.assist.cli",
    "hotline.web.cli",
    "hotline.report.cli",
    "hotline.analytics.cli",
    "hotline.store.cli",
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
    parser.add_argument("--version", action="version", version=f"hotline {_version()}")
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true",
                       help="log progress and show model loading (libraries' own bars included)")
    noise.add_argument("-q", "--quiet", action="store_true", help="errors only")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _version() -> str:
    try:
        return metadata.version("hotline")
    except metadata.PackageNotFoundError:     # running from a source tree without install
        return "unknown"


def quiet_libraries(verbose: bool = False) -> None:
    """A quiet terminal: no deprecation chatter (pkg_resources, jieba) and no model-loading
    progress bars from transformers / huggingface / tqdm, unless -v asks for them. Set here, in
    the console script, before any model library is imported — never at import time."""
    if verbose:
        return
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    for name, value in (("TRANSFORMERS_VERBOSITY", "error"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
                        ("TQDM_DISABLE", "1"), ("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")):
        os.environ.setdefault(name, value)


def _configured_level() -> str:
    """HOTLINE_LOG_LEVEL through the settings; a broken configuration is reported by the
    command itself (exit 2), so logging falls back to the default here."""
    try:
        return load_settings().log_level
    except ConfigError:
        return "WARNING"


def main(argv: list[str] | None = None) -> int:
    return run(build_parser(), argv)


def run(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse, dispatch, and turn hotline's typed errors into the contract's exit codes."""
    args = parser.parse_args(argv)
    verbose, quiet = getattr(args, "verbose", False), getattr(args, "quiet", False)
    quiet_libraries(verbose=verbose)
    configure_logging("INFO" if verbose else "ERROR" if quiet else _configured_level())
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
