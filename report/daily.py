"""The daily QA report: one self-contained HTML file (tables + matplotlib plots as inline PNG).

What a hotline QA lead reads each morning (see shared/DOMAIN.md): volume and audio hours,
handle time, how customers felt and how often it escalated, what they called about, which
script rules were broken and by whom, and repeat callers — the first-contact-resolution proxy
operators track against "FCR >= 90 %, repeat complaints <= 5 %".

`build_report(store, day)` computes the numbers (a dataclass, testable on its own);
`render_html(report)` draws them. Nothing in the HTML points outside the file.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from hotline.document import CallDocument

# Tunables of the report (documented in docs/README_qa.md).
REPEAT_WINDOW_DAYS = 7          # a call is a repeat when the same caller called in the last 7 days
FCR_TARGET = 0.90               # operators' first-contact-resolution target (DOMAIN.md)
REPEAT_TARGET = 0.05            # operators' repeat-complaint ceiling (DOMAIN.md)
TOP_INTENTS = 10
ESCALATION_INTENT = "service.complaint_escalation"
SEVERITY = {"positive": 0, "neutral": 1, "negative": 2, "angry": 3}
EMOTION_COLORS = {"positive": "#2e9d5b", "neutral": "#9aa5b1", "negative": "#e0a030",
                  "angry": "#d64545", "unknown": "#cccccc"}


@dataclass
class AgentRow:
    agent_id: str
    calls: int = 0
    handle_s: float = 0.0
    violations: int = 0
    calls_with_violations: int = 0
    angry_customers: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def mean_handle_s(self) -> float:
        return self.handle_s / self.calls if self.calls else 0.0


@dataclass
class RepeatCaller:
    caller: str            # display form (redacted number or a short hash), never the raw number
    calls_today: int
    prior_calls: int       # calls in the REPEAT_WINDOW_DAYS before the day
    last_prior_date: str | None
    intents: list[str]


@dataclass
class DailyReport:
    date: str
    calls: int = 0
    audio_hours: float = 0.0
    handle_mean_s: float = 0.0
    handle_p50_s: float = 0.0
    handle_p90_s: float = 0.0
    durations: list[float] = field(default_factory=list)
    languages: dict[str, int] = field(default_factory=dict)
    emotion_mix: dict[str, int] = field(default_factory=dict)
    emotion_escalations: int = 0      # the customer turned angry (senior agent advised)
    emotion_worsened: int = 0         # the customer's emotion got worse during the call
    escalation_requests: int = 0      # calls with the complaint-escalation intent
    intents: list[tuple[str, int]] = field(default_factory=list)
    violations_by_rule: dict[str, int] = field(default_factory=dict)
    violations_total: int = 0
    calls_with_violations: int = 0
    agents: list[AgentRow] = field(default_factory=list)
    callers_known: int = 0            # distinct callers today with a caller id
    calls_with_caller: int = 0
    repeat_calls: int = 0             # today's calls from a caller seen in the window (or earlier today)
    repeat_callers: int = 0           # distinct callers today with at least one repeat call
    repeat_list: list[RepeatCaller] = field(default_factory=list)
    trend: list[tuple[str, int]] = field(default_factory=list)  # calls per day, window + today

    @property
    def repeat_rate(self) -> float | None:
        """Share of today's identified calls that repeat an earlier contact."""
        return self.repeat_calls / self.calls_with_caller if self.calls_with_caller else None

    @property
    def fcr_proxy(self) -> float | None:
        """First-contact resolution proxy: 1 - repeat rate."""
        rate = self.repeat_rate
        return None if rate is None else 1.0 - rate


# --- numbers -------------------------------------------------------------------------------
def default_day(today: dt.date | None = None) -> str:
    """Yesterday (local time): the last complete day."""
    return ((today or dt.date.today()) - dt.timedelta(days=1)).isoformat()


def build_report(store: Any, day: str) -> DailyReport:
    """Numbers for `day` from a `store.results.ResultsStore` (reads the window before it too)."""
    date = dt.date.fromisoformat(day)
    since = (date - dt.timedelta(days=REPEAT_WINDOW_DAYS)).isoformat()
    docs = list(store.iter_documents(since=since, until=day))
    return compute_report(docs, day)


