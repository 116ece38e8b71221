"""The QA pages in real headless Chromium: log in, search, open the call, click a turn, and the
<audio> element seeks to that turn's start."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (make apt installs chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_search_open_call_and_seek(qa_world, browser, tmp_path):
    doc = qa_world.played
    text = next(t.text for t in doc.turns if t.role == "customer")
    word = max(re.findall(r"[A-Za-z]{5,}", text), key=len)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # log in through the form
    page.goto(f"{qa_world.url}/qa")
    assert "/qa/login" in page.url
    page.fill("#token", qa_world.tokens["qa"])
    page.click("button[type=submit]")
    page.wait_for_selector("#q")

    # search with a filter: the hit for the played call shows its snippet and turn time
    page.fill("#q", word)
    page.select_option("#f-role", "customer")
    page.click("#search-btn")
    page.wait_for_selector("#result-count")
    shots = Path(os.environ.get("HOTLINE_QA_SCREENSHOTS", tmp_path))  # set it to keep them
    page.screenshot(path=str(shots / "search.png"), full_page=True)
    link = page.locator(f"a.call-link[href^='/qa/calls/{doc.call_id}']").first
    row = page.locator("tr.hit", has=link)
    assert word.lower() in row.locator("mark").first.inner_text().lower()
    hit_start = float(re.search(r"[?&]t=([0-9.]+)", link.get_attribute("href")).group(1))
    link.click()

    # call view: transcript by role, emotion timeline, violations on their turns
    page.wait_for_selector("#transcript .turn")
    assert page.locator(".turn.role-agent").count() == sum(t.role == "agent" for t in doc.turns)
    assert page.locator(".turn.role-customer").count() == sum(
        t.role == "customer" for t in doc.turns)
    assert page.locator("#timeline svg circle.emo-dot").count() == len(doc.turns)
    assert page.locator("#timeline svg .viol-mark").count() == len(doc.violations)
    for v in doc.violations:
        badge = page.locator(f"#turn-{v.turn} .violation[data-rule='{v.rule}']")
        assert badge.count() == 1 and v.rule in badge.inner_text()
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15000)
    assert page.evaluate("document.getElementById('player').duration") == pytest.approx(
        doc.duration, abs=0.05)

    # the search hit's link opened the call seeked to the matching turn
    page.wait_for_function(
        f"(a => !a.seeking && Math.abs(a.currentTime - {hit_start}) < 0.05)"
        "(document.getElementById('player'))", timeout=10000)

    # click a later turn: the audio seeks to its start
    page.evaluate("""() => { window.__seeks = [];
        const a = document.getElementById('player');
        a.addEventListener('seeked', () => window.__seeks.push(a.currentTime)); }""")
    target = min(4, len(doc.turns) - 1)              # a turn well into the call
    start = doc.turns[target].start
    assert abs(start - hit_start) > 1.0
    page.click(f"#turn-{target} .text")
    page.wait_for_function(f"window.__seeks.some(t => Math.abs(t - {start}) < 0.05)",
                           timeout=10000)
    now = page.evaluate("document.getElementById('player').currentTime")
    assert start - 0.05 <= now < doc.turns[target].end + 1.0
    page.wait_for_selector(f"#turn-{target}.active")

    # the similar-calls box filled from the API
    page.wait_for_function("!document.getElementById('similar').textContent.includes('loading')",
                           timeout=60000)
    page.evaluate("document.getElementById('player').pause(); window.scrollTo(0, 0)")
    shot = shots / "call_view.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert not errors, errors
    page.close()
