"""`hotline rules test RULEBOOK`: backtest a rulebook against the stored calls, hits per rule."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hotline.cli import iso_date


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="script-compliance rulebooks (backtest against stored calls)")
    rsub = p.add_subparsers(dest="rules_command", metavar="ACTION")
    t = rsub.add_parser("test", help="run RULEBOOK over stored calls and report hits per rule")
    t.add_argument("rulebook", help="rulebook YAML file ('default' = the built-in telecom one)")
    t.add_argument("--since", type=iso_date, default=None, help="first call date (YYYY-MM-DD)")
    t.add_argument("--until", type=iso_date, default=None, help="last call date (YYYY-MM-DD)")
    t.add_argument("--examples", type=int, default=3, help="example hits shown per rule")
    t.add_argument("--json", action="store_true", help="print the report as JSON")
    t.set_defaults(func=rules_test)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def rules_test(args: argparse.Namespace) -> int:
    from hotline.analytics.rulebook import load_rulebook
    from hotline.settings import load_settings
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore

    book = load_rulebook(None if args.rulebook == "default" else args.rulebook)
    settings = load_settings()
    store = ResultsStore(Database(settings.db_url))
    report = backtest(book, store.iter_documents(since=args.since, until=args.until), args.examples)
    report.update({"since": args.since, "until": args.until})
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print(report)
    return 0


def backtest(book: Any, docs: Any, examples: int = 3) -> dict[str, Any]:
    """Hits per rule over documents; compares with the violations stored with each call.

    Stored turn emotions are reused (they came from audio); turns without one get a text score,
    with the rulebook's anger recogniser as in the pipeline.
    """
    from hotline.analytics.emotion import EmotionScorer, fuse

    scorer: EmotionScorer | None = None
    stats = {r.id: {"rule": r.id, "severity": r.severity, "hits": 0, "calls": 0, "stored_calls": 0,
                    "added": 0, "removed": 0, "examples": []} for r in book.rules if r.kind != "alert"}
    n = 0
    for doc in docs:
        n += 1
        if any(t.emotion is None for t in doc.turns):
            scorer = scorer or EmotionScorer().with_recognisers(book.recognisers)
            for turn, emo in zip(doc.turns, scorer.text_evidence([t.text for t in doc.turns],
                                                                 doc.language), strict=True):
                if turn.emotion is None:
                    turn.emotion = fuse(emo, None)
        found = book.check(doc)
        stored = {v.rule for v in doc.violations}
        now = {v.rule for v in found}
        for rid, s in stats.items():
            hits = [v for v in found if v.rule == rid]
            s["hits"] += len(hits)
            s["calls"] += bool(hits)
            s["stored_calls"] += rid in stored
            s["added"] += rid in now and rid not in stored
            s["removed"] += rid in stored and rid not in now
            for v in hits[: max(0, examples - len(s["examples"]))]:
                s["examples"].append({"call_id": doc.call_id, "date": doc.metadata.get("date"),
                                      "turn": v.turn, "start": v.start, "evidence": v.evidence})
    for s in stats.values():
        s["call_rate"] = round(s["calls"] / n, 3) if n else 0.0
    return {"rulebook": book.name, "path": book.path, "calls": n, "rules": list(stats.values())}


def _print(report: dict[str, Any]) -> None:
    period = f"{report.get('since') or 'start'} .. {report.get('until') or 'now'}"
    print(f"rulebook {report['rulebook']} ({report['path']}) over {report['calls']} stored calls, {period}")
    print(f"{'rule':28} {'sev':8} {'hits':>5} {'calls':>6} {'rate':>6} {'stored':>7} {'+new':>5} {'-gone':>6}")
    for s in report["rules"]:
        print(f"{s['rule']:28} {s['severity']:8} {s['hits']:5d} {s['calls']:6d} {s['call_rate']:6.1%} "
              f"{s['stored_calls']:7d} {s['added']:5d} {s['removed']:6d}")
        for ex in s["examples"]:
            print(f"    {ex['call_id']} turn {ex['turn']} @{ex['start']:.1f}s: {ex['evidence'][:110]}")
