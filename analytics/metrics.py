"""Call metrics from turn times: talk, silence, overtalk, agent speech rate and response latency.

Computed on the same units as the rules (turns split at long internal pauses), so a hold
inside one diarized turn still counts as silence. Ratios are shares of the call duration.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hotline.analytics.context import CallContext


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _length(spans: list[tuple[float, float]]) -> float:
    return sum(e - s for s, e in spans)


def compute_metrics(ctx: CallContext, duration: float | None = None) -> dict[str, Any]:
    """Metrics of one call (see docs/analytics.md for the definitions)."""
    units = ctx.units
    end = max((u.end for u in units), default=0.0)
    duration = max(duration or ctx.duration or 0.0, end)
    m: dict[str, Any] = {"call_duration": round(duration, 2), "turns": len({u.turn for u in units})}
    if duration <= 0 or not units:
        return {**m, "talk_ratio_agent": 0.0, "talk_ratio_customer": 0.0, "silence_ratio": 1.0 if
                duration > 0 else 0.0, "longest_silence": round(duration, 2), "overtalk_count": 0}
    speech = _union([(u.start, u.end) for u in units])
    for role in ("agent", "customer"):
        spans = _union([(u.start, u.end) for u in units if u.role == role])
        m[f"talk_ratio_{role}"] = round(_length(spans) / duration, 3)
    m["silence_ratio"] = round(max(0.0, 1.0 - _length(speech) / duration), 3)
    edges = [0.0] + [x for span in speech for x in span] + [duration]
    gaps = [edges[k + 1] - edges[k] for k in range(0, len(edges), 2)]
    m["longest_silence"] = round(max(gaps), 2)
    m["overtalk_count"] = sum(1 for u in units if u.overlap > 0)
    m["interruptions_by_agent"] = sum(1 for u in units if u.overlap > 0 and u.role == "agent"
                                      and u.over_role == "customer")
    agent = [u for u in units if u.role == "agent"]
    agent_time = sum(u.end - u.start for u in agent)
    m["agent_speech_rate_wpm"] = round(60.0 * sum(u.n_words for u in agent) / agent_time, 1) \
        if agent_time > 0 else None
    lat = _latencies(ctx)
    m["agent_response_latency_mean"] = round(float(np.mean(lat)), 2) if lat else None
    m["agent_response_latency_p90"] = round(float(np.percentile(lat, 90)), 2) if lat else None
    return m


def _latencies(ctx: CallContext) -> list[float]:
    """Seconds from the end of a customer unit to the start of the agent's reply (0 if overlapping)."""
    out = []
    units = ctx.units
    for k in range(1, len(units)):
        prev, cur = units[k - 1], units[k]
        if prev.role == "customer" and cur.role == "agent":
            out.append(max(0.0, cur.start - prev.end))
    return out
