"""`hotline report`: SLA numbers from the calls' metadata; HTML, --json and CSV agree."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import random
from html.parser import HTMLParser

import pytest

from hotline import defaults
from hotline.cli import main
from hotline.document import CallDocument, Emotion, Violation
from hotline.report.daily import compute_report, to_json
from hotline.report.html import render_html
from hotline.store.db import Database
from hotline.store.results import ResultsStore

DAY = "2026-11-20"
AS_OF = dt.datetime(2026, 11, 25, 12, 0)
ANGRY = Emotion(label="angry", score=0.9, valence=-0.8, arousal=0.9)
CALM = Emotion(label="neutral", score=0.8, valence=0.1, arousal=0.2)


def _day(offset: int) -> str:
    return (dt.date.fromisoformat(DAY) + dt.timedelta(days=offset)).isoformat()


def _ticket(opened: str, respond_min: float | None, solve_h: float | None,
            follow_h: float | None) -> dict:
    t0 = dt.datetime.fromisoformat(opened)
    out = {"id": "TK-1", "type": "complaint", "opened_at": opened}
    for key, delta in (("responded_at", None if respond_min is None else
                        dt.timedelta(minutes=respond_min)),
                       ("solved_at", None if solve_h is None else dt.timedelta(hours=solve_h)),
                       ("followed_up_at", None if follow_h is None else
                        dt.timedelta(hours=follow_h))):
        if delta is not None:
            out[key] = (t0 + delta).isoformat()
    return out


# (day offset, agent, caller, hh:mm, queue_s, ring_s, outcome, type, ticket, rules, mood, dur)
PLAN = [
    (0, "A1", "13800000001", "09:05", 4.0, 3.0, "resolved", "consultation", None,
     ["greeting.missing"], "calm", 120.0),
    (0, "A1", "13800000002", "09:40", 20.0, 5.0, "unresolved", "complaint",
     _ticket(f"{DAY}T09:45:00", 30, 10, 30), [], "angry", 60.0),
    (0, "A2", "13800000002", "14:10", 9.0, 6.5, "resolved", "complaint",        # repeats today
     _ticket(f"{DAY}T14:20:00", 90, 20, None), ["empathy.missing", "greeting.missing"],
     "angry", 300.0),
    (0, "A2", "13800000003", "14:30", 2.0, 2.0, "resolved", "business", None, [], "calm", 90.0),
    (0, "A2", "13800000004", "15:00", 30.0, 4.0, "escalated", "complaint",       # complained D-2
     _ticket(f"{DAY}T15:10:00", 20, 30, 60), ["closing.missing"], "escalates", 45.0),
    (0, "A3", None, "16:00", 5.0, 5.0, "resolved", "consultation", None,
     ["greeting.missing"], "calm", 200.0),
    (0, "A3", "13800000005", "16:30", 1.0, 2.0, "resolved", "fault", None, [], "calm", 150.0),
    (0, "A1", "13800000006", "17:00", 3.0, 2.0, "resolved", "consultation", None, [], "calm",
     75.0),
    # history: D-2 complaint by caller 4; D-9 complaint by caller 1 (outside the 7 days)
    (-2, "A1", "13800000004", "10:00", 3.0, 2.0, "unresolved", "complaint", None, [], "calm",
     100.0),
    (-9, "A2", "13800000001", "10:00", 3.0, 2.0, "resolved", "complaint", None, [], "calm", 100.0),
    (-1, "A3", "13800000009", "11:00", 40.0, 2.0, "resolved", "consultation", None,
     ["hold.no_notice"], "calm", 100.0),
    # future: caller 3 calls again within 7 days (not first-contact resolved); caller 6 after 8
    (3, "A1", "13800000003", "10:00", 3.0, 2.0, "resolved", "business", None, [], "calm", 100.0),
    (8, "A1", "13800000006", "10:00", 3.0, 2.0, "resolved", "business", None, [], "calm", 100.0),
]


def _documents(plan: list = PLAN) -> list[CallDocument]:
    """The plan as call documents, redacted as the pipeline stores them."""
    from hotline.privacy.redact import redact_document
    from hotline.synth.scenarios import build_scenarios
    from hotline.synth.truth import to_call_document

    truths = build_scenarios(seed=5, n=len(plan), languages=("en", "zh"))
    docs = []
    for i, (row, truth) in enumerate(zip(plan, truths, strict=True)):
        off, agent, caller, hhmm, queue, ring, outcome, kind, ticket, rules, mood, dur = row
        doc = to_call_document(truth)
        doc.call_id, doc.duration = f"call{i:03d}", dur
        doc.metadata = {"date": _day(off), "agent_id": agent, "area": "Haidian",
                        "started_at": f"{_day(off)}T{hhmm}:00", "queue_wait_s": queue,
                        "ring_s": ring, "outcome": outcome, "call_type": kind}
        if ticket:
            doc.metadata["ticket"] = ticket
        if caller:
            doc.metadata["caller_number"] = caller
        doc.violations = [Violation(rule=r, severity="major", start=0.0, end=5.0, turn=0,
                                    evidence="test") for r in rules]
        customer = [t for t in doc.turns if t.role == "customer"]
        for k, turn in enumerate(customer):
            angry = mood == "angry" or (mood == "escalates" and k == len(customer) - 1)
            turn.emotion = ANGRY if angry else CALM
        docs.append(redact_document(doc))
    return docs


def test_sla_numbers_from_metadata():
    rep = compute_report(_documents(), DAY, as_of=AS_OF)
    assert rep.calls == 8
    # answer time = queue + ring: 7, 25, 15.5, 4, 34, 10, 3, 5 -> 5 of 8 within 15 s
    assert rep.answered.value == pytest.approx(5 / 8, abs=1e-4)
    assert sorted(rep.answered.no) == ["call001", "call002", "call004"]
    assert rep.answer_time.value == pytest.approx((7 + 25 + 15.5 + 4 + 34 + 10 + 3 + 5) / 8,
                                                  abs=0.01)
    # FCR over the 7 calls with a caller id: resolved and no later call within 7 days.
    # call000 resolved (caller 1 not again); call001 unresolved; call002 resolved (last of
    # caller 2); call003 resolved but caller 3 calls again on D+3; call004 escalated; call006
    # resolved; call007 resolved (caller 6's next call is D+8, outside the window)
    assert sorted(rep.fcr.yes) == ["call000", "call002", "call006", "call007"]
    assert rep.fcr.total == 7
    # repeat complaints: call002 (caller 2 complained earlier today), call004 (D-2); call001 is
    # the caller's first complaint; caller 1's D-9 complaint is outside the window
    assert sorted(rep.repeat_complaints.yes) == ["call002", "call004"]
    assert rep.repeat_complaints.value == pytest.approx(2 / 3, abs=1e-4)
    assert rep.repeat_complaints.on_target is False
    # complaint tickets: responded 30/90/20 min, solved 10/20/30 h, followed up 30 h / never
    # (past 72 h at AS_OF: missed) / 60 h
    c = rep.complaints
    assert (len(c["responded_within_1h"].yes), c["responded_within_1h"].total) == (2, 3)
    assert (len(c["solved_within_24h"].yes), c["solved_within_24h"].total) == (2, 3)
    assert (len(c["followed_up_within_72h"].yes), c["followed_up_within_72h"].total) == (2, 3)
    assert c["followed_up_within_72h"].no == ["call002"]
    # a ticket not yet due is pending, not missed
    early = compute_report(_documents(), DAY, as_of=dt.datetime(2026, 11, 21, 12, 0))
    assert early.complaints["followed_up_within_72h"].total == 2
    # scorecard
    cards = {a.agent_id: a for a in rep.agents}
    assert len(cards["A2"].calls) == 3 and cards["A2"].violations == 3
    assert cards["A2"].violations_per_100_calls == 100.0 and not cards["A2"].on_target
    assert cards["A1"].violations_per_100_calls == pytest.approx(33.3)
    assert cards["A2"].escalations == ["call004"] and cards["A1"].escalations == []
    assert cards["A1"].angry == ["call001"]
    assert cards["A2"].mean_handle_s == pytest.approx((300 + 90 + 45) / 3, abs=0.1)
    assert rep.agents[0].agent_id == "A2"        # worst first
    # calls per hour from the start times
    assert {h: len(ids) for h, ids in rep.per_hour.items() if ids} == {
        9: 2, 14: 2, 15: 1, 16: 2, 17: 1}


def test_trend_compares_with_the_previous_days():
    rep = compute_report(_documents(), DAY, as_of=AS_OF)
    assert [n.date for n in rep.previous] == [_day(-k) for k in range(7, 0, -1)]
    trend = rep.trend()
    # previous 7 days: D-2 one call, D-1 one call, others none -> mean 2/7 calls a day
    assert trend["calls"]["previous_mean"] == pytest.approx(2 / 7, abs=1e-4)
    assert trend["calls"]["delta"] == pytest.approx(8 - 2 / 7, abs=1e-4)
    # answered within 15 s on D-2 (5 s: yes) and D-1 (42 s: no) -> 50 %
    assert trend["answered_within_15s"]["previous_mean"] == 0.5
    assert trend["answered_within_15s"]["days"] == 2


def test_missing_metadata_is_null_and_says_no_data():
    docs = _documents()
    for doc in docs:
        for key in ("started_at", "queue_wait_s", "ring_s", "outcome", "call_type", "ticket"):
            doc.metadata.pop(key, None)
    rep = compute_report(docs, DAY, as_of=AS_OF)
    data = to_json(rep)
    for key in ("answered_within_15s", "mean_answer_s", "first_contact_resolution",
                "repeat_complaint_rate", "calls_per_hour"):
        assert data[key] is None, key
    assert data["complaints"] == {"responded_within_1h": None, "solved_within_24h": None,
                                  "followed_up_within_72h": None}
    assert all(a["escalations"] is None for a in data["agents"])
    assert data["calls"] == 8 and data["agents"][0]["violations_per_100_calls"] == 100.0
    page = _parse(render_html(rep))
    for key in ("answered_within_15s", "mean_answer_s", "first_contact_resolution",
                "repeat_complaint_rate"):
        assert "no data" in page.ids[f"kpi-{key}"], key
    assert "no data" in page.ids["no-hours"]
    assert page.ids["kpi-first_contact_resolution"].startswith("no data first-contact")


class _Page(HTMLParser):
    """Table rows by table id, text by element id, every link."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.ids: dict[str, str] = {}
        self.links: list[tuple[str, str]] = []
        self.srcs: list[str] = []
        self._table, self._row, self._cell, self._a = "", None, None, None
        self._open: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id") or ""
            self.tables.setdefault(self._table, [])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self._a = [a.get("href") or "", []]
        if "src" in a:
            self.srcs.append(a["src"])
        if a.get("id"):
            self._open.append((tag, a["id"], []))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "a" and self._a:
            self.links.append((self._a[0], "".join(self._a[1]).strip()))
            self._a = None
        if self._open and self._open[-1][0] == tag:
            _, ident, text = self._open.pop()
            self.ids[ident] = " ".join("".join(text).split())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._a:
            self._a[1].append(data)
        for _, _, text in self._open:
            text.append(data)

    def rows(self, table: str) -> dict[str, list[str]]:
        return {row[0]: row[1:] for row in self.tables[table][1:]}


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _generated_store(db_url: str) -> tuple[ResultsStore, list[CallDocument]]:
    """Calls over two weeks with the metadata scripts/make_calls.py writes."""
    from hotline.privacy.redact import redact_document
    from hotline.synth.scenarios import build_scenarios
    from hotline.synth.telephony import telephony_metadata
    from hotline.synth.truth import to_call_document

    store = ResultsStore(Database(db_url))
    rng = random.Random("report-test")
    docs = []
    for i, truth in enumerate(build_scenarios(seed=2, n=60, languages=("en", "zh"))):
        truth["metadata"]["date"] = _day(-(i % 10))
        truth["metadata"].update(telephony_metadata(truth, rng, as_of=AS_OF))
        doc = to_call_document(truth, with_violations=True)
        for turn in doc.turns:
            if turn.role == "customer":
                turn.emotion = ANGRY if truth["customer_emotion"] == "angry" else CALM
        doc = redact_document(doc)
        store.save_document(doc)
        docs.append(doc)
    return store, docs


