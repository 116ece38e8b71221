"""`hotline report`: the numbers in the HTML are the numbers put into the store."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from hotline.cli import main
from hotline.document import CallDocument, Emotion, Violation
from hotline.report.daily import build_report, compute_report, default_day, percentile
from hotline.store.db import Database
from hotline.store.results import ResultsStore

DAY = "2026-11-20"
ANGRY = Emotion(label="angry", score=0.9, valence=-0.8, arousal=0.9)
CALM = Emotion(label="neutral", score=0.8, valence=0.1, arousal=0.2)


def _day(offset: int) -> str:
    return (dt.date.fromisoformat(DAY) + dt.timedelta(days=offset)).isoformat()


def _plan() -> list[dict]:
    """Calls over 11 days around DAY: (day offset, agent, caller, rules, mood, duration)."""
    rows = [
        # the report day: 8 calls
        (0, "A1", "13800000001", ["greeting.missing"], "angry", 120.0),     # X: called D-3 too
        (0, "A1", "13800000002", [], "calm", 60.0),                         # Y: twice today
        (0, "A2", "13800000002", ["empathy.missing", "greeting.missing"], "angry", 300.0),
        (0, "A2", "13800000003", [], "calm", 90.0),                         # Z: D-10, outside window
        (0, "A2", "13800000004", ["closing.missing"], "calm", 45.0),        # W: once
        (0, "A3", None, ["greeting.missing"], "calm", 200.0),               # unknown caller
        (0, "A3", "13800000005", [], "escalates", 150.0),
        (0, "A1", "13800000006", [], "calm", 75.0),
        # history
        (-3, "A1", "13800000001", [], "calm", 100.0),
        (-10, "A2", "13800000003", [], "calm", 100.0),
        (-1, "A3", "13800000009", ["hold.no_notice"], "calm", 100.0),
        # the day after must not count
        (1, "A1", "13800000004", ["greeting.missing"], "calm", 100.0),
    ]
    return [dict(offset=o, agent=a, caller=c, rules=r, mood=m, duration=d)
            for o, a, c, r, m, d in rows]


def _documents(redact: bool = True) -> list[CallDocument]:
    """The plan as call documents, redacted as the pipeline stores them (caller number masked,
    salted caller hash added); `redact=False` keeps raw numbers (an older store)."""
    from hotline.privacy.redact import redact_document
    from hotline.synth.scenarios import build_scenarios
    from hotline.synth.truth import to_call_document

    plan = _plan()
    truths = build_scenarios(seed=5, n=len(plan), languages=("en", "zh"))
    docs = []
    for i, (p, truth) in enumerate(zip(plan, truths, strict=True)):
        doc = to_call_document(truth)
        doc.call_id = f"call{i:03d}"
        doc.duration = p["duration"]
        doc.metadata = {"date": _day(p["offset"]), "agent_id": p["agent"], "area": "Haidian"}
        if p["caller"]:
            doc.metadata["caller_number"] = p["caller"]
        doc.violations = [Violation(rule=r, severity="major", start=0.0, end=5.0, turn=0,
                                    evidence="test") for r in p["rules"]]
        customer = [t for t in doc.turns if t.role == "customer"]
        for k, turn in enumerate(customer):
            angry = p["mood"] == "angry" or (p["mood"] == "escalates" and k == len(customer) - 1)
            turn.emotion = ANGRY if angry else CALM
        docs.append(redact_document(doc) if redact else doc)
    return docs


@pytest.fixture
def filled_store(db_url):
    store = ResultsStore(Database(db_url))
    docs = _documents()
    for doc in docs:
        store.save_document(doc)
    return store, docs


class _Cells(HTMLParser):
    """Text of every table cell by the id of its row's table, plus ids -> text."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.ids: dict[str, str] = {}
        self._table = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._id_stack: list[tuple[str, str, list[str]]] = []
        self.srcs: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id")
            self.tables.setdefault(self._table or "", [])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        if "src" in a:
            self.srcs.append(a["src"])
        if "href" in a:
            self.hrefs.append(a["href"])
        if a.get("id"):
            self._id_stack.append((tag, a["id"], []))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table or ""].append(self._row)
            self._row = None
        if self._id_stack and self._id_stack[-1][0] == tag:
            _, ident, text = self._id_stack.pop()
            self.ids[ident] = " ".join("".join(text).split())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for _, _, text in self._id_stack:
            text.append(data)

    def table(self, name: str) -> dict[str, str]:
        return {row[0]: row[1] for row in self.tables[name][1:]}


def _parse(html: str) -> _Cells:
    cells = _Cells()
    cells.feed(html)
    return cells


