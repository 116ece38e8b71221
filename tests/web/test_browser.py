"""The QA pages and the agent sidebar in real headless Chromium (Debian chromium + Playwright):
search grouped by call (sort, pages, CSV), the call page (violation sentences with clickable
times, holds, metrics, the word being played, the QA review), the sidebar at 420 px.

Set HOTLINE_QA_SCREENSHOTS=DIR to keep the screenshots (docs/img holds the published ones)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import httpx
import pytest

from hotline.web.evidence import clock
from tests.support.browser import wait_js

pytestmark = pytest.mark.browser
SEVERITY = {"positive": 0, "neutral": 1, "negative": 2, "angry": 3}


def _shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("HOTLINE_QA_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _page(browser, qa_world, width: int = 1400, role: str = "qa"):
    page = browser.new_page(viewport={"width": width, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{qa_world.url}/qa/login")
    page.fill("#token", qa_world.tokens[role])
    page.click("button[type=submit]")
    page.wait_for_selector("#q")
    return page, errors


def _worst(doc) -> str:
    labels = [t.emotion.label for t in doc.turns if t.emotion]
    return max(labels, key=SEVERITY.__getitem__)


def test_search_grouped_by_call_sorted_paged_csv(qa_world, browser, tmp_path, monkeypatch):
    page, errors = _page(browser, qa_world)
    page.select_option("#f-role", "agent")           # filters only: every call has agent turns
    page.click("#search-btn")
    page.wait_for_selector("#results")
    rows = page.locator("tr.call-row")
    assert rows.count() == len(qa_world.docs)        # one row per call, not per turn
    for i in range(rows.count()):
        row = rows.nth(i)
        doc = qa_world.docs[row.get_attribute("data-call")]
        assert row.locator("td.duration").inner_text() == clock(doc.duration)
        assert row.locator("td.violations").inner_text() == str(len(doc.violations))
        assert row.locator(".emo").inner_text() == _worst(doc)
        hits = row.locator(".hit")
        assert 1 <= hits.count() <= 3 and hits.first.locator(".role-agent").count() == 1
    page.screenshot(path=str(_shots(tmp_path) / "search.png"), full_page=True)

    _check_sorting(page, qa_world)
    _check_csv(page, qa_world)
    _check_paging(page, qa_world, monkeypatch)

    # a word search: the call that said it, its matching turn marked, linked at that time
    doc = qa_world.played
    text = next(t.text for t in doc.turns if t.role == "customer")
    word = max(re.findall(r"[A-Za-z]{5,}", text), key=len)
    page.goto(f"{qa_world.url}/qa?q={word}")
    row = page.locator(f"tr.call-row[data-call='{doc.call_id}']")
    assert word.lower() in row.locator("mark").first.inner_text().lower()
    at = row.locator(".hit a.time").first.get_attribute("href")
    assert re.search(r"\?t=[0-9.]+#turn-\d+$", at)
    assert not errors, errors
    page.close()


def _check_sorting(page, qa_world) -> None:
    """Duration sorts descending, then ascending on a second click; violations descending."""
    def column(name: str) -> list:
        cells = page.locator(f"tr.call-row td.{name}").all_inner_texts()
        return [int(c) if name == "violations" else c for c in cells]

    def durations() -> list[float]:
        return [qa_world.docs[c].duration for c in
                page.locator("tr.call-row").evaluate_all("rs => rs.map(r => r.dataset.call)")]

    page.click("a.sort[data-sort=duration]")
    page.wait_for_selector("a.sort.active[data-sort=duration]")
    assert durations() == sorted(durations(), reverse=True)
    page.click("a.sort[data-sort=duration]")                          # again: ascending
    page.wait_for_selector("a.sort.active[data-sort=duration][aria-sort=ascending]")
    assert durations() == sorted(durations())
    page.click("a.sort[data-sort=violations]")
    page.wait_for_selector("a.sort.active[data-sort=violations]")
    assert column("violations") == sorted(column("violations"), reverse=True)


def _check_csv(page, qa_world) -> None:
    """CSV: every call, in the page's order, the same numbers."""
    href = page.get_attribute("#export-csv", "href")
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}
    body = httpx.get(qa_world.url + href, cookies=cookie).text
    lines = list(csv.DictReader(io.StringIO(body)))
    assert [r["call_id"] for r in lines] == page.locator("tr.call-row").evaluate_all(
        "rs => rs.map(r => r.dataset.call)")
    for r in lines:
        doc = qa_world.docs[r["call_id"]]
        assert int(r["violations"]) == len(doc.violations) and r["worst_emotion"] == _worst(doc)
        assert "<mark>" not in r["first_match_text"]


