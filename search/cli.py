"""`hotline search QUERY [filters] [--json]`: QA search over stored calls (HOTLINE_DB_URL)."""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
from dataclasses import asdict
from typing import Any

from hotline.embed import Embedder
from hotline.search.terms import notice_of

ROLE_STYLE = {"agent": "cyan", "customer": "yellow", "unknown": "white"}


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
    p.add_argument("--rule", help="a rule id of the loaded rulebook the call violated, "
                                   "e.g. greeting.missing")
    p.add_argument("--intent", help="a call intent, e.g. service.cancel_service")
    p.add_argument("--language", choices=("en", "zh"))
    p.add_argument("--min-duration", type=float, metavar="S", help="call length in seconds")
    p.add_argument("--max-duration", type=float, metavar="S")
    p.add_argument("--similar", metavar="CALL_ID", help="calls similar in meaning to this one")
    p.add_argument("--by-call", action="store_true",
                   help="whole calls: the call's turns together hold the words")
    p.add_argument("--limit", type=_positive, default=20, metavar="N", help="hits per page")
    p.add_argument("--offset", type=_non_negative, default=0, metavar="N",
                   help="skip the first N hits (the next page: the printed --offset)")
    p.add_argument("--no-fuzzy", action="store_true", help="no spelling-correction fallback")
    p.add_argument("--reindex", action="store_true",
                   help="rebuild the index from the results store (--from/--to limit it)")
    p.add_argument("--workers", type=_positive, default=1, metavar="N",
                   help="--reindex: processes preparing text (jieba, PII check)")
    p.add_argument("--json", action="store_true", help="print the contract JSON")
    p.set_defaults(func=run)


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return n


def _non_negative(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return n


def run(args: argparse.Namespace) -> int:
    from hotline.search.index import SearchFilters, SearchIndex, rulebook_rule_ids
    from hotline.settings import load_settings
    from hotline.store.db import Database

    filters = SearchFilters(role=args.role, date_from=args.date_from, date_to=args.date_to,
                            agent=args.agent, emotion=args.emotion, rule=args.rule,
                            intent=args.intent, min_duration=args.min_duration,
                            max_duration=args.max_duration, language=args.language)
    settings = load_settings()
    db = Database(settings.db_url)
    try:
        if args.reindex:
            return _reindex(db, args)
        rule_ids = rulebook_rule_ids(settings.rulebook) if args.rule else None
        if args.similar:
            index = SearchIndex(db, embedder=Embedder.from_settings(settings, threads=None),
                                rule_ids=rule_ids)
            results = index.similar(args.similar, k=args.limit, filters=filters)
        else:
            index = SearchIndex(db, rule_ids=rule_ids)
            results = index.search(args.query, filters, limit=args.limit, offset=args.offset,
                                   fuzzy=not args.no_fuzzy,
                                   by="call" if args.by_call else "turn")
    except ValueError as exc:           # an unknown rule id, a malformed filter
        print(f"hotline search: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    if args.json:
        given = {k: v for k, v in asdict(filters).items() if v not in (None, "")}
        out = {**results.to_dict(), "query": args.query, "filters": given}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    else:
        print_results(results, args)
    return 0


def _reindex(db: Any, args: argparse.Namespace) -> int:
    from hotline.search.index import SearchIndex
    from hotline.store.results import ResultsStore

    index = SearchIndex(db)
    done, refused = index.rebuild(ResultsStore(db).iter_documents(args.date_from, args.date_to),
                                  workers=args.workers)
    out = {"indexed": done, "refused": refused, **index.stats()}
    if args.json:
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        print(f"indexed {done} call(s); refused {len(refused)} holding PII; "
              f"index now {out['calls']} calls, {out['turns']} turns")
    return 1 if refused else 0


def print_results(results: Any, args: argparse.Namespace, console: Any = None) -> None:
    """A table that fits 80 columns on a terminal; one plain line per hit when piped."""
    from rich.console import Console

    console = console or Console()
    shown = len(results.results)
    what = ("calls" if getattr(args, "by_call", False) else "turns") if not args.similar \
        else "calls"
    title = (f"calls similar to {args.similar}" if args.similar
             else f"“{args.query}”" if args.query else what)
    span = f"{results.offset + 1}–{results.offset + shown}" if shown else "none"
    total = f"{results.total}" + ("" if getattr(results, "total_exact", True) else "+")
    console.print(f"{title}: {span} of {total} {what} ({results.mode}, "
                  f"{results.took_ms:.0f} ms)", markup=False, highlight=False)
    notice = notice_of(getattr(results, "matched_terms", []))
    if notice:
        console.print(notice, markup=False, highlight=False)
    terms = [t["term"] for t in getattr(results, "matched_terms", [])]
    rows = [_row(h, terms) for h in results.results]
    if console.is_terminal:
        _table(console, rows)
    else:
        for r in rows:
            console.print("  ".join(r[:-1]) + "  " + r[-1].plain, markup=False,
                          highlight=False, soft_wrap=True)
    nxt = results.next_offset(shown) if hasattr(results, "next_offset") else None
    if nxt is not None and not args.similar:
        console.print(f"more: --offset {nxt}", markup=False, highlight=False)


def _row(h: Any, terms: list[str]) -> list[Any]:
    """call, date at time, who (emotion), score, snippet — for a turn or a whole call; a hit
    that lacks some of the query's terms says which."""
    first = h.hits[0] if getattr(h, "hits", None) else h
    turn = first if hasattr(first, "start") else None
    more = getattr(h, "n_hits", 0) - 1
    snippet = snippet_text(turn.snippet if turn else "")
    if more > 0:
        snippet.append(f" (+{more} more turn{'s' if more > 1 else ''})", style="dim")
    missing = [t for t in terms if t not in (getattr(h, "terms", None) or {})]
    if missing and getattr(h, "terms", None):
        snippet.append(f" [without {', '.join(missing)}]", style="dim")
    when = (h.call_date or "") + (f" {_clock(turn.start)}" if turn else "")
    who = f"{turn.role}" + (f" ({turn.emotion})" if turn and turn.emotion else "") if turn \
        else ""
    return [h.call_id, when, who, f"{h.score:.3f}", snippet]


def _table(console: Any, rows: list[list[Any]]) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1), show_edge=False)
    table.add_column("call", no_wrap=True, overflow="ellipsis", max_width=16)
    table.add_column("when", max_width=10)
    table.add_column("who", max_width=10)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("snippet", ratio=1, min_width=24)
    for call, when, who, score, snippet in rows:
        role = who.split(" ")[0]
        table.add_row(call, when, Text(who, style=ROLE_STYLE.get(role, "")), score, snippet)
    console.print(table)


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
