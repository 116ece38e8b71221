"""`hotline report` (daily QA report) and `hotline token` (API tokens for the QA web pages)."""

from __future__ import annotations

import argparse
import sys

from hotline.cli import iso_date


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="daily QA report as one self-contained HTML file")
    p.add_argument("--date", type=iso_date, default=None,
                   help="day to report (YYYY-MM-DD); default: yesterday")
    p.add_argument("--out", default=None, help="output file (default: hotline-report-DATE.html)")
    p.set_defaults(func=report)

    t = sub.add_parser("token", help="API tokens for the QA pages and API (create, list, revoke)")
    tsub = t.add_subparsers(dest="token_command", metavar="ACTION")
    c = tsub.add_parser("create", help="create a token; it is printed once and stored hashed")
    c.add_argument("--role", required=True, choices=("qa", "supervisor", "admin", "agent"))
    c.add_argument("--agent", default=None, help="agent id (metadata agent_id) for --role agent")
    c.add_argument("--name", default=None, help="who holds the token (shown in the audit log)")
    c.set_defaults(func=token_create)
    ls = tsub.add_parser("list", help="list tokens (never their secrets)")
    ls.set_defaults(func=token_list)
    rv = tsub.add_parser("revoke", help="revoke a token by its id")
    rv.add_argument("id")
    rv.set_defaults(func=token_revoke)
    t.set_defaults(func=lambda args: (t.print_help(), 2)[1])


def _database():
    from hotline.config import load_settings
    from hotline.store.db import Database

    return Database(load_settings().db_url)


def report(args: argparse.Namespace) -> int:
    from hotline.report.daily import default_day, write_report
    from hotline.store.results import ResultsStore

    day = args.date or default_day()
    out = args.out or f"hotline-report-{day}.html"
    rep = write_report(ResultsStore(_database()), day, out)
    print(f"{out}: {rep.calls} calls, {rep.audio_hours:.2f} audio hours, "
          f"{rep.violations_total} violations, {rep.repeat_callers} repeat callers")
    return 0


def token_create(args: argparse.Namespace) -> int:
    from hotline.web.auth import AuthStore

    if args.role == "agent" and not args.agent:
        print("hotline: an agent token needs --agent ID", file=sys.stderr)
        return 2
    token, info = AuthStore(_database()).create_token(args.role, agent_id=args.agent,
                                                       name=args.name)
    print(token)
    print(f"id={info.id} role={info.role} agent={info.agent_id or '-'} name={info.name}"
          " (shown once; only its hash is stored)", file=sys.stderr)
    return 0


def token_list(args: argparse.Namespace) -> int:
    from hotline.web.auth import AuthStore

    print(f"{'id':<14}{'role':<12}{'agent':<10}{'name':<24}{'created':<27}revoked")
    for t in AuthStore(_database()).list_tokens():
        print(f"{t.id:<14}{t.role:<12}{t.agent_id or '-':<10}{t.name:<24}{t.created_at[:26]:<27}"
              f"{t.revoked_at or '-'}")
    return 0


def token_revoke(args: argparse.Namespace) -> int:
    from hotline.web.auth import AuthStore

    if not AuthStore(_database()).revoke(args.id):
        print(f"hotline: no live token with id {args.id}", file=sys.stderr)
        return 1
    print(f"revoked {args.id}")
    return 0