def compute_report(docs: list[CallDocument], day: str) -> DailyReport:
    """The report for `day` from the documents of the day and the window before it."""
    start = (dt.date.fromisoformat(day) - dt.timedelta(days=REPEAT_WINDOW_DAYS)).isoformat()
    today = [d for d in docs if call_date(d) == day]
    history = [d for d in docs if start <= call_date(d) < day]
    rep = DailyReport(date=day, calls=len(today))
    _volume(rep, today)
    _emotions(rep, today)
    _intents(rep, today)
    _violations(rep, today)
    _repeats(rep, today, history)
    _trend(rep, docs, day)
    return rep


def call_date(doc: CallDocument) -> str:
    return str((doc.metadata or {}).get("date") or "")[:10]


def _volume(rep: DailyReport, docs: list[CallDocument]) -> None:
    rep.durations = sorted(float(d.duration or 0.0) for d in docs)
    rep.audio_hours = sum(rep.durations) / 3600.0
    if rep.durations:
        rep.handle_mean_s = sum(rep.durations) / len(rep.durations)
        rep.handle_p50_s = percentile(rep.durations, 50)
        rep.handle_p90_s = percentile(rep.durations, 90)
    rep.languages = dict(Counter(d.language or "unknown" for d in docs).most_common())


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def customer_emotion(doc: CallDocument) -> str:
    """The call's customer emotion: the analyzer's summary label, else the peak turn label."""
    summary = doc.emotion_summary or {}
    for key in ("customer_label", "customer", "customer_emotion"):
        value = summary.get(key)
        if isinstance(value, dict):
            value = value.get("label") or value.get("peak") or value.get("overall")
        if isinstance(value, str) and value in SEVERITY:
            return value
    labels = [t.emotion.label for t in doc.turns if t.role == "customer" and t.emotion]
    labels = [x for x in labels if x in SEVERITY]
    return max(labels, key=SEVERITY.__getitem__) if labels else "unknown"


def emotion_escalated(doc: CallDocument) -> bool:
    """The customer turned angry (the analyzer's `escalation`: move to a senior agent)."""
    summary = doc.emotion_summary or {}
    if "escalation" in summary:
        return bool(summary["escalation"])
    return any(t.role == "customer" and t.emotion and t.emotion.label == "angry"
               for t in doc.turns)


def emotion_worsened(doc: CallDocument) -> bool:
    """The customer's emotion got worse during the call (the analyzer's `trend`, else: a
    later customer turn negative or angry and worse than the first)."""
    summary = doc.emotion_summary or {}
    if summary.get("trend"):
        return summary["trend"] == "worsened"
    labels = [t.emotion.label for t in doc.turns
              if t.role == "customer" and t.emotion and t.emotion.label in SEVERITY]
    if len(labels) < 2:
        return False
    first = SEVERITY[labels[0]]
    return any(SEVERITY[x] > first and SEVERITY[x] >= SEVERITY["negative"] for x in labels[1:])


def _emotions(rep: DailyReport, docs: list[CallDocument]) -> None:
    mix = Counter(customer_emotion(d) for d in docs)
    order = ["positive", "neutral", "negative", "angry", "unknown"]
    rep.emotion_mix = {k: mix[k] for k in order if mix.get(k)}
    rep.emotion_escalations = sum(emotion_escalated(d) for d in docs)
    rep.emotion_worsened = sum(emotion_worsened(d) for d in docs)
    rep.escalation_requests = sum(ESCALATION_INTENT in (d.intents or []) for d in docs)


def _intents(rep: DailyReport, docs: list[CallDocument]) -> None:
    counts = Counter(i for d in docs for i in dict.fromkeys(d.intents or []))
    rep.intents = counts.most_common(TOP_INTENTS)


