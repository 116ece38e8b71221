"""Live language check (assist/language.py) through the real server, tiny.en and espeak-ng:
Mandarin speech is flagged per channel and keeps no text; English utterances keep every word."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from hotline.asr.language import LANGUAGE_UNSUPPORTED
from hotline.assist.language import ChannelLanguage

pytestmark = pytest.mark.slow

ZH = ["你好，我的手机信号很差，我住在海淀区。", "我要投诉，你们的服务太差了。",
      "我想取消我的合约，你们涨价了。", "帮我查一下这个月的话费为什么这么高。",
      "我家的宽带每天晚上都掉线。"]
EN = ["Hi, my five G signal is terrible at home.", "This is ridiculous, I want to make a complaint.",
      "I want to cancel my contract, your prices went up.",
      "Can you check why my bill is so high this month?", "My internet keeps dropping every evening.",
      "Yes, my date of birth is the third of May."]


def _utterances(wav: str) -> list:
    """The utterances the live endpointer cuts the recording into."""
    from hotline.assist.live import Endpointer
    from hotline.audio import decode_audio

    ep = Endpointer()
    cut = ep.feed(decode_audio(wav).mono)
    last = ep.flush()
    return cut + ([last] if last else [])


def _ws(url: str) -> str:
    return url.replace("http://", "ws://")


def test_mandarin_channel_is_flagged_and_keeps_no_text(live_server, live_tokens, simulate,
                                                      tmp_path, engine, monkeypatch):
    wav = simulate.espeak_call(ZH, str(tmp_path / "zh.wav"), gap_s=1.0, rate=8000, voice="cmn")
    decoded: list[int] = []
    real = engine.transcribe
    monkeypatch.setattr(engine, "transcribe",
                        lambda audio, priority, options=None: decoded.append(len(audio))
                        or real(audio, priority, options))
    out = asyncio.run(simulate.simulate(_ws(live_server), wav, speed=4.0, partials=False,
                                        token=live_tokens["admin"]))
    notices = [e for e in out["events"] if e["type"] == "notice"]
    assert [(n["code"], n["role"]) for n in notices] == [(LANGUAGE_UNSUPPORTED, "customer")]
    at = out["events"].index(notices[0])
    later = [e for e in out["events"][at:] if e["type"] == "turn"]
    assert later and all(t["text"] == "" and t["flags"] == [LANGUAGE_UNSUPPORTED] for t in later)
    assert not [s for s in out["suggestions"] if s["turn"] is None]   # unheard turns: no cards
    assert len(decoded) < len(_utterances(wav))   # utterances after the verdict: not decoded
    end = out["events"][-1]
    assert end["type"] == "end" and end["flags"] == [LANGUAGE_UNSUPPORTED]
    assert end["violations"] == []


def test_english_8k_utterances_all_keep_their_words(live_server, live_tokens, simulate,
                                                    tmp_path):
    """Judged one by one, 2 of these 6 clear utterances used to come back empty (each alone
    scores like Mandarin); the channel check keeps them all and flags nothing."""
    wav = simulate.espeak_call(EN, str(tmp_path / "en.wav"), gap_s=1.0, rate=8000)
    out = asyncio.run(simulate.simulate(_ws(live_server), wav, speed=4.0, mulaw=True,
                                        partials=False, token=live_tokens["admin"]))
    texts = [t["text"] for t in out["turns"]]
    assert len(texts) >= len(EN) and all(texts), texts
    assert not [e for e in out["events"] if e["type"] == "notice"]
    assert out["events"][-1]["flags"] == []


def test_channel_language_collects_then_settles():
    ch = ChannelLanguage()
    second = np.zeros(16000, np.float32)
    assert not any(ch.add(second) for _ in range(5))            # 5 s: not yet
    assert ch.add(second)                                       # 6 s: judge
    assert len(ch.audio()) > 6 * 16000                          # with pauses between
    assert ch.settle([LANGUAGE_UNSUPPORTED]) and ch.unsupported and ch.heard == []
    assert not ch.add(second)                                   # judged once
    ok = ChannelLanguage()
    assert not ok.settle(["low_confidence"]) and ok.verdict == "ok"
