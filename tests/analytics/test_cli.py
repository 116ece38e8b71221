"""`hotline rules test RULEBOOK`: backtest against a real results store (sqlite file)."""

from __future__ import annotations

import json

import pytest

from hotline.cli import main
from hotline.store.db import Database
from hotline.store.results import ResultsStore
from hotline.synth.scenarios import build_scenarios
from hotline.synth.truth import to_call_document


@pytest.fixture
def stored(sqlite_url, analyzer, monkeypatch):
    """Twelve analysed synthetic calls saved in a real results store."""
    monkeypatch.setenv("HOTLINE_DB_URL", sqlite_url)
    store = ResultsStore(Database(sqlite_url))
    calls = build_scenarios(seed=2, kinds=["clean", "greeting.missing", "language.forbidden",
                                           "empathy.missing", "hold.no_notice", "angry"])
    for truth in calls:
        store.save_document(analyzer.analyze(to_call_document(truth)))
    return calls


def test_backtest_default_rulebook_json(stored, capsys):
    assert main(["rules", "test", "default", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["calls"] == len(stored)
    rules = {r["rule"]: r for r in report["rules"]}
    expected = {rid: sum(rid in t["violations"] for t in stored) for rid in rules}
    for rid, n in expected.items():
        assert rules[rid]["calls"] == n, rid
        assert rules[rid]["added"] == 0 and rules[rid]["removed"] == 0  # same book as stored
    ex = rules["language.forbidden"]["examples"][0]
    assert ex["call_id"] and ex["turn"] is not None and ex["evidence"]


def test_backtest_new_rulebook_with_date_filter(stored, tmp_path, capsys):
    book = tmp_path / "strict.yaml"
    book.write_text("name: strict\nrules:\n  - id: no.okay\n    forbid:\n"
                    "      role: agent\n      keyword: {en: [okay], zh: [好的]}\n", encoding="utf-8")
    dates = sorted(t["metadata"]["date"] for t in stored)
    day = dates[len(dates) // 2]
    assert main(["rules", "test", str(book), "--since", day, "--until", day, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rulebook"] == "strict" and report["calls"] == dates.count(day)
    assert main(["rules", "test", str(book)]) == 0
    text = capsys.readouterr().out
    assert "no.okay" in text and f"over {len(stored)} stored calls" in text


def test_malformed_rulebook_exits_2_with_location(stored, tmp_path, capsys):
    book = tmp_path / "bad.yaml"
    book.write_text("rules:\n  - id: x\n    forbid:\n      keywords: [a]\n", encoding="utf-8")
    assert main(["rules", "test", str(book)]) == 2
    err = capsys.readouterr().err
    assert f"{book}:4:" in err and "unknown condition 'keywords'" in err


def test_backtest_scores_missing_emotions_like_the_pipeline():
    """A stored call whose turns carry no emotion is scored with the rulebook's anger
    recogniser too, as the pipeline scores it (not with the lexicon alone)."""
    from hotline.analytics.cli import backtest
    from hotline.analytics.emotion import EmotionScorer, fuse
    from hotline.analytics.rulebook import load_rulebook
    from hotline.document import CallDocument, Turn
    from hotline.embed import Embedder

    book = load_rulebook(None, Embedder())
    text = "third time i call about this and nobody fixes anything"
    doc = CallDocument(call_id="c1", source="", duration=10.0, sample_rate=8000, channels=1,
                       language="en", pipeline_version="t",
                       turns=[Turn(speaker="S1", role="customer", start=0.0, end=4.0, text=text)])
    backtest(book, [doc])
    with_rec = fuse(EmotionScorer().with_recognisers(book.recognisers).text_evidence([text], "en")[0], None)
    lexicon_only = fuse(EmotionScorer().text_evidence([text], "en")[0], None)
    assert with_rec.score != lexicon_only.score            # the recogniser matters here
    assert doc.turns[0].emotion.score == pytest.approx(with_rec.score)
