"""The agent sidebar in real headless Chromium, fed by scripts/simulate_call.py over the live socket."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from websockets.asyncio.client import connect

from tests.support.browser import wait_js

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CARD = "4111 1111 1111 1111"


async def _say_card(ws_url: str, token: str, call_id: str) -> None:
    """A telephony platform's text turn with a card number in it."""
    async with connect(f"{ws_url}/ws/call/{call_id}",
                       additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send(json.dumps({"type": "turn", "role": "customer",
                                  "text": f"My card number is {CARD}, can you check it?"}))
        async for raw in ws:
            if json.loads(raw)["type"] == "turn":
                return


def _stream_call(simulate, ws_url: str, wav: str, token: str) -> dict:
    """Stream the call as the telephony platform would and wait until its "end" event."""
    result: dict = {}

    def run() -> None:
        try:
            result.update(asyncio.run(simulate.simulate(ws_url, wav, call_id="browser-1",
                                                        speed=2.0, token=token)))
        except BaseException as exc:   # reported by the test, not lost in the thread
            result["error"] = repr(exc)

    runner = threading.Thread(target=run)
    runner.start()
    runner.join(timeout=180)
    assert not runner.is_alive(), "the simulated call did not end within 180 s"
    assert "error" not in result, result.get("error")
    assert result["events"][-1]["type"] == "end", [e["type"] for e in result["events"]]
    return result


def test_sidebar_shows_suggestion_card(live_server, live_tokens, simulate, tmp_path, browser):
    wav = simulate.espeak_call(["Hi. My five G signal is terrible, I live in Northgate.",
                                "This is ridiculous, I want to make a complaint."],
                               str(tmp_path / "call.wav"), gap_s=2.5)   # two clear utterances
    ws_url = live_server.replace("http://", "ws://")
    page = browser.new_page(viewport={"width": 420, "height": 900})   # the agent's side panel
    try:
        page.goto(f"{live_server}/live?call=browser-1")
        assert "/qa/login" in page.url                 # the sidebar needs a login
        page.fill("#token", live_tokens["A1"])
        page.click("button[type=submit]")
        wait_js(page, "document.getElementById('status').textContent.includes('connected')",
                timeout=20000)
        # the platform streams the call the agent has open (it is theirs: they opened it).
        # The DOM is read once the whole call has been streamed: on a loaded machine both
        # utterances can finish within milliseconds, so no assertion races the event order.
        result = _stream_call(simulate, ws_url, wav, live_tokens["admin"])
        wait_js(page, "document.getElementById('status').textContent.includes('ended')",
                timeout=30000)
        transcript = page.locator("#transcript li").all_inner_texts()
        sent = [(s["turn"], s["suggestions"][0]["intent"]) for s in result.get("suggestions", [])]
        # current, or kept under "Earlier suggestions" after the complaint's card
        card = page.locator('.suggestion-card[data-intent="network.weak_signal"]').first
        assert card.count() == 1, f"no weak-signal card; page turns {transcript}, sent {sent}"
        facts = card.locator(".fact").all_inner_texts()
        assert page.locator(".alert").count() >= 1, f"no alert; page turns {transcript}"
        sayer = threading.Thread(target=lambda: asyncio.run(
            _say_card(ws_url, live_tokens["admin"], "browser-1")))
        sayer.start()
        sayer.join(timeout=60)
        wait_js(page, "document.getElementById('transcript').textContent.includes('[CARD]')",
                timeout=20000)
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
    assert any("[CARD]" in t for t in transcript) and "1111" not in " ".join(transcript)


def test_sidebar_marks_speech_the_model_cannot_transcribe(live_server, live_tokens, browser):
    """The events of a Mandarin channel under the English-only model (tests/assist/
    test_live_language.py makes them for real): earlier text struck, later turns say why
    they have none, the notice stands in the reminders."""
    page = browser.new_page(viewport={"width": 420, "height": 900})
    try:
        page.goto(f"{live_server}/live?call=browser-zh")
        page.fill("#token", live_tokens["A1"])
        with page.expect_navigation(url="**/live?call=browser-zh"):
            page.click("button[type=submit]")          # the login's redirect back to the sidebar
        page.wait_for_load_state("load")
        wait_js(page, "typeof window.hotlineHandle === 'function' && "
                "document.getElementById('status').textContent.includes('connected')",
                timeout=20000)
        for event in (
            {"type": "turn", "turn": 0, "role": "customer", "start": 1.0, "end": 2.5,
             "text": "Thank you for watching."},
            {"type": "notice", "code": "language_unsupported", "role": "customer",
             "message": "this speech is not in a language the ASR model can transcribe"},
            {"type": "turn", "turn": None, "role": "customer", "start": 3.0, "end": 5.0,
             "text": "", "flags": ["language_unsupported"]},
        ):
            page.evaluate("(ev) => window.hotlineHandle(ev)", event)
        rows = page.locator("#transcript li")
        classes = [rows.nth(i).get_attribute("class") for i in range(rows.count())]
        texts = rows.all_inner_texts()
        notice = page.locator('#reminders li.notice[data-code="language_unsupported"]')
        notice_text = notice.first.inner_text() if notice.count() else ""
    finally:
        page.close()
    assert "unreliable" in classes[0] and "unheard" in classes[1], classes
    assert "not transcribed" in texts[1] and "watching" not in texts[1]
    assert notice_text.startswith("customer:") and "ASR model can transcribe" in notice_text
