"""`hotline transcribe FILE...`: the whole pipeline on recordings — a readable transcript, the call
JSON (`--json`), or whisper-style files (`--output-format txt|srt|vtt|tsv|json|all`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.markup import escape

from hotline.writers import FORMATS

ROLE_STYLE = {"agent": "bold cyan", "customer": "bold yellow", "unknown": "bold white"}
EMOTION_STYLE = {"angry": "bold red", "negative": "red", "positive": "green", "neutral": "dim"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transcribe", help="full pipeline on recordings: transcript, roles, "
                       "emotion, violations; txt/srt/vtt/tsv/json files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", dest="json_out", metavar="OUT",
                   help="write the call document (- = stdout); one FILE only")
    p.add_argument("--output-format", "-f", default=None,
                   choices=(*FORMATS, "all"), help="write FILE's stem + .txt/.srt/.vtt/.tsv/.json "
                   "(subtitles labelled with the speaker's role); all = every format")
    p.add_argument("--output-dir", "-o", default=None,
                   help="where --output-format files go (default: the current directory)")
    p.add_argument("--stereo-agent", choices=("left", "right"))
    p.add_argument("--language", choices=("auto", "en", "zh"))
    p.add_argument("--no-analytics", action="store_true", help="skip emotion, rules and intents")
    p.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                   help="no progress and no transcript on the terminal (same as hotline -q)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hotline.audio import decode_audio
    from hotline.errors import RecordingRejected
    from hotline.pipeline import Pipeline
    from hotline.settings import load_settings

    if args.json_out and len(args.files) > 1:
        print("hotline: --json takes one FILE; for several use --output-format json "
              "--output-dir DIR", file=sys.stderr)
        return 2
    formats = list(FORMATS) if args.output_format == "all" else (
        [args.output_format] if args.output_format else [])
    problem = output_problem(args.json_out, args.output_dir)
    if problem:                        # before any decoding or model loading, not after the run
        print(f"hotline: {problem}", file=sys.stderr)
        return 2
    settings = load_settings(stereo_agent=args.stereo_agent, language=args.language)
    progress = Progress(len(args.files), quiet=args.quiet)
    decoded = []
    for path in args.files:            # reject bad input before loading any model
        try:
            decoded.append((path, decode_audio(path, max_duration=settings.max_duration)))
        except RecordingRejected as exc:
            progress.rejected(path, exc)
    if not decoded:
        return 1
    progress.total = len(decoded)
    pipeline = Pipeline.load(settings, progress=progress.stage,
                             analytics=not args.no_analytics, intents=not args.no_analytics)
    for path, audio in decoded:
        progress.start(path)
        try:
            doc = pipeline.process(path, audio=audio)
        except RecordingRejected as exc:
            progress.rejected(path, exc)
            continue
        progress.done(doc)
        _outputs(doc, path, args, formats)
    return 1 if progress.failed else 0


def _outputs(doc, path: str, args: argparse.Namespace, formats: list[str]) -> None:
    from hotline.writers import write_outputs

    if args.json_out:
        _write_json(doc.to_dict(), args.json_out)
    for written in write_outputs(doc, path, args.output_dir or ".", formats) if formats else []:
        print(f"wrote {written}", file=sys.stderr)
    if args.json_out != "-" and not args.quiet and not formats:
        print_call(doc)


class Progress:
    """One line per stage on stderr ("[2/3] call.wav: asr"), then the stage times."""

    def __init__(self, total: int, quiet: bool = False):
        self.total, self.quiet = total, quiet
        self.index, self.failed, self.name = 0, 0, ""

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def start(self, path: str) -> None:
        self.index += 1
        self.name = Path(path).name

    def stage(self, name: str) -> None:
        self._say(f"[{self.index}/{self.total}] {self.name}: {name}")

    def done(self, doc) -> None:
        times = ", ".join(f"{k} {v:.1f} s" for k, v in doc.timings.items())
        self._say(f"[{self.index}/{self.total}] {self.name}: done in "
                  f"{sum(doc.timings.values()):.1f} s ({times})")

    def rejected(self, path: str, exc: Exception) -> None:
        self.failed += 1
        print(f"hotline: rejected {path}: {exc}", file=sys.stderr, flush=True)


def output_problem(json_out: str | None, output_dir: str | None) -> str | None:
    """Why the outputs could not be written (checked before the run), or None."""
    checks = [(Path(json_out).parent, f"--json {json_out}")] if json_out not in (None, "-") \
        else []
    if output_dir:                     # created when missing: its nearest existing folder counts
        folder = Path(output_dir).absolute()
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        checks.append((folder, f"--output-dir {output_dir}"))
    for folder, what in checks:
        folder = folder if str(folder) else Path(".")
        if not folder.is_dir():
            return f"{what}: folder {folder} does not exist"
        if not os.access(folder, os.W_OK):
            return f"{what}: folder {folder} is not writable"
    return None


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
    console.rule(f"[bold]{escape(doc.source)}[/]")      # a path may hold "[/x]": not markup
    speakers = ", ".join(f"{s.id}={s.role} ({s.role_confidence:.2f})" for s in doc.speakers)
    console.print(f"call [bold]{escape(doc.call_id)}[/]  {doc.duration:.1f}s  "
                  f"{doc.sample_rate} Hz  {doc.channels} ch  lang={escape(doc.language)}  "
                  f"speakers: {escape(speakers) or '-'}")
    if not doc.turns:
        console.print("[dim](no speech)[/]")
    for turn in doc.turns:
        console.print(_turn_line(turn), highlight=False)
    for v in doc.violations:
        console.print(f"[bold red]! {escape(v.rule)}[/] ({escape(v.severity)}) at "
                      f"{_clock(v.start)}: {escape(v.evidence)}", highlight=False)
    if doc.intents:
        console.print(f"intents: {escape(', '.join(doc.intents))}")
    if doc.metrics:
        console.print(escape("metrics: " + "  ".join(f"{k}={_fmt(v)}"
                                                     for k, v in doc.metrics.items())))


def _turn_line(turn) -> str:
    style = ROLE_STYLE.get(turn.role, ROLE_STYLE["unknown"])
    emotion = ""
    if turn.emotion and turn.emotion.label != "neutral":
        emotion = f" [{EMOTION_STYLE[turn.emotion.label]}]({turn.emotion.label})[/]"
    text = escape(turn.text)
    return (f"[dim]{_clock(turn.start)}–{_clock(turn.end)}[/] "
            f"[{style}]{turn.role.upper():8}[/] [dim]{turn.speaker}[/]{emotion} {text}")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes):02d}:{secs:04.1f}"


def _fmt(value) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)
