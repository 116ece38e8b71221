"""Live-assist measurements for /metrics, observed where the engine emits a suggestion.

Each engine owns its histograms, registered nowhere (no global registry, nothing at import):
the web app's collector (`hotline.web.ops`) reads them at scrape time, so several apps or
engines in one process (tests, benchmarks) never collide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Histogram
from prometheus_client.metrics_core import Metric

# seconds: retrieval takes milliseconds, end-of-utterance to suggestion includes ASR
SUGGESTION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _histogram(name: str, doc: str) -> Histogram:
    return Histogram(name, doc, buckets=SUGGESTION_BUCKETS, registry=None)


@dataclass
class LiveMetrics:
    """Suggestion latency: the assistant's own time, and end of utterance -> suggestion sent
    (audio streams only: text turns have no utterance end)."""

    suggest: Histogram = field(default_factory=lambda: _histogram(
        "hotline_suggestion_latency_seconds", "time to compute one suggestion card set"))
    eou: Histogram = field(default_factory=lambda: _histogram(
        "hotline_suggestion_eou_seconds", "end of the customer's utterance to the suggestion"))

    def observe(self, event: dict[str, Any]) -> None:
        """Record one emitted suggestion event (its latency_ms / eou_to_suggestion_ms)."""
        if event.get("latency_ms") is not None:
            self.suggest.observe(float(event["latency_ms"]) / 1000)
        if event.get("eou_to_suggestion_ms") is not None:
            self.eou.observe(float(event["eou_to_suggestion_ms"]) / 1000)

    def collect(self) -> list[Metric]:
        return [*self.suggest.collect(), *self.eou.collect()]