def test_cli_json_html_and_csv_agree(db_url, tmp_path, monkeypatch, capsys):
    store, docs = _generated_store(db_url)
    monkeypatch.setenv("HOTLINE_DB_URL", db_url)
    out, csv_out = tmp_path / "r.html", tmp_path / "r.csv"
    assert main(["report", "--date", DAY, "--json", "--out", str(out), "--csv", str(csv_out),
                 "--base-url", "http://qa.example:8080"]) == 0
    data = json.loads(capsys.readouterr().out)
    todays = [d for d in docs if d.metadata["date"] == DAY]
    assert data["calls"] == len(todays) == 6 and set(data["call_ids"]) == {
        d.call_id for d in todays}
    _check_kpis(data, todays)
    html = out.read_text(encoding="utf-8")
    page = _parse(html)
    _check_html_tables(page, data)
    _check_html_links(page, data, html)
    _check_embedded_csv(page, data, csv_out)


def _check_kpis(data, todays) -> None:
    """Generated metadata fills every KPI; per-agent numbers; intent names, not ids."""
    for key in ("answered_within_15s", "first_contact_resolution", "mean_answer_s"):
        assert data[key] is not None, key
    assert set(data["complaints"]) == {"responded_within_1h", "solved_within_24h",
                                       "followed_up_within_72h"}
    assert {a["agent_id"] for a in data["agents"]} == {d.metadata["agent_id"] for d in todays}
    for agent in data["agents"]:
        mine = [d for d in todays if d.metadata["agent_id"] == agent["agent_id"]]
        assert agent["calls"] == len(mine)
        assert agent["violations_per_100_calls"] == round(
            100 * sum(len(d.violations) for d in mine) / len(mine), 1)
    # intent names, not ids
    assert all(i["name"] != i["intent"] for i in data["intents"])