def test_report_html_numbers_match_the_store(filled_store, db_url, tmp_path, monkeypatch):
    store, docs = filled_store
    out = tmp_path / "report.html"
    monkeypatch.setenv("HOTLINE_DB_URL", db_url)
    assert main(["report", "--date", DAY, "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    page = _parse(html)

    todays = [d for d in docs if d.metadata["date"] == DAY]
    assert len(todays) == 8
    assert page.ids["kpi-calls"] == "8calls"
    volume = page.table("t-volume")
    assert volume["calls"] == "8"
    total_s = sum(d.duration for d in todays)
    assert volume["audio hours"] == f"{total_s / 3600:.2f}"
    assert volume["handle time mean (s)"] == f"{total_s / 8:.1f}"
    assert volume["handle time p90 (s)"] == f"{percentile([d.duration for d in todays], 90):.1f}"

    # violations by rule and by agent: exactly what was stored for the day
    expected_rules = Counter(v.rule for d in todays for v in d.violations)
    rules = page.table("t-rules")
    assert {k: int(v) for k, v in rules.items()} == dict(expected_rules)
    assert rules["greeting.missing"] == "3"
    agents = {row[0]: row for row in page.tables["t-agents"][1:]}
    assert agents["A2"][1:4:2] == ["3", "3"]              # 3 calls, 3 violations
    assert agents["A1"][1:4:2] == ["3", "1"]

    # repeat callers: X (D-3 and today) and Y (twice today); Z's earlier call is outside 7 days
    assert page.ids["v-repeat-callers"] == "2"
    assert page.ids["v-repeat-calls"] == "2"
    assert page.ids["v-fcr"] == f"{100 * (1 - 2 / 7):.1f} %"  # 7 of 8 calls have a caller id
    repeats = page.tables["t-repeats"][1:]
    assert sorted(r[0] for r in repeats) == ["*******0001", "*******0002"]
    assert all("13800000001" not in h and "13800000002" not in h for h in [html])

    # emotions and escalations
    emotion = page.table("t-emotion")
    assert emotion["angry"] == "3"         # two angry calls + the one that turns angry
    assert page.ids["v-emotion-escalations"] == "3"
    assert page.ids["v-emotion-worsened"] == "1"

    # intents table = intents of the day's documents
    intents = page.table("t-intents")
    assert {k: int(v) for k, v in intents.items()} == dict(
        Counter(i for d in todays for i in d.intents))

    # trend: 7 days before + the day; the day after is not in it
    trend = page.table("t-trend")
    assert trend[DAY] == "8" and trend[_day(-3)] == "1" and _day(1) not in trend

    # self-contained: every image inline, nothing fetched from elsewhere
    assert len(page.srcs) >= 5 and all(s.startswith("data:image/png;base64,") for s in page.srcs)
    assert not page.hrefs
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "@import" not in html and "url(" not in html


def test_report_numbers_direct(filled_store):
    store, docs = filled_store
    rep = build_report(store, DAY)
    assert rep.calls == 8
    assert rep.repeat_callers == 2 and rep.repeat_calls == 2 and rep.calls_with_caller == 7
    assert rep.violations_by_rule == {"greeting.missing": 3, "empathy.missing": 1,
                                      "closing.missing": 1}
    assert rep.emotion_escalations == 3 and rep.emotion_worsened == 1
    assert rep.emotion_mix["angry"] == 3 and rep.emotion_mix["neutral"] == 5
    # the same numbers from all documents at once: the window is applied, not assumed
    assert compute_report(docs, DAY).repeat_callers == 2
    # the analyzer's own summaries (analytics.emotion.summarize) give the same counts
    from hotline.analytics.emotion import summarize

    for doc in docs:
        doc.emotion_summary = summarize(doc)
    rep = compute_report(docs, DAY)
    assert (rep.emotion_escalations, rep.emotion_worsened, rep.emotion_mix["angry"]) == (3, 1, 3)
    # a store without caller hashes falls back to the raw number, shown masked
    raw = compute_report(_documents(redact=False), DAY)
    assert raw.repeat_callers == 2 and sorted(r.caller for r in raw.repeat_list) == [
        "138****0001", "138****0002"]
    assert all("caller_hash" in d.metadata for d in docs if "caller_number" in d.metadata)
    # the next day sees W's call of the day before as a repeat, and only that
    nxt = build_report(store, _day(1))
    assert nxt.calls == 1 and nxt.repeat_callers == 1 and nxt.repeat_list[0].prior_calls == 1


def test_empty_day_and_default_date(tmp_path):
    assert default_day(dt.date(2026, 3, 1)) == "2026-02-28"
    rep = compute_report([], "2026-11-20")
    assert rep.calls == 0 and rep.fcr_proxy is None
    from hotline.report.daily import render_html

    html = render_html(rep)
    assert "No calls stored for 2026-11-20" in html
    assert _parse(html).table("t-volume")["calls"] == "0"


def test_report_cli_defaults_to_yesterday(tmp_path, monkeypatch, capsys):
    db_url = f"sqlite:///{tmp_path / 'h.db'}"
    monkeypatch.setenv("HOTLINE_DB_URL", db_url)
    monkeypatch.chdir(tmp_path)
    store = ResultsStore(Database(db_url))
    doc = _documents()[0]
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    doc.metadata["date"] = yesterday
    store.save_document(doc)
    assert main(["report"]) == 0
    out = tmp_path / f"hotline-report-{yesterday}.html"
    assert out.exists()
    assert _parse(out.read_text()).table("t-volume")["calls"] == "1"
    assert "1 calls" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["report", "--date", "20-11-2026"])
    assert exc.value.code == 2