def _check_paging(page, qa_world, monkeypatch) -> None:
    """4 calls a page -> 2 pages, every call on exactly one of them."""
    monkeypatch.setattr("hotline.web.callsearch.PAGE_SIZE", 4)
    page.reload()
    first = set(page.locator("tr.call-row").evaluate_all("rs => rs.map(r => r.dataset.call)"))
    assert len(first) == 4 and "page 1 of 2" in page.inner_text("#pager")
    page.click("#pager a[rel=next]")
    page.wait_for_selector("#pager a[rel=prev]")
    second = set(page.locator("tr.call-row").evaluate_all("rs => rs.map(r => r.dataset.call)"))
    assert first | second == set(qa_world.docs) and not first & second


def _call_page(browser, qa_world):
    """The played call's page, its transcript drawn and its audio's metadata loaded."""
    page, errors = _page(browser, qa_world)
    page.goto(f"{qa_world.url}/qa/calls/{qa_world.played.call_id}")
    page.wait_for_selector("#transcript .turn")
    wait_js(page, "document.getElementById('player').readyState >= 1", timeout=15000)
    return page, errors


def test_call_page_violations_as_sentences_with_clickable_times(qa_world, browser):
    doc = qa_world.played
    page, errors = _call_page(browser, qa_world)
    html = page.content()
    # intents by name, the id on hover
    chip = page.locator(".chip.intent").first
    assert chip.get_attribute("title") == doc.intents[0] and chip.inner_text() != doc.intents[0]
    assert "." not in chip.inner_text()
    # each violation once, as a sentence with clickable times, never the engine's string
    assert page.locator("#violations li").count() == len(doc.violations)
    for v in doc.violations:
        assert v.evidence not in html and "engine:" not in html
        li = page.locator(f"#violations li[data-rule='{v.rule}']")
        sentence = li.locator(".sentence")
        assert sentence.locator("a.t").count() >= 1 and sentence.inner_text().endswith(".")
        badge = page.locator(f"#turn-{v.turn} .vbadge[data-rule='{v.rule}']")
        assert badge.count() == 1 and badge.inner_text() == li.locator("b").inner_text()
    v = doc.violations[0]
    page.evaluate("""() => { window.__seeks = [];
        const a = document.getElementById('player');
        a.addEventListener('seeked', () => window.__seeks.push(a.currentTime)); }""")
    link = page.locator(f"#violations li[data-rule='{v.rule}'] .sentence a.t").first
    target = float(link.get_attribute("data-t"))
    link.click()
    wait_js(page, f"window.__seeks.some(t => Math.abs(t - {target}) < 0.05)", timeout=10000)
    assert not errors, errors
    page.close()


def test_call_page_metrics_and_the_word_being_played(qa_world, browser):
    doc = qa_world.played
    page, errors = _call_page(browser, qa_world)
    # metrics as % and m:ss
    metrics = dict(r.split("\t") for r in page.locator("#metrics tr").evaluate_all(
        "rs => rs.map(r => r.cells[0].innerText + '\\t' + r.cells[1].innerText)"))
    assert metrics["agent talking"] == f"{100 * doc.metrics['talk_ratio_agent']:.0f} %"
    assert metrics["silence"] == f"{100 * doc.metrics['silence_ratio']:.0f} %"
    longest = round(doc.metrics["longest_silence"], 1)           # m:ss.s
    assert metrics["longest silence"] == f"{int(longest // 60)}:{longest % 60:04.1f}"
    assert metrics["call duration"] == clock(doc.duration)
    # the word being played is highlighted
    word = next(w for t in doc.turns[2:] for w in t.words if w.end - w.start > 0.15)
    page.evaluate(f"window.hotlineSeek({(word.start + word.end) / 2}, false)")
    page.wait_for_selector(".w.playing")
    playing = page.locator(".w.playing")
    assert playing.count() == 1
    assert float(playing.get_attribute("data-s")) == pytest.approx(word.start, abs=0.01)
    assert not errors, errors
    page.close()