def _violations(rep: DailyReport, docs: list[CallDocument]) -> None:
    by_rule: Counter[str] = Counter()
    agents: dict[str, AgentRow] = {}
    for doc in docs:
        agent_id = str((doc.metadata or {}).get("agent_id") or "unknown")
        row = agents.setdefault(agent_id, AgentRow(agent_id))
        row.calls += 1
        row.handle_s += float(doc.duration or 0.0)
        row.angry_customers += customer_emotion(doc) == "angry"
        rules = [v.rule for v in doc.violations]
        by_rule.update(rules)
        row.violations += len(rules)
        row.calls_with_violations += bool(rules)
        for rule in rules:
            row.by_rule[rule] = row.by_rule.get(rule, 0) + 1
    rep.violations_by_rule = dict(by_rule.most_common())
    rep.violations_total = sum(by_rule.values())
    rep.calls_with_violations = sum(bool(d.violations) for d in docs)
    rep.agents = sorted(agents.values(), key=lambda a: (-a.violations, -a.calls, a.agent_id))


def caller_key(doc: CallDocument) -> str | None:
    """The salted caller hash; the raw caller number only when no hash was stored."""
    meta = doc.metadata or {}
    key = meta.get("caller_hash") or meta.get("caller_number")
    return str(key) if key else None


def _caller_display(doc: CallDocument, key: str) -> str:
    meta = doc.metadata or {}
    shown = meta.get("caller_display") or meta.get("caller_redacted")
    if shown:
        return str(shown)
    if meta.get("caller_hash"):         # the pipeline keeps a masked number next to the hash
        number = str(meta.get("caller_number") or "")
        return number if "*" in number else f"#{key[:8]}"
    return _mask(key)


def _mask(number: str) -> str:
    return number[:3] + "*" * max(len(number) - 7, 0) + number[-4:] if len(number) > 7 else "***"


def _repeats(rep: DailyReport, today: list[CallDocument], history: list[CallDocument]) -> None:
    prior: dict[str, list[str]] = defaultdict(list)
    for doc in history:
        key = caller_key(doc)
        if key:
            prior[key].append(call_date(doc))
    todays: dict[str, list[CallDocument]] = defaultdict(list)
    for doc in today:
        key = caller_key(doc)
        if key:
            todays[key].append(doc)
    rep.callers_known = len(todays)
    rep.calls_with_caller = sum(len(v) for v in todays.values())
    for key, calls in todays.items():
        before = prior.get(key, [])
        repeats = len(calls) if before else len(calls) - 1
        if repeats <= 0:
            continue
        rep.repeat_calls += repeats
        rep.repeat_callers += 1
        rep.repeat_list.append(RepeatCaller(
            caller=_caller_display(calls[0], key), calls_today=len(calls),
            prior_calls=len(before), last_prior_date=max(before) if before else None,
            intents=sorted({i for d in calls for i in d.intents or []})))
    rep.repeat_list.sort(key=lambda r: (-(r.calls_today + r.prior_calls), r.caller))


def _trend(rep: DailyReport, docs: list[CallDocument], day: str) -> None:
    date = dt.date.fromisoformat(day)
    counts = Counter(call_date(d) for d in docs)
    days = [(date - dt.timedelta(days=n)).isoformat() for n in range(REPEAT_WINDOW_DAYS, -1, -1)]
    rep.trend = [(d, counts.get(d, 0)) for d in days]


# --- plots ---------------------------------------------------------------------------------
def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _finish(fig: Any, ax: Any, title: str, integer_axis: str | None = None) -> str:
    """One look for every plot: small left-aligned title, small ticks, whole-number counts."""
    ax.set_title(title, fontsize=10, loc="left")
    ax.tick_params(labelsize=8)
    if integer_axis:
        getattr(ax, f"{integer_axis}axis").get_major_locator().set_params(integer=True)
    return _png(fig)


def _figure(width: float = 5.2, height: float = 2.8) -> tuple[Any, Any]:
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot(111)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _barh(items: list[tuple[str, int]], title: str, color: str = "#3b6ea8") -> str | None:
    if not items:
        return None
    fig, ax = _figure(5.2, 0.5 + 0.32 * len(items))
    labels = [k for k, _ in items][::-1]
    values = [v for _, v in items][::-1]
    ax.barh(labels, values, color=color)
    for y, v in enumerate(values):
        ax.text(v, y, f" {v}", va="center", fontsize=8)
    return _finish(fig, ax, title, integer_axis="x")


