"""`hotline assist` (suggestions for customer utterances) and `hotline facts load` (live facts)."""

from __future__ import annotations

import argparse
import json
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("assist", help="knowledge-graph suggestions for a customer utterance")
    p.add_argument("text", nargs="?", help="the customer's words")
    p.add_argument("--file", help="one utterance per line; one JSON object per line out")
    p.add_argument("--json", action="store_true", help="print the contract JSON")
    p.add_argument("--area", help="caller's area (joins live base-station facts)")
    p.add_argument("--language", choices=("en", "zh"), help="answer language (default: detect)")
    p.set_defaults(func=assist)

    f = sub.add_parser("facts", help="live network facts (base-station / outage status by area)")
    fsub = f.add_subparsers(dest="facts_command", metavar="ACTION")
    load = fsub.add_parser("load", help="load a CSV or JSON feed (newer rows replace older per area/site)")
    load.add_argument("file")
    load.set_defaults(func=facts_load)
    show = fsub.add_parser("show", help="print the current facts as JSON")
    show.add_argument("--area")
    show.set_defaults(func=facts_show)
    f.set_defaults(func=lambda args: (f.print_help(), 2)[1])


def assist(args: argparse.Namespace) -> int:
    if not args.text and not args.file:
        print("hotline assist: give TEXT or --file FILE", file=sys.stderr)
        return 2
    from hotline.assist.assistant import Assistant
    from hotline.errors import MissingFile
    from hotline.settings import load_settings

    assistant = Assistant.load(load_settings(), threads=1)
    if args.file:
        try:
            lines = open(args.file, encoding="utf-8").read().splitlines()
        except OSError as exc:
            raise MissingFile(f"{args.file}: {exc.strerror}") from exc
        for line in lines:
            if line.strip():
                print(json.dumps(_run(assistant, line, args), ensure_ascii=False), flush=True)
        return 0
    out = _run(assistant, args.text, args)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _pretty(out)
    return 0


def _run(assistant, text: str, args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    suggestions = assistant.suggest(text, area=args.area, language=args.language)
    ms = (time.perf_counter() - t0) * 1000
    return {"text": text, "suggestions": [s.to_dict() for s in suggestions], "latency_ms": round(ms, 2)}


def _pretty(out: dict) -> None:
    if not out["suggestions"]:
        print("no suggestion (nothing in the knowledge graph fits)")
    for i, s in enumerate(out["suggestions"], 1):
        print(f"{i}. {s['title']}  [{s['intent']}  score {s['score']:.2f}]")
        print(f"   {s['answer']}")
        for fact in s["facts"]:
            print(f"   * {fact['site_id']} ({fact['area']}): {fact['status']} {fact['detail']} {fact['eta']}".rstrip())
        for n, step in enumerate(s["steps"], 1):
            print(f"   {n}) {step}")
    print(f"({out['latency_ms']:.1f} ms)")


def facts_load(args: argparse.Namespace) -> int:
    from hotline.assist.facts import FactsStore
    from hotline.settings import load_settings
    from hotline.store.db import Database

    store = FactsStore(Database(load_settings().db_url))
    n = store.load_feed(args.file)
    print(f"loaded {n} fact rows from {args.file}")
    return 0


def facts_show(args: argparse.Namespace) -> int:
    from hotline.assist.facts import FactsStore
    from hotline.settings import load_settings
    from hotline.store.db import Database

    store = FactsStore(Database(load_settings().db_url))
    rows = store.for_area(args.area) if args.area else store.all()
    print(json.dumps({"facts": [r.to_dict() for r in rows]}, ensure_ascii=False, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (`python -m assist.cli assist TEXT`), same commands as `hotline`."""
    from hotline.cli import run

    parser = argparse.ArgumentParser(prog="hotline")
    register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    return run(parser, argv)


if __name__ == "__main__":
    sys.exit(main())
