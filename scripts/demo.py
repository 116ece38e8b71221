#!/usr/bin/env python
"""`make demo`: the main job on embedded defaults (no Redis, SQLite), end to end.

Generates a small day of synthetic hotline calls, processes them with `hotline batch`, then shows
what each user gets: the QA search, one call transcript, the agent-assist answer, the daily report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo_out")
    parser.add_argument("--n", type=int, default=8, help="number of synthetic calls")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()   # "yesterday's recordings"
    calls = out / "calls"
    env = {**os.environ, "HOTLINE_DATA_DIR": str(out)}
    env.setdefault("HOTLINE_DB_URL", f"sqlite:///{out / 'hotline.db'}")
    steps = [
        [sys.executable, str(ROOT / "scripts/make_calls.py"), "--out", str(calls), "--n", str(args.n),
         "--lang", "en", "--stereo-ratio", "0.25", "--seed", "7", "--date", day],
        [BIN / "hotline", "batch", str(calls), "--workers", "1"],
        [BIN / "hotline", "status"],
        [BIN / "hotline", "search", "refund"],
        [BIN / "hotline", "search", "plan", "--role", "agent", "--json"],
        [BIN / "hotline", "rules", "test", "default"],
        [BIN / "hotline", "facts", "load", str(ROOT / "scripts/data/network_status.csv")],
        [BIN / "hotline", "assist", "my 5G signal is really bad at home", "--area", "Haidian"],
        [BIN / "hotline", "assist", "我的宽带断了一整天了", "--json"],
    ]
    first = sorted(calls.glob("*.wav"))[:1] if calls.exists() else []
    for cmd in steps:
        if not _run(cmd, env):
            return 1
        if not first and calls.exists():
            first = sorted(calls.glob("*.wav"))[:1]
    _run([BIN / "hotline", "report", "--date", day, "--out", str(out / "report.html")], env)
    if first:
        _run([BIN / "hotline", "transcribe", str(first[0]), "--json", str(out / "call.json")], env)
    print(f"\nDemo done. Store: {env['HOTLINE_DB_URL']}\nReport: {out / 'report.html'}\n"
          f"Serve the QA pages and agent sidebar with: {BIN / 'hotline'} serve")
    return 0


def _run(cmd: list, env: dict) -> bool:
    cmd = [str(c) for c in cmd]
    print(f"\n\033[1m$ {shlex.join(cmd)}\033[0m", flush=True)
    return subprocess.run(cmd, env=env, cwd=ROOT).returncode == 0


if __name__ == "__main__":
    sys.exit(main())
