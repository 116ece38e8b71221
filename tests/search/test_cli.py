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


def test_pretty_table(store_url, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    text = _run(["\"cancel my plan\"", "--agent", "A1"], capsys)
    assert "1 match(es)" in text and "en1" in text and "I want to cancel my plan" in text
    assert "<mark>" not in text


def test_bad_flags_are_usage_errors(store_url) -> None:
    for argv in (["x", "--from", "someday"], ["x", "--limit", "0"], ["x", "--role", "boss"]):
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
    out = json.loads(_run(["--reindex", "--json"], capsys))
    assert out["indexed"] == len(CORPUS) and out["refused"] == [] and out["calls"] == len(CORPUS)
    out = json.loads(_run(["cancel", "--role", "customer", "--emotion", "angry", "--json"],
                          capsys))
    assert {r["call_id"] for r in out["results"]} == {"en1", "en3"}