def _check_html_tables(page, data) -> None:
    """The HTML's SLA, agent and intent tables show the JSON's numbers."""
    sla = page.rows("t-sla")
    assert sla["calls"][0] == str(data["calls"])
    assert sla["answered within 15 s"][0] == f"{100 * data['answered_within_15s']:.1f} %"
    assert sla["first-contact resolution"][0] == (
        f"{100 * data['first_contact_resolution']:.1f} %")
    agents = page.rows("t-agents")
    for agent in data["agents"]:
        assert agents[agent["agent_id"]][0] == str(agent["calls"])
        assert agents[agent["agent_id"]][2] == str(agent["violations_per_100_calls"])
    intents = page.rows("t-intents")
    assert set(intents) == {i["name"] for i in data["intents"]}


def _check_html_links(page, data, html) -> None:
    """Every number links to a list of its calls, and each call to its QA page."""
    anchors = {h[1:] for h, _ in page.links if h.startswith("#")}
    details = {k for k in page.ids if k.startswith("calls-")}
    assert anchors and anchors <= details
    call_links = [h for h, _ in page.links if "/qa/calls/" in h]
    assert call_links and all(h.startswith("http://qa.example:8080/qa/calls/")
                              for h in call_links)
    day_links = {h for h, _ in page.links if h.startswith("http") and "/qa/calls/" not in h}
    assert f"http://qa.example:8080/qa?date_from={_day(-1)}&date_to={_day(-1)}" in day_links
    assert {h.rsplit("/", 1)[1] for h in call_links} == set(data["call_ids"])
    assert "13800" not in html                      # caller numbers never shown