def test_call_page_review_is_stored_and_audited(qa_world, browser, tmp_path):
    doc = qa_world.played
    page, errors = _call_page(browser, qa_world)
    # the QA review: status, scorecard, a comment at the playing time; stored and audited
    page.select_option("#review-status", "coaching")
    wait_js(page, "document.getElementById('review-meta').textContent.includes('coaching')")
    page.select_option("select.sc[data-item=greeting]", "fail")
    page.select_option("select.sc[data-item=closing]", "pass")
    wait_js(page, "document.getElementById('review-score').textContent === '50 %'")
    page.check("#comment-at")
    page.fill("#comment-text", "Greeting missing; coach on the opening script.")
    page.click("#comment-send")
    page.wait_for_selector("#comments li")
    page.evaluate("document.getElementById('player').pause(); window.scrollTo(0, 0)")
    page.screenshot(path=str(_shots(tmp_path) / "call.png"), full_page=True)
    page.reload()
    page.wait_for_selector("#comments li")
    assert page.input_value("#review-status") == "coaching"
    assert page.input_value("select.sc[data-item=greeting]") == "fail"
    comment = page.locator("#comments li").first
    assert "coach on the opening" in comment.inner_text() and comment.locator("a.t").count() == 1
    audit = httpx.get(f"{qa_world.url}/api/audit", params={"action": "review",
                                                           "call_id": doc.call_id},
                      headers=qa_world.headers("admin")).json()
    details = " | ".join(r["detail"] for r in audit)
    assert "status unreviewed -> coaching" in details and "greeting fail" in details
    assert "comment (" in details
    # an agent may comment on their own call but not change the verdict
    agent = qa_world.headers("agent")
    url = f"{qa_world.url}/api/calls/{doc.call_id}/review"
    assert httpx.post(url, json={"status": "passed"}, headers=agent).status_code == 403
    reply = httpx.post(url, json={"comment": "I did greet, see 0:01"}, headers=agent)
    assert reply.status_code == 200 and reply.json()["status"] == "coaching"
    assert not errors, errors
    page.close()


def test_holds_are_shaded_and_carry_their_violation(qa_world, browser):
    cid, truth = next((c, t) for c, t in qa_world.truths.items()
                      if "hold.no_notice" in t["violations"])
    page, errors = _page(browser, qa_world)
    page.goto(f"{qa_world.url}/qa/calls/{cid}")
    page.wait_for_selector("#timeline svg")
    hold = next(h for h in truth["holds"] if not h["notice"])
    shaded = page.locator(".hold.has-violation")
    assert shaded.count() == 1
    assert float(shaded.get_attribute("data-start")) == pytest.approx(hold["start"], abs=0.05)
    assert float(shaded.get_attribute("data-end")) == pytest.approx(hold["end"], abs=0.05)
    assert shaded.locator(".vbadge[data-rule='hold.no_notice']").count() == 1
    assert page.locator("#timeline rect.hold-shade.flagged").count() == 1
    sentence = page.locator("#violations li[data-rule='hold.no_notice'] .sentence").inner_text()
    assert re.search(rf"{round(hold['end'] - hold['start'])} s of silence from "
                     rf"{clock(hold['start'])} to {clock(hold['end'])}", sentence), sentence
    assert not errors, errors
    page.close()


def _events(now_iso: str, old_iso: str, past_iso: str) -> list[dict]:
    fact_ok = {"site_id": "NG-5G-003", "kind": "5g", "status": "down", "detail": "power",
               "eta": past_iso, "updated_at": old_iso}
    signal = {"intent": "network.weak_signal", "title": "Weak 5G/4G signal", "score": 0.82,
              "answer": "Check the base station status.", "steps": ["Restart"], "area": "Northgate",
              "facts": [fact_ok]}
    bill = {"intent": "billing.explain_bill", "title": "Explain the bill", "score": 0.41,
            "answer": "Walk through the bill.", "steps": [], "facts": []}
    refund = {"intent": "billing.refund_request", "title": "Refund request", "score": 0.9,
              "answer": "Open a refund ticket.", "steps": [], "facts": []}
    return [
        {"type": "turn", "turn": 0, "role": "agent", "text": "Thank you for calling.", "start": 1.0, "end": 2.5},
        {"type": "turn", "turn": 1, "role": "customer", "text": "My signal is terrible!", "start": 42.0, "end": 45.0},
        {"type": "emotion", "turn": 1, "label": "angry", "score": 0.9, "meter": 0.9},
        {"type": "alert", "turn": 1, "reason": "angry_customer", "script": "I understand.",
         "path": "Senior agent", "policy": "Respond within 1 h"},
        {"type": "suggestion", "turn": 1, "suggestions": [signal]},
        {"type": "turn", "turn": 2, "role": "customer", "text": "And my bill is odd.", "start": 50.0, "end": 52.0},
        {"type": "suggestion", "turn": 2, "suggestions": [bill]},          # weaker, soon after
        {"type": "turn", "turn": 3, "role": "customer", "text": "I want a refund.", "start": 60.0, "end": 62.0},
        {"type": "suggestion", "turn": 3, "suggestions": [refund]},        # stronger
    ]


