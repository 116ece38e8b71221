"""Call metrics on a hand-timed call: every value checked against arithmetic done by hand."""

from __future__ import annotations

import pytest

from hotline.analytics.context import CallContext
from hotline.analytics.metrics import compute_metrics


def test_metrics_by_hand(call):
    doc = call([("agent", 0.0, 10.0, " ".join(["word"] * 25)),     # 25 words / 10 s
                ("customer", 12.0, 20.0, "My bill is wrong."),
                ("agent", 19.0, 25.0, " ".join(["word"] * 15)),    # overlaps 1 s; 15 words / 6 s
                ("customer", 40.0, 45.0, "Okay."),
                ("agent", 47.0, 49.0, " ".join(["word"] * 5))],    # 5 words / 2 s
               duration=50.0)
    m = compute_metrics(CallContext.from_document(doc), doc.duration)
    assert m["call_duration"] == 50.0
    assert m["talk_ratio_agent"] == pytest.approx(18 / 50)
    assert m["talk_ratio_customer"] == pytest.approx(13 / 50)
    speech = 10 + (25 - 12) + 5 + 2                                # union of all speech
    assert m["silence_ratio"] == pytest.approx(1 - speech / 50, abs=1e-3)
    assert m["longest_silence"] == 15.0                            # 25 -> 40
    assert m["overtalk_count"] == 1 and m["interruptions_by_agent"] == 1
    assert m["agent_speech_rate_wpm"] == pytest.approx(60 * 45 / 18, abs=0.1)
    # latencies after customer turns: 19-20 overlaps -> 0, 47-45 = 2
    assert m["agent_response_latency_mean"] == pytest.approx(1.0)
    assert m["agent_response_latency_p90"] == pytest.approx(1.8)


def test_empty_call_metrics(call):
    doc = call([], duration=5.0)
    m = compute_metrics(CallContext.from_document(doc), 5.0)
    assert m["silence_ratio"] == 1.0 and m["talk_ratio_agent"] == 0.0 and m["overtalk_count"] == 0


def test_mandarin_speech_rate_counts_words_not_characters(call):
    doc = call([("agent", 0.0, 6.0, "您好，欢迎致电天翼通信，请问有什么可以帮您？")], language="zh")
    m = compute_metrics(CallContext.from_document(doc), 6.0)
    assert 60 < m["agent_speech_rate_wpm"] < 200   # ~10 jieba words in 6 s, not 20 characters