def _check_embedded_csv(page, data, csv_out) -> None:
    """Plots inline; the CSV embedded equals the CSV written."""
    assert len(page.srcs) >= 5 and all(s.startswith("data:image/png;base64,") for s in page.srcs)
    embedded = next(h for h, _ in page.links if h.startswith("data:text/csv"))
    csv_text = base64.b64decode(embedded.split(",", 1)[1]).decode("utf-8")
    assert csv_text == csv_out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert {r["call_id"] for r in rows} == set(data["call_ids"])
    assert sum(r["first_contact_resolved"] == "yes" for r in rows) == round(
        data["first_contact_resolution"] * data["detail"]["first_contact_resolution"]["of"])


def test_default_date_is_the_latest_day_with_calls(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOTLINE_DB_URL", db_url)
    monkeypatch.chdir(tmp_path)
    assert main(["report"]) == 1                      # empty store: says so, reports nothing
    assert "no calls stored" in capsys.readouterr().err
    store = ResultsStore(Database(db_url))
    docs = _documents()
    for doc in docs[:8] + docs[8:11]:                 # the day and its history, no later day
        store.save_document(doc)
    assert main(["report"]) == 0
    captured = capsys.readouterr()
    assert f"reporting {DAY}, the latest day with calls" in captured.err
    assert (tmp_path / f"hotline-report-{DAY}.html").exists()
    assert "8 calls" in captured.out
    with pytest.raises(SystemExit) as exc:
        main(["report", "--date", "20-11-2026"])
    assert exc.value.code == 2


def test_empty_day_page():
    rep = compute_report([], DAY, as_of=AS_OF)
    html = render_html(rep)
    assert f"No calls stored for {DAY}" in html
    assert _parse(html).rows("t-volume")["calls"] == ["0"]
    assert to_json(rep)["first_contact_resolution"] is None


def test_make_calls_writes_telephony_metadata(tmp_path):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "make_calls.py"
    spec = importlib.util.spec_from_file_location("make_calls", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--out", str(tmp_path), "--n", "12", "--text-only", "--date", DAY]) == 0
    metas = [json.loads(p.read_text())["metadata"] for p in sorted(tmp_path.glob("*.json"))]
    assert len(metas) == 12
    for meta in metas:
        assert meta["started_at"].startswith(DAY)
        assert 0 <= meta["queue_wait_s"] <= 240 and 0 < meta["ring_s"] < 10
        assert meta["outcome"] in ("resolved", "unresolved", "callback", "transferred",
                                   "escalated")
        if meta["call_type"] in ("complaint", "fault"):
            assert meta["ticket"]["opened_at"] >= meta["started_at"]
    waits = [m["queue_wait_s"] + m["ring_s"] for m in metas]
    assert sum(w <= defaults.ANSWER_WITHIN_S for w in waits) >= len(waits) // 2


@pytest.mark.browser
def test_report_page_in_chromium(browser, sqlite_url, tmp_path):
    """The page as a QA manager opens it: plots load, a number unfolds its calls."""
    import os
    from pathlib import Path

    from hotline.report.daily import build_report
    from hotline.report.intents import intent_names

    store, _ = _generated_store(sqlite_url)
    rep = build_report(store, DAY, as_of=AS_OF)
    out = tmp_path / "report.html"
    out.write_text(render_html(rep, intent_names(), "http://qa.example:8080"), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(out.as_uri())
    assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth)")
    link = page.locator("#kpi-first_contact_resolution b a.drill")
    assert link.inner_text() == f"{100 * rep.fcr.value:.1f} %"
    link.click()
    listed = page.locator("#calls-first_contact_resolution-yes")
    assert listed.get_attribute("open") is not None and listed.is_visible()
    assert sorted(listed.locator("li a").all_inner_texts()) == sorted(rep.fcr.yes)
    shots = Path(os.environ.get("HOTLINE_QA_SCREENSHOTS") or tmp_path)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    assert not errors, errors
    page.close()


def test_report_api_answers_what_the_cli_prints(db_url, tmp_path, monkeypatch, capsys):
    """GET /api/v1/report (qa, supervisor, admin) == `hotline report --json`, key for key."""
    from fastapi.testclient import TestClient

    from hotline.settings import Settings
    from hotline.web.app import create_app
    from hotline.web.auth import AuthStore

    store, _docs = _generated_store(db_url)
    auth = AuthStore(store.db)
    qa = {"Authorization": f"Bearer {auth.create_token('qa', name='r')[0]}"}
    agent = {"Authorization": f"Bearer {auth.create_token('agent', agent_id='A1')[0]}"}
    monkeypatch.setenv("HOTLINE_DB_URL", db_url)
    assert main(["report", "--date", DAY, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    with TestClient(create_app(Settings(db_url=db_url, data_dir=str(tmp_path)))) as client:
        served = client.get("/api/v1/report", params={"date": DAY}, headers=qa)
        assert served.status_code == 200 and served.json() == printed
        latest = client.get("/api/v1/report", headers=qa).json()
        assert latest["date"] == DAY                   # the latest day with calls
        refused = client.get("/api/v1/report", headers=agent)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        bad = client.get("/api/v1/report", params={"date": "20-11-2026"}, headers=qa)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "date"


def test_calls_the_asr_could_not_transcribe_are_counted_and_shown():
    docs = _documents()
    today = [d for d in docs if d.metadata["date"] == DAY]
    today[0].asr = {"model": "tiny.en", "language": "zh", "confidence": 0.3,
                    "flags": ["language_unsupported"]}
    today[1].asr = {"model": "tiny.en", "language": "en", "confidence": 0.5, "flags": ["low_confidence"]}
    rep = compute_report(docs, DAY, as_of=AS_OF)
    assert rep.asr_flags == {"language_unsupported": 1, "low_confidence": 1}
    html = render_html(rep)
    assert "not transcribed (language not supported)" in html and "low-confidence transcripts" in html
