"""`hotline search QUERY [filters] [--json]`: QA search over stored calls (HOTLINE_DB_URL)."""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
from typing import Any

ROLE_STYLE = {"agent": "cyan", "customer": "yellow", "unknown": "white"}
EMOTION_STYLE = {"angry": "bold red", "negative": "red", "positive": "green", "neutral": "dim"}


def parse_day(value: str, today: dt.date | None = None) -> str:
    """YYYY-MM-DD, or `today`, `yesterday`, `week` (this Monday), `month` (the 1st), `7d`/`-7d`."""
    today = today or dt.date.today()
    v = value.strip().lower()
    named = {"today": today, "yesterday": today - dt.timedelta(days=1),
             "week": today - dt.timedelta(days=today.weekday()), "month": today.replace(day=1)}
    if v in named:
        return named[v].isoformat()
    m = re.fullmatch(r"-?(\d+)d", v)
    if m:
        return (today - dt.timedelta(days=int(m.group(1)))).isoformat()
    try:
        return dt.date.fromisoformat(v).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date (YYYY-MM-DD, today, yesterday, week, month, 7d)") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="QA search over stored calls (keyword, \"phrase\", 中文)",
                       description="Find turns by keyword or \"exact phrase\" (English and "
                                   "Chinese) with filters; --similar finds calls alike in "
                                   "meaning.")
    p.add_argument("query", nargs="?", default="", help='words (all must match) and "phrases"')
    p.add_argument("--role", choices=("agent", "customer", "unknown"), help="who said it")
    p.add_argument("--from", dest="date_from", type=parse_day, metavar="DATE",
                   help="calls on or after DATE (YYYY-MM-DD, today, week, 7d)")
    p.add_argument("--to", dest="date_to", type=parse_day, metavar="DATE",
                   help="calls on or before DATE")
    p.add_argument("--agent", help="agent id")
    p.add_argument("--emotion", choices=("neutral", "positive", "negative", "angry"),
                   help="emotion of the matching turn")
    p.add_argument("--rule", help="a rule the call violated, e.g. greeting.missing")
    p.add_argument("--intent", help="a call intent, e.g. service.cancel_service")
    p.add_argument("--language", choices=("en", "zh"))
    p.add_argument("--min-duration", type=float, metavar="S", help="call length in seconds")
    p.add_argument("--max-duration", type=float, metavar="S")
    p.add_argument("--similar", metavar="CALL_ID", help="calls similar in meaning to this one")
    p.add_argument("--limit", type=_positive, default=20, metavar="N")
    p.add_argument("--offset", type=int, default=0, metavar="N")
    p.add_argument("--no-fuzzy", action="store_true", help="no spelling-correction fallback")
    p.add_argument("--reindex", action="store_true",
                   help="rebuild the index from the results store (--from/--to limit it)")
    p.add_argument("--json", action="store_true", help="print the contract JSON")
    p.set_defaults(func=run)


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return n


def run(args: argparse.Namespace) -> int:
    from hotline.config import load_settings
    from hotline.search.index import SearchFilters, SearchIndex
    from hotline.store.db import Database

    filters = SearchFilters(role=args.role, date_from=args.date_from, date_to=args.date_to,
                            agent=args.agent, emotion=args.emotion, rule=args.rule,
                            intent=args.intent, min_duration=args.min_duration,
                            max_duration=args.max_duration, language=args.language)
    db = Database(load_settings().db_url)
    try:
        if args.reindex:
            return _reindex(db, args)
        if args.similar:
            from hotline.search.embed import load_embedder

            index = SearchIndex(db, embedder=load_embedder())
            results = index.similar(args.similar, k=args.limit, filters=filters)
        else:
            index = SearchIndex(db)
            results = index.search(args.query, filters, limit=args.limit, offset=args.offset,
                                   fuzzy=not args.no_fuzzy)
    finally:
        db.close()
    if args.json:
        sys.stdout.write(json.dumps(results.to_dict(), ensure_ascii=False) + "\n")
    else:
        print_results(results, args)
    return 0


def _reindex(db: Any, args: argparse.Namespace) -> int:
    from hotline.search.index import SearchIndex
    from hotline.store.results import ResultsStore

    index = SearchIndex(db)
    done, refused = index.rebuild(ResultsStore(db).iter_documents(args.date_from, args.date_to))
    out = {"indexed": done, "refused": refused, **index.stats()}
    if args.json:
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        print(f"indexed {done} call(s); refused {len(refused)} holding PII; "
              f"index now {out['calls']} calls, {out['turns']} turns")
    return 1 if refused else 0


def print_results(results: Any, args: argparse.Namespace, console: Any = None) -> None:
    """A rich table: call, date, agent, time in call, who, emotion, snippet with matches lit."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    title = (f"calls similar to {args.similar}" if args.similar
             else f"“{args.query}”" if args.query else "turns")
    table = Table(title=f"{title}: {results.total} match(es) ({results.mode}, "
                        f"{results.took_ms:.0f} ms)", expand=True)
    for name, kw in (("call", {"no_wrap": True}), ("date", {"no_wrap": True}),
                     ("agent", {}), ("at", {"justify": "right"}), ("who", {}),
                     ("emotion", {}), ("snippet", {"ratio": 1}), ("score", {"justify": "right"})):
        table.add_column(name, **kw)
    for h in results.results:
        table.add_row(h.call_id, h.call_date or "", h.agent_id or "", _clock(h.start),
                      f"[{ROLE_STYLE.get(h.role, 'white')}]{h.role}[/]",
                      f"[{EMOTION_STYLE.get(h.emotion or '', 'dim')}]{h.emotion or ''}[/]",
                      snippet_text(h.snippet), f"{h.score:.3f}")
    console.print(table)
    if not results.results:
        console.print("[dim]no matches[/]")


def snippet_text(snippet: str) -> Any:
    """A rich Text of an HTML snippet: <mark> parts highlighted, entities unescaped."""
    from rich.text import Text

    out = Text()
    for i, part in enumerate(re.split(r"</?mark>", snippet)):
        out.append(html.unescape(part), style="bold black on yellow" if i % 2 else "")
    return out


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"