def test_sidebar_at_420px(qa_world, browser, tmp_path):
    page, errors = _page(browser, qa_world, width=420, role="agent")   # the sidebar needs a login
    page.set_viewport_size({"width": 420, "height": 800})
    page.goto(f"{qa_world.url}/live")
    page.wait_for_selector("#suggestions", state="attached")
    stamps = page.evaluate("""() => { const n = Date.now();
        return [new Date(n).toISOString(), new Date(n - 2 * 3600e3).toISOString(),
                new Date(n - 20 * 60e3).toISOString()]; }""")
    for ev in _events(*stamps)[:5]:
        page.evaluate("ev => window.hotlineHandle(ev)", ev)

    # one column, nothing wider than the panel
    layout = page.evaluate("""() => {
        const a = document.getElementById('assist').getBoundingClientRect();
        const t = document.getElementById('left').getBoundingClientRect();
        return {width: document.documentElement.scrollWidth, stacked: t.top >= a.bottom,
                assist: a.width}; }""")
    assert layout["width"] <= 420 and layout["stacked"] and layout["assist"] > 380, layout
    # the alert: pinned at the top with its call time, and a button to acknowledge it
    alert = page.locator("#alerts .alert[data-reason=angry_customer]")
    assert "0:42" in alert.locator(".time").inner_text()
    page.mouse.wheel(0, 2000)
    top = page.evaluate("document.querySelector('#alerts .alert').getBoundingClientRect().top")
    assert 0 <= top < 150                            # still at the top after scrolling
    # live facts past their time are flagged, times are readable
    fact = page.locator("#suggestions .fact").first
    text = fact.inner_text()
    assert fact.get_attribute("data-stale") == "yes" and "ETA passed" in text
    assert "updated 2 h ago" in text and re.search(r"back \d{2}:\d{2} \(20 min ago\)", text)

    _check_suggestion_cards(page, stamps)
    page.screenshot(path=str(_shots(tmp_path) / "sidebar.png"), full_page=True)

    alert.locator("button.ack").click()
    assert "acknowledged" in alert.get_attribute("class")
    page.evaluate("ev => window.hotlineHandle(ev)",
                  {"type": "emotion", "turn": 3, "label": "neutral", "score": 0.6, "meter": 0.1})
    assert page.locator("#alerts .alert").count() == 0
    assert "1:00 customer calmed down" in page.locator("#reminders li.cleared").inner_text()
    assert not errors, errors
    page.close()


def _check_suggestion_cards(page, stamps) -> None:
    """A weaker suggestion goes to recent, a stronger one replaces it; pinning keeps a card."""
    for ev in _events(*stamps)[5:7]:                  # a weaker suggestion soon after
        page.evaluate("ev => window.hotlineHandle(ev)", ev)
    assert page.locator("#suggestions .suggestion-card").get_attribute("data-intent") == \
        "network.weak_signal"
    assert page.locator("#recent .suggestion-card[data-intent='billing.explain_bill']").count() == 1
    for ev in _events(*stamps)[7:]:                   # a stronger one replaces it; kept as recent
        page.evaluate("ev => window.hotlineHandle(ev)", ev)
    assert page.locator("#suggestions .suggestion-card").get_attribute("data-intent") == \
        "billing.refund_request"
    kept = page.locator("#recent .suggestion-card[data-intent='network.weak_signal']")
    assert kept.count() == 1
    kept.locator("button.pin").click()
    assert page.locator("#pinned-cards .suggestion-card[data-intent='network.weak_signal']") \
        .count() == 1
    assert kept.locator("button.pin").inner_text() == "Unpin"


def test_review_api_rejects_bad_values(qa_world):
    url = f"{qa_world.url}/api/calls/{qa_world.played.call_id}/review"
    qa = qa_world.headers("qa")
    assert httpx.post(url, json={"status": "great"}, headers=qa).status_code == 422
    assert httpx.post(url, json={"scorecard": {"charm": True}}, headers=qa).status_code == 422
    other = next(c for c in qa_world.calls_of("A2"))
    assert httpx.get(f"{qa_world.url}/api/calls/{other}/review",
                     headers=qa_world.headers("agent")).status_code == 404
    assert json.loads(httpx.get(url, headers=qa).text)["items"]["greeting"]
