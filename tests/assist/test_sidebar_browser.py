"""The agent sidebar in real headless Chromium, fed by scripts/simulate_call.py over the live socket."""

from __future__ import annotations

import asyncio
import threading

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_sidebar_shows_suggestion_card(live_server, simulate, tmp_path, browser):
    wav = simulate.espeak_call(["Hi. My five G signal is terrible, I live in Northgate.",
                                "This is ridiculous, I want to make a complaint."],
                               str(tmp_path / "call.wav"))
    ws_url = live_server.replace("http://", "ws://")
    result: dict = {}
    page = browser.new_page(viewport={"width": 420, "height": 900})   # the agent's side panel
    try:
        page.goto(f"{live_server}/live?call=browser-1")
        page.wait_for_function("document.getElementById('status').textContent.includes('connected')",
                               timeout=20000)
        runner = threading.Thread(target=lambda: result.update(asyncio.run(
            simulate.simulate(ws_url, wav, call_id="browser-1", speed=3.0))))
        runner.start()
        card = page.locator('#suggestions .suggestion-card[data-intent="network.weak_signal"]')
        card.wait_for(timeout=60000)
        facts = card.locator(".fact").all_inner_texts()
        page.locator(".alert").first.wait_for(timeout=60000)
        runner.join(timeout=60)
        transcript = page.locator("#transcript li").all_inner_texts()
        alert = page.locator(".alert").first.inner_text()
        meter = page.evaluate("document.getElementById('meter-bar').style.width")
        one_column = page.evaluate("""() => {
            const a = document.getElementById('assist').getBoundingClientRect();
            const t = document.getElementById('left').getBoundingClientRect();
            return t.top >= a.bottom && a.width > 360; }""")
    finally:
        page.close()
    assert any("NG-5G-003" in f and "down" in f for f in facts), facts
    assert len(transcript) >= 2 and "signal" in transcript[0].lower()
    assert "Escalation" in alert and "understand" in alert
    assert meter not in ("", "0%")
    assert one_column, "the 420 px panel stacks assist above the transcript"
    assert result.get("suggestions")
