"""The daily report as one self-contained HTML file: tables, inline PNG plots with labelled
axes, every number a link to the list of its calls (each opening the QA call page), and the
per-call CSV embedded as a download. Reads only the `DailyReport` (same numbers as --json)."""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from hotline import defaults
from hotline.report.daily import DailyReport, percentile, to_csv

TEMPLATE = Path(__file__).with_name("daily.html")
EMOTION_COLORS = {"positive": "#2e9d5b", "neutral": "#9aa5b1", "negative": "#e0a030",
                  "angry": "#d64545", "unknown": "#cccccc"}
KPI_LABELS = {
    "calls": "calls", "answered_within_15s": "answered within 15 s",
    "mean_answer_s": "mean answer time", "first_contact_resolution": "first-contact resolution",
    "repeat_complaint_rate": "repeat complaints", "mean_handle_s": "mean handle time",
    "violations_per_100_calls": "violations per 100 calls",
}


def mmss(seconds: float | None) -> str:
    """The one unit for durations on the page: m:ss (h:mm:ss past an hour)."""
    if seconds is None:
        return "no data"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def pct(value: float | None) -> str:
    return "no data" if value is None else f"{100 * value:.1f} %"


class Links:
    """Registers the calls behind each number; the page lists each set once at the bottom."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self.sets: dict[str, tuple[str, list[str]]] = {}

    def __call__(self, text: Any, key: str, ids: list[str], label: str = "") -> Markup:
        if not ids:
            return Markup(escape(str(text)))
        unique = list(dict.fromkeys(ids))
        same = next((k for k, (_, known) in self.sets.items() if known == unique), None)
        key = same or key                      # one list per set of calls
        self.sets.setdefault(key, (label or key, unique))
        return Markup(f'<a class="drill" href="#calls-{escape(key)}">{escape(str(text))}</a>')

    def call_url(self, call_id: str) -> str:
        return f"{self.base}/qa/calls/{call_id}"

    def search_url(self, **filters: str) -> str:
        """The QA search listing the calls of these filters (e.g. one day, one language)."""
        return f"{self.base}/qa?{urlencode(filters)}"


@dataclass
class SlaRow:
    """One line of the SLA table, already formatted, with the calls behind its numbers."""

    key: str
    label: str
    value: str
    value_ids: list[str]
    counted: int
    counted_ids: list[str]
    target: str
    previous: str
    change: str


def sla_rows(rep: DailyReport) -> list[SlaRow]:
    """The headline KPIs with their target, the previous days' mean and the change."""
    shares = {"answered_within_15s": rep.answered, "first_contact_resolution": rep.fcr,
              "repeat_complaint_rate": rep.repeat_complaints}
    with_violations = list(dict.fromkeys(i for ids in rep.violations.values() for i in ids))
    answered = list(rep.answer_time.values)
    ids = {"calls": (rep.call_ids, rep.call_ids), "mean_answer_s": (answered, answered),
           "mean_handle_s": (rep.call_ids, rep.call_ids),
           "violations_per_100_calls": (with_violations, rep.call_ids),
           **{k: (s.yes, s.yes + s.no) for k, s in shares.items()}}
    targets = {k: f"{'≤' if s.lower_is_better else '≥'} {pct(s.target)}" for k, s in shares.items()}
    targets.update(mean_answer_s=f"≤ {mmss(defaults.ANSWER_WITHIN_S)}",
                   violations_per_100_calls=f"≤ {defaults.VIOLATIONS_PER_100_TARGET:g}")
    out = []
    for key, t in rep.trend().items():
        kind = "time" if key in ("mean_answer_s", "mean_handle_s") else (
            "rate" if key in shares else "number")
        out.append(SlaRow(key, KPI_LABELS[key] + (" (m:ss)" if kind == "time" else ""),
                          _fmt(t["value"], kind), ids[key][0], len(ids[key][1]), ids[key][1],
                          targets.get(key, "–"), _fmt(t["previous_mean"], kind),
                          _delta(t["delta"], kind)))
    return out


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "no data"
    return mmss(value) if kind == "time" else pct(value) if kind == "rate" else f"{value:g}"


