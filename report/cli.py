"""`hotline report` (daily QA report) and `hotline token` (API tokens for the QA web pages)."""

from __future__ import annotations

import argparse
import json
import sys

from hotline import defaults
from hotline.cli import iso_date
from hotline.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="daily QA report: SLAs, agent scorecard, trend (HTML, "
                       "--json, --csv)")
    p.add_argument("--date", type=iso_date, default=None,
                   help="day to report (YYYY-MM-DD); default: the latest day with calls")
    p.add_argument("--out", default=None, help="HTML file (default: hotline-report-DATE.html; "
                   "with --json only when given)")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON on stdout")
    p.add_argument("--csv", default=None, metavar="FILE", help="also write one row per call")
    p.add_argument("--base-url", default=defaults.REPORT_BASE_URL,
                   help=f"where `hotline serve` runs: the report links each number's calls to "
                        f"its call pages (default {defaults.REPORT_BASE_URL})")
    p.set_defaults(func=report)

    t = sub.add_parser("token", help="API tokens for the QA pages and API (create, list, revoke)")
    tsub = t.add_subparsers(dest="token_command", metavar="ACTION")
    c = tsub.add_parser("create", help="create a token; it is printed once and stored hashed")
    c.add_argument("--role", required=True, choices=("qa", "supervisor", "admin", "agent", "feed"),
                   help="feed: may only load the live facts feed (a network-status system)")
    c.add_argument("--agent", default=None, help="agent id (metadata agent_id) for --role agent")
    c.add_argument("--name", default=None, help="who holds the token (shown in the audit log)")
    c.add_argument("--expires-days", type=float, default=None,
                   help="days until the token stops working (default HOTLINE_TOKEN_TTL_DAYS, "
                        f"{defaults.TOKEN_TTL_DAYS:g})")
    c.set_defaults(func=token_create)
    ls = tsub.add_parser("list", help="list tokens (never their secrets)")
    ls.set_defaults(func=token_list)
    rv = tsub.add_parser("revoke", help="revoke a token by its id")
    rv.add_argument("id")
    rv.set_defaults(func=token_revoke)
    t.set_defaults(func=lambda args: (t.print_help(), 2)[1])


def _database():
    from hotline.store.db import Database

    return Database(load_settings().db_url)


def report(args: argparse.Namespace) -> int:
    from hotline.report.daily import build_report, latest_day, to_csv, to_json
    from hotline.report.html import write_report
    from hotline.report.intents import intent_names
    from hotline.store.results import ResultsStore

    store = ResultsStore(_database())
    day = args.date
    if day is None:
        day = latest_day(store)
        if day is None:
            print("hotline: no calls stored yet; nothing to report", file=sys.stderr)
            return 1
        print(f"reporting {day}, the latest day with calls (--date to choose)", file=sys.stderr)
    rep = build_report(store, day)
    names = intent_names(load_settings().knowledge_dir)
    if args.json:
        json.dump(to_json(rep, names), sys.stdout, ensure_ascii=False, indent=1)
        print()
    if args.csv:
        with open(args.csv, "w", encoding="utf-8", newline="") as fh:
            fh.write(to_csv(rep))
    out = args.out or (None if args.json else f"hotline-report-{day}.html")
    if out:
        write_report(rep, out, names, args.base_url)
        print(f"{out}: {rep.calls} calls on {day}, {rep.audio_hours:.2f} audio hours, "
              f"{rep.violations_total} violations", file=sys.stderr if args.json else sys.stdout)
    return 0


def token_create(args: argparse.Namespace) -> int:
    from hotline.web.auth import AuthStore

    if args.role == "agent" and not args.agent:
        print("hotline: an agent token needs --agent ID", file=sys.stderr)
        return 2
    days = args.expires_days if args.expires_days is not None else load_settings().token_ttl_days
    if not days > 0:
        print("hotline: --expires-days must be > 0 (tokens expire)", file=sys.stderr)
        return 2
    token, info = AuthStore(_database()).create_token(args.role, agent_id=args.agent,
                                                       name=args.name, ttl_days=days)
    print(token)
    print(f"id={info.id} role={info.role} agent={info.agent_id or '-'} name={info.name} "
          f"expires={info.expires_at[:19]}Z (shown once; only its hash is stored)",
          file=sys.stderr)
    return 0


def token_list(args: argparse.Namespace) -> int:
    from hotline.web.auth import AuthStore

    print(f"{'id':<14}{'role':<12}{'agent':<10}{'name':<24}{'created':<21}{'expires':<21}"
          "revoked")
    for t in AuthStore(_database()).list_tokens():
        print(f"{t.id:<14}{t.role:<12}{t.agent_id or '-':<10}{t.name:<24}{t.created_at[:19]:<21}"
              f"{(t.expires_at or 'never')[:19]:<21}{(t.revoked_at or '-')[:19]}")
    return 0


def token_revoke(args: argparse.Namespace) -> int:
    from hotline.web.auth import AuthStore

    if not AuthStore(_database()).revoke(args.id):
        print(f"hotline: no live token with id {args.id}", file=sys.stderr)
        return 1
    print(f"revoked {args.id}")
    return 0
