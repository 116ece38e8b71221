"""Issue 10 finding 9 on the terminal: outputs checked before the run, rich markup escaped."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from hotline.cli import main
from hotline.document import CallDocument, Turn, Violation
from hotline.transcribe_cli import print_call

DATA = Path(__file__).resolve().parents[1] / "data"


def test_missing_output_folder_fails_before_the_run(tmp_path, capsys, monkeypatch):
    import hotline.pipeline as pipeline

    def never(*args, **kwargs):
        raise AssertionError("no model may load when the output cannot be written")

    monkeypatch.setattr(pipeline.Pipeline, "load", classmethod(never))
    assert main(["transcribe", str(DATA / "jfk.flac"), "--json", "/missing/dir/x.json"]) == 2
    assert "/missing/dir" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["transcribe", str(DATA / "jfk.flac"), "--output-format", "txt",
                 "--output-dir", str(blocker / "out")]) == 2


def test_markup_in_paths_and_text_is_printed_not_parsed():
    doc = CallDocument(call_id="c1", source="/calls/[/x]/[bold]call.wav", duration=2.0,
                       sample_rate=16000, channels=1, language="en", pipeline_version="t",
                       turns=[Turn("S0", "agent", 0.0, 1.0, "press [/] then [red]#")],
                       violations=[Violation("greeting.missing", "minor", 0.0, 1.0, None,
                                             "never said [/x]")],
                       intents=["a[/b]"])
    out = io.StringIO()
    print_call(doc, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert "/calls/[/x]/[bold]call.wav" in text and "press [/] then [red]#" in text
    assert "never said [/x]" in text and "a[/b]" in text
