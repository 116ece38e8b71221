"""`hotline transcribe FILE`: the whole pipeline on one recording, pretty or as the call JSON."""

from __future__ import annotations

import argparse
import json
import sys

ROLE_STYLE = {"agent": "bold cyan", "customer": "bold yellow", "unknown": "bold white"}
EMOTION_STYLE = {"angry": "bold red", "negative": "red", "positive": "green", "neutral": "dim"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transcribe", help="full pipeline on one recording")
    p.add_argument("file")
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write the call document (- = stdout)")
    p.add_argument("--stereo-agent", choices=("left", "right"))
    p.add_argument("--language", choices=("auto", "en", "zh"))
    p.add_argument("--no-analytics", action="store_true", help="skip emotion, rules and intents")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hotline.audio import decode_audio
    from hotline.config import load_settings
    from hotline.pipeline import Pipeline

    settings = load_settings(stereo_agent=args.stereo_agent, language=args.language)
    audio = decode_audio(args.file, max_duration=settings.max_duration)  # reject before model loads
    pipeline = Pipeline.load(settings, analytics=not args.no_analytics, intents=not args.no_analytics)
    doc = pipeline.process(args.file, audio=audio)
    if args.json_out:
        _write_json(doc.to_dict(), args.json_out)
    if args.json_out != "-":
        print_call(doc)
    return 0


def _write_json(data: dict, out: str) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")


def print_call(doc, console=None) -> None:
    """A readable coloured transcript: header, turns by role with times, violations, metrics."""
    from rich.console import Console

    console = console or Console()
    console.rule(f"[bold]{doc.source}[/]")
    speakers = ", ".join(f"{s.id}={s.role} ({s.role_confidence:.2f})" for s in doc.speakers)
    console.print(f"call [bold]{doc.call_id}[/]  {doc.duration:.1f}s  {doc.sample_rate} Hz  "
                  f"{doc.channels} ch  lang={doc.language}  speakers: {speakers or '-'}")
    if not doc.turns:
        console.print("[dim](no speech)[/]")
    for turn in doc.turns:
        console.print(_turn_line(turn), highlight=False)
    for v in doc.violations:
        console.print(f"[bold red]! {v.rule}[/] ({v.severity}) at {_clock(v.start)}: {v.evidence}",
                      highlight=False)
    if doc.intents:
        console.print(f"intents: {', '.join(doc.intents)}")
    if doc.metrics:
        console.print("metrics: " + "  ".join(f"{k}={_fmt(v)}" for k, v in doc.metrics.items()))


def _turn_line(turn) -> str:
    style = ROLE_STYLE.get(turn.role, ROLE_STYLE["unknown"])
    emotion = ""
    if turn.emotion and turn.emotion.label != "neutral":
        emotion = f" [{EMOTION_STYLE[turn.emotion.label]}]({turn.emotion.label})[/]"
    text = turn.text.replace("[", "\\[")
    return (f"[dim]{_clock(turn.start)}–{_clock(turn.end)}[/] "
            f"[{style}]{turn.role.upper():8}[/] [dim]{turn.speaker}[/]{emotion} {text}")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes):02d}:{secs:04.1f}"


def _fmt(value) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)
