"""Stand-in `hotline` entry point with only worker.cli's commands (batch, worker, status).

Used by the tests only while a sibling package's `cli` module is still missing, so that the
batch tests do not depend on unrelated commands; otherwise the tests run `python -m hotline.cli`.
"""

from __future__ import annotations

import argparse
import sys


def main() -> int:
    from hotline.errors import ConfigError, HotlineError
    from worker import cli

    parser = argparse.ArgumentParser(prog="hotline")
    cli.register(parser.add_subparsers())
    args = parser.parse_args()
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"hotline: configuration error: {exc}", file=sys.stderr)
        return 2
    except HotlineError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