def plot_trend(rep: DailyReport) -> str | None:
    if not rep.trend:
        return None
    fig, ax = _figure()
    days = [d[5:] for d, _ in rep.trend]
    colors = ["#3b6ea8" if d != rep.date[5:] else "#d64545" for d in days]
    ax.bar(days, [n for _, n in rep.trend], color=colors)
    return _finish(fig, ax, f"Calls per day (last {REPEAT_WINDOW_DAYS} days + report day)",
                   integer_axis="y")


def plot_durations(rep: DailyReport) -> str | None:
    if not rep.durations:
        return None
    fig, ax = _figure()
    minutes = [d / 60.0 for d in rep.durations]
    ax.hist(minutes, bins=min(20, max(5, len(minutes) // 2)), color="#3b6ea8")
    for value, name, style in ((rep.handle_mean_s, "mean", "-"), (rep.handle_p90_s, "p90", "--")):
        ax.axvline(value / 60.0, color="#d64545", linestyle=style, linewidth=1)
        ax.text(value / 60.0, ax.get_ylim()[1] * 0.95, f" {name}", color="#d64545", fontsize=8)
    ax.set_xlabel("handle time (minutes)", fontsize=8)
    return _finish(fig, ax, "Handle time distribution", integer_axis="y")


def plot_emotions(rep: DailyReport) -> str | None:
    if not rep.emotion_mix:
        return None
    fig, ax = _figure(5.2, 1.5)
    left = 0
    total = sum(rep.emotion_mix.values())
    for label, n in rep.emotion_mix.items():
        ax.barh([0], [n], left=left, color=EMOTION_COLORS.get(label, "#888"), label=label)
        if n / total > 0.06:
            ax.text(left + n / 2, 0, f"{label}\n{n}", ha="center", va="center", fontsize=8)
        left += n
    ax.set_yticks([])
    ax.set_xlim(0, total)
    return _finish(fig, ax, "Customer emotion per call")


def plot_agents(rep: DailyReport) -> str | None:
    agents = [a for a in rep.agents if a.violations][:15]
    if not agents:
        return None
    rules = sorted({r for a in agents for r in a.by_rule})
    fig, ax = _figure(5.2, 0.7 + 0.35 * len(agents))
    names = [a.agent_id for a in agents][::-1]
    left = [0] * len(names)
    cmap = _rule_colors(rules)
    for rule in rules:
        values = [a.by_rule.get(rule, 0) for a in agents][::-1]
        ax.barh(names, values, left=left, color=cmap[rule], label=rule)
        left = [x + v for x, v in zip(left, values, strict=True)]
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    return _finish(fig, ax, "Violations by agent and rule", integer_axis="x")


def _rule_colors(rules: list[str]) -> dict[str, str]:
    palette = ["#d64545", "#e0a030", "#3b6ea8", "#2e9d5b", "#8e5ac8", "#4fb3bf", "#a0522d",
               "#777777"]
    return {r: palette[i % len(palette)] for i, r in enumerate(rules)}


# --- HTML ----------------------------------------------------------------------------------
def render_html(rep: DailyReport) -> str:
    """The report as one HTML string: inline CSS, inline PNG plots, no external references."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["pct"] = lambda x: "–" if x is None else f"{100 * x:.1f} %"
    env.filters["mmss"] = lambda s: f"{int(s) // 60}:{int(round(s)) % 60:02d}"
    plots = {
        "trend": plot_trend(rep), "durations": plot_durations(rep),
        "emotions": plot_emotions(rep),
        "intents": _barh(rep.intents, "Top intents / issues"),
        "rules": _barh(list(rep.violations_by_rule.items()), "Violations by rule", "#d64545"),
        "agents": plot_agents(rep),
    }
    return env.from_string(_TEMPLATE).render(
        r=rep, plots=plots, fcr_target=FCR_TARGET, repeat_target=REPEAT_TARGET,
        window=REPEAT_WINDOW_DAYS, generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))


def write_report(store: Any, day: str, out: str) -> DailyReport:
    """Build the report for `day` and write it to `out`; returns the numbers."""
    rep = build_report(store, day)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(render_html(rep))
    return rep


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Hotline QA daily report {{ r.date }}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC",sans-serif;
 margin:0;background:#f4f6f9;color:#1d2733}
header{background:#1f3b5c;color:#fff;padding:16px 28px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;opacity:.8}
main{padding:20px 28px;max-width:1180px}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:18px}
.kpi{background:#fff;border-radius:8px;padding:10px 16px;min-width:130px;
 box-shadow:0 1px 2px rgba(0,0,0,.08)}
.kpi b{display:block;font-size:22px} .kpi span{font-size:12px;color:#5b6776}
.kpi.bad b{color:#c0392b} .kpi.good b{color:#1e8449}
section{background:#fff;border-radius:8px;padding:14px 18px;margin-bottom:16px;
 box-shadow:0 1px 2px rgba(0,0,0,.08)}
section h2{font-size:16px;margin:0 0 10px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{padding:4px 10px;border-bottom:1px solid #e3e7ed;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%}
.muted{color:#5b6776;font-size:12px}
</style></head><body>
<header><h1>Hotline QA daily report — {{ r.date }}</h1>
<p>{{ r.calls }} calls · generated {{ generated }}</p></header>
<main>
{% if not r.calls %}<section id="no-calls"><h2>No calls stored for {{ r.date }}</h2>
<p class="muted">Check that the batch ran for this day (<code>hotline status</code>).</p></section>{% endif %}
<div class="kpis">
 <div class="kpi" id="kpi-calls"><b>{{ r.calls }}</b><span>calls</span></div>
 <div class="kpi" id="kpi-hours"><b>{{ "%.2f"|format(r.audio_hours) }}</b><span>audio hours</span></div>
 <div class="kpi"><b>{{ r.handle_mean_s|mmss }}</b><span>mean handle time</span></div>
 <div class="kpi"><b>{{ r.handle_p90_s|mmss }}</b><span>p90 handle time</span></div>
 <div class="kpi {{ 'bad' if r.fcr_proxy is not none and r.fcr_proxy < fcr_target else 'good' }}"
  id="kpi-fcr"><b>{{ r.fcr_proxy|pct }}</b><span>FCR proxy (target ≥ {{ fcr_target|pct }})</span></div>
 <div class="kpi {{ 'bad' if r.repeat_rate is not none and r.repeat_rate > repeat_target else 'good' }}"
  id="kpi-repeat"><b>{{ r.repeat_callers }}</b><span>repeat callers ({{ r.repeat_rate|pct }} of calls)</span></div>
 <div class="kpi" id="kpi-violations"><b>{{ r.violations_total }}</b><span>violations in {{ r.calls_with_violations }} calls</span></div>
 <div class="kpi"><b>{{ r.emotion_mix.get('angry', 0) }}</b><span>angry customers</span></div>
</div>

<section><h2>Volume and handle time</h2><div class="grid">
<div>{% if plots.trend %}<img alt="calls per day" src="{{ plots.trend }}">{% endif %}
<table id="t-volume"><tr><th>metric</th><th class="n">value</th></tr>
<tr><td>calls</td><td class="n">{{ r.calls }}</td></tr>
<tr><td>audio hours</td><td class="n">{{ "%.2f"|format(r.audio_hours) }}</td></tr>
<tr><td>handle time mean (s)</td><td class="n">{{ "%.1f"|format(r.handle_mean_s) }}</td></tr>
<tr><td>handle time p50 (s)</td><td class="n">{{ "%.1f"|format(r.handle_p50_s) }}</td></tr>
<tr><td>handle time p90 (s)</td><td class="n">{{ "%.1f"|format(r.handle_p90_s) }}</td></tr>
{% for lang, n in r.languages.items() %}<tr><td>language {{ lang }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table></div>
<div>{% if plots.durations %}<img alt="handle time" src="{{ plots.durations }}">{% endif %}
<table id="t-trend"><tr><th>day</th><th class="n">calls</th></tr>
{% for d, n in r.trend %}<tr><td>{{ d }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table></div></div></section>

<section><h2>Customer emotion and escalations</h2><div class="grid">
<div>{% if plots.emotions %}<img alt="emotion mix" src="{{ plots.emotions }}">{% endif %}</div>
<div><table id="t-emotion"><tr><th>customer emotion</th><th class="n">calls</th><th class="n">share</th></tr>
{% for label, n in r.emotion_mix.items() %}<tr><td>{{ label }}</td><td class="n">{{ n }}</td>
<td class="n">{{ (n / r.calls)|pct }}</td></tr>{% endfor %}
<tr><td>customer turned angry (escalation: senior agent advised)</td><td class="n" id="v-emotion-escalations">{{ r.emotion_escalations }}</td><td class="n">{{ (r.emotion_escalations / r.calls)|pct if r.calls else "–" }}</td></tr>
<tr><td>customer emotion worsened during the call</td><td class="n" id="v-emotion-worsened">{{ r.emotion_worsened }}</td><td></td></tr>
<tr><td>escalation requested ({{ "service.complaint_escalation" }})</td><td class="n" id="v-escalation-requests">{{ r.escalation_requests }}</td><td></td></tr>
</table></div></div></section>

<section><h2>Top intents / issues</h2><div class="grid">
<div>{% if plots.intents %}<img alt="top intents" src="{{ plots.intents }}">{% else %}<p class="muted">No intents recorded.</p>{% endif %}</div>
<div><table id="t-intents"><tr><th>intent</th><th class="n">calls</th></tr>
{% for intent, n in r.intents %}<tr><td>{{ intent }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table></div></div></section>

<section><h2>Script compliance</h2><div class="grid">
<div>{% if plots.rules %}<img alt="violations by rule" src="{{ plots.rules }}">{% else %}<p class="muted">No violations.</p>{% endif %}
<table id="t-rules"><tr><th>rule</th><th class="n">violations</th></tr>
{% for rule, n in r.violations_by_rule.items() %}<tr data-rule="{{ rule }}"><td>{{ rule }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table></div>
<div>{% if plots.agents %}<img alt="violations by agent" src="{{ plots.agents }}">{% endif %}
<table id="t-agents"><tr><th>agent</th><th class="n">calls</th><th class="n">mean handle (s)</th>
<th class="n">violations</th><th class="n">calls with violations</th><th class="n">angry customers</th></tr>
{% for a in r.agents %}<tr data-agent="{{ a.agent_id }}"><td>{{ a.agent_id }}</td><td class="n">{{ a.calls }}</td>
<td class="n">{{ "%.0f"|format(a.mean_handle_s) }}</td><td class="n">{{ a.violations }}</td>
<td class="n">{{ a.calls_with_violations }}</td><td class="n">{{ a.angry_customers }}</td></tr>{% endfor %}
</table></div></div></section>

<section><h2>Repeat callers (first-contact-resolution proxy)</h2>
<p class="muted">A call is a repeat when the same caller (salted caller hash) called in the
{{ window }} days before, or earlier the same day. FCR proxy = 1 − repeat calls / calls with a
known caller. Targets: FCR ≥ {{ fcr_target|pct }}, repeat ≤ {{ repeat_target|pct }}.</p>
<table id="t-repeat-summary"><tr><th>metric</th><th class="n">value</th></tr>
<tr><td>callers identified</td><td class="n">{{ r.callers_known }}</td></tr>
<tr><td>calls with a known caller</td><td class="n">{{ r.calls_with_caller }}</td></tr>
<tr><td>repeat callers</td><td class="n" id="v-repeat-callers">{{ r.repeat_callers }}</td></tr>
<tr><td>repeat calls</td><td class="n" id="v-repeat-calls">{{ r.repeat_calls }}</td></tr>
<tr><td>repeat rate</td><td class="n">{{ r.repeat_rate|pct }}</td></tr>
<tr><td>FCR proxy</td><td class="n" id="v-fcr">{{ r.fcr_proxy|pct }}</td></tr>
</table>
{% if r.repeat_list %}<table id="t-repeats"><tr><th>caller</th><th class="n">calls today</th>
<th class="n">calls in prior {{ window }} days</th><th>last prior call</th><th>intents</th></tr>
{% for c in r.repeat_list %}<tr><td>{{ c.caller }}</td><td class="n">{{ c.calls_today }}</td>
<td class="n">{{ c.prior_calls }}</td><td>{{ c.last_prior_date or "same day" }}</td>
<td>{{ c.intents|join(", ") }}</td></tr>{% endfor %}</table>{% endif %}
</section>
</main></body></html>
"""