def _delta(value: float | None, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "time":
        return ("+" if value >= 0 else "−") + mmss(abs(value))
    return f"{100 * value:+.1f} pts" if kind == "rate" else f"{value:+.1f}"


def render_html(rep: DailyReport, intent_names: dict[str, str] | None = None,
                base_url: str = defaults.REPORT_BASE_URL) -> str:
    """The report as one HTML string: inline CSS and PNG plots, links only to the QA pages."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters.update(pct=pct, mmss=mmss)
    links = Links(base_url)
    names = intent_names or {}
    csv_data = base64.b64encode(to_csv(rep).encode("utf-8")).decode("ascii")
    handle = list(rep.durations.values())
    return env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        r=rep, link=links, names=names, plots=_plots(rep, names), sla=sla_rows(rep),
        d=defaults, csv_data=csv_data,
        p50=percentile(handle, 50) if handle else None,
        p90=percentile(handle, 90) if handle else None,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))


def _plots(rep: DailyReport, names: dict[str, str]) -> dict[str, str | None]:
    return {
        "hours": plot_hours(rep), "trend": plot_trend(rep), "durations": plot_durations(rep),
        "emotions": plot_emotions(rep),
        "intents": _barh([(names.get(i, i), len(ids)) for i, ids in rep.intents],
                         "Top intents", "calls"),
        "rules": _barh([(r, len(ids)) for r, ids in rep.violations.items()],
                       "Violations by rule", "violations", "#d64545"),
        "agents": plot_agents(rep),
    }


# --- plots ---------------------------------------------------------------------------------
def _figure(width: float = 5.2, height: float = 2.8) -> tuple[Any, Any]:
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot(111)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _finish(fig: Any, ax: Any, title: str, xlabel: str, ylabel: str,
            integer_axis: str | None = None) -> str:
    """One look for every plot: title, both axes labelled with their unit, whole counts."""
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=8)
    if integer_axis:
        getattr(ax, f"{integer_axis}axis").get_major_locator().set_params(integer=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _barh(items: list[tuple[str, int]], title: str, xlabel: str,
          color: str = "#3b6ea8") -> str | None:
    if not items:
        return None
    fig, ax = _figure(5.2, 0.8 + 0.32 * len(items))
    labels, values = [k for k, _ in items][::-1], [v for _, v in items][::-1]
    ax.barh(labels, values, color=color)
    for y, v in enumerate(values):
        ax.text(v, y, f" {v}", va="center", fontsize=8)
    return _finish(fig, ax, title, xlabel, "", integer_axis="x")


def plot_hours(rep: DailyReport) -> str | None:
    if rep.per_hour is None:
        return None
    fig, ax = _figure()
    ax.bar(list(rep.per_hour), [len(ids) for ids in rep.per_hour.values()], color="#3b6ea8")
    ax.set_xticks(range(0, 24, 2))
    return _finish(fig, ax, "Calls per hour", "hour of day (call start)", "calls",
                   integer_axis="y")


def plot_trend(rep: DailyReport) -> str | None:
    days = [*rep.previous, rep.numbers()]
    fig, ax = _figure()
    ax.bar([d.date[5:] for d in days], [d.calls for d in days],
           color=["#3b6ea8"] * (len(days) - 1) + ["#d64545"])
    return _finish(fig, ax, f"Calls per day (previous {len(days) - 1} days and the report day)",
                   "day (MM-DD)", "calls", integer_axis="y")


def plot_durations(rep: DailyReport) -> str | None:
    if not rep.durations:
        return None
    from matplotlib.ticker import FuncFormatter

    fig, ax = _figure()
    values = list(rep.durations.values())
    ax.hist(values, bins=min(20, max(5, len(values) // 2)), color="#3b6ea8")
    for value, name, style in ((rep.mean_handle_s, "mean", "-"),
                               (percentile(values, 90), "p90", "--")):
        ax.axvline(value, color="#d64545", linestyle=style, linewidth=1)
        ax.text(value, ax.get_ylim()[1] * 0.95, f" {name}", color="#d64545", fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: mmss(x)))
    return _finish(fig, ax, "Handle time", "handle time (m:ss)", "calls", integer_axis="y")


def plot_emotions(rep: DailyReport) -> str | None:
    if not rep.emotions:
        return None
    fig, ax = _figure(5.2, 1.6)
    left, total = 0, rep.calls
    for label, ids in rep.emotions.items():
        n = len(ids)
        ax.barh([0], [n], left=left, color=EMOTION_COLORS.get(label, "#888"), label=label)
        if n / total > 0.06:
            ax.text(left + n / 2, 0, f"{label}\n{n}", ha="center", va="center", fontsize=8)
        left += n
    ax.set_yticks([])
    ax.set_xlim(0, total)
    return _finish(fig, ax, "Customer emotion per call", "calls", "", integer_axis="x")


def plot_agents(rep: DailyReport) -> str | None:
    agents = rep.agents[:15]
    if not agents:
        return None
    fig, ax = _figure(5.2, 0.9 + 0.32 * len(agents))
    names = [a.agent_id for a in agents][::-1]
    values = [a.violations_per_100_calls for a in agents][::-1]
    colors = ["#d64545" if v > defaults.VIOLATIONS_PER_100_TARGET else "#3b6ea8" for v in values]
    ax.barh(names, values, color=colors)
    ax.axvline(defaults.VIOLATIONS_PER_100_TARGET, color="#333", linestyle="--", linewidth=1)
    ax.text(defaults.VIOLATIONS_PER_100_TARGET, len(names) - 0.4, " target", fontsize=8)
    return _finish(fig, ax, "Script violations per agent", "violations per 100 calls", "agent")


def write_report(rep: DailyReport, out: str, intent_names: dict[str, str] | None = None,
                 base_url: str = defaults.REPORT_BASE_URL) -> None:
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(render_html(rep, intent_names, base_url))
