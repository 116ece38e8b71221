"""`hotline search` end to end: flags -> HOTLINE_DB_URL store -> JSON / table output."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pytest

from hotline.search import cli


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline")
    cli.register(parser.add_subparsers(dest="command"))
    return parser


def _run(argv: list[str], capsys) -> str:
    args = _parser().parse_args(["search", *argv])
    assert args.func(args) == 0
    return capsys.readouterr().out


@pytest.fixture
def store_url(sqlite_url, monkeypatch):
    from hotline.search.index import SearchIndex
    from hotline.store.db import Database

    from .conftest import CORPUS, corpus_doc

    idx = SearchIndex(Database(sqlite_url))
    for call_id in CORPUS:
        idx.index_call(corpus_doc(call_id))
    idx.db.close()
    monkeypatch.setenv("HOTLINE_DB_URL", sqlite_url)
    return sqlite_url


def test_json_output_matches_contract(store_url, capsys) -> None:
    out = json.loads(_run(["cancel", "--role", "customer", "--emotion", "angry",
                           "--from", "2026-11-16", "--to", "2026-11-22", "--json"], capsys))
    assert out["total"] == 2
    assert [(r["call_id"], r["turn"]) for r in out["results"]] in (
        [("en1", 3), ("en1", 1)], [("en1", 1), ("en1", 3)])
    assert set(out["results"][0]) >= {"call_id", "turn", "start", "role", "snippet", "score"}
    out = json.loads(_run(["取消套餐", "--json", "--limit", "1"], capsys))
    assert out["total"] == 1 and out["results"][0]["call_id"] == "zh1"
    out = json.loads(_run(["", "--rule", "language.forbidden", "--role", "agent", "--json"],
                          capsys))
    assert {(r["call_id"], r["turn"]) for r in out["results"]} == {("zh1", 0), ("zh1", 2)}


def test_piped_output_is_one_plain_line_per_hit(store_url, capsys) -> None:
    text = _run(["\"cancel my plan\"", "--agent", "A1"], capsys)
    lines = text.splitlines()
    assert lines[0].startswith("“\"cancel my plan\"”: 1–1 of 1 turns (exact")
    assert lines[1].startswith("en1  2026-11-16 0:02  customer (angry)")
    assert "I want to cancel my plan" in lines[1]
    assert "<mark>" not in text and "─" not in text and "\x1b[" not in text


def test_partial_and_fuzzy_answers_say_so(store_url, capsys) -> None:
    text = _run(["not my department"], capsys)
    assert "That is how my department works. [without not]" in text
    text = _run(["cancle", "--limit", "2"], capsys)
    assert "(fuzzy" in text and "note: “cancle” only as a close spelling (cancel)" in text
    assert text.splitlines()[-1] == "more: --offset 2"


def test_table_fits_80_columns_on_a_terminal(store_url) -> None:
    from rich.console import Console

    from hotline.search.index import SearchIndex
    from hotline.store.db import Database

    db = Database(store_url)
    results = SearchIndex(db).search("cancel", by="call")
    db.close()
    console = Console(force_terminal=True, width=80, record=True, color_system=None)
    cli.print_results(results, argparse.Namespace(similar=None, query="cancel", by_call=True),
                      console)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "1–3 of 3 calls" in text and "(+1 more turn)" in text and "ridiculous" in text


def test_by_call_and_offset_json(store_url, capsys) -> None:
    out = json.loads(_run(["roaming Spain", "--by-call", "--json"], capsys))
    assert [c["call_id"] for c in out["calls"]] == ["en5"] and out["mode"] == "exact"
    assert [h["turn"] for h in out["calls"][0]["hits"]] == [0, 1]
    first = json.loads(_run(["cancel", "--json", "--limit", "3"], capsys))
    rest = json.loads(_run(["cancel", "--json", "--limit", "3", "--offset",
                            str(first["next_offset"])], capsys))
    assert first["total"] == rest["total"] == 5 and rest["next_offset"] is None
    ids = [(r["call_id"], r["turn"]) for r in first["results"] + rest["results"]]
    assert len(set(ids)) == 5


def test_unknown_rule_id_lists_the_rulebook_ids(store_url, capsys) -> None:
    args = _parser().parse_args(["search", "x", "--rule", "greeting.mising"])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert "unknown rule id 'greeting.mising'" in err
    assert "greeting.missing" in err and "interruption.excessive" in err
    out = json.loads(_run(["", "--rule", "emotion.escalate", "--json"], capsys))
    assert out["total"] == 0          # in the rulebook, on no call yet: not an error


def test_bad_flags_are_usage_errors(store_url) -> None:
    for argv in (["x", "--from", "someday"], ["x", "--limit", "0"], ["x", "--role", "boss"],
                 ["x", "--offset", "-1"]):
        with pytest.raises(SystemExit) as exc:
            _parser().parse_args(["search", *argv])
        assert exc.value.code == 2


def test_parse_day() -> None:
    today = dt.date(2026, 11, 19)          # a Thursday
    assert cli.parse_day("2026-11-02", today) == "2026-11-02"
    assert cli.parse_day("today", today) == "2026-11-19"
    assert cli.parse_day("week", today) == "2026-11-16"
    assert cli.parse_day("7d", today) == cli.parse_day("-7d", today) == "2026-11-12"
    assert cli.parse_day("month", today) == "2026-11-01"


def test_reindex_from_results_store(sqlite_url, monkeypatch, capsys) -> None:
    """`hotline search --reindex` rebuilds the index from the stored (redacted) documents."""
    from hotline.store.db import Database
    from hotline.store.results import ResultsStore

    from .conftest import CORPUS, corpus_doc

    db = Database(sqlite_url)
    store = ResultsStore(db)
    for call_id in CORPUS:
        store.save_document(corpus_doc(call_id))
    db.close()
    monkeypatch.setenv("HOTLINE_DB_URL", sqlite_url)
    out = json.loads(_run(["--reindex", "--json", "--workers", "2"], capsys))
    assert out["indexed"] == len(CORPUS) and out["refused"] == [] and out["calls"] == len(CORPUS)
    out = json.loads(_run(["cancel", "--role", "customer", "--emotion", "angry", "--json"],
                          capsys))
    assert {r["call_id"] for r in out["results"]} == {"en1", "en3"}
