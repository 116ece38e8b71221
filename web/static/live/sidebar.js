// Agent sidebar: listens on /ws/call/{id} and renders turns, suggestion cards, emotion,
// reminders and escalation alerts.
// - Alerts stay pinned at the top with their call time and an Acknowledge button; an
//   angry-customer alert is cleared when the customer calms down.
// - The strongest suggestion stays the current card; a weaker one arriving soon after does not
//   replace it. Earlier cards are kept under "Earlier suggestions"; any card can be pinned.
// - Live network facts whose ETA has passed, or that were not updated for a while, are flagged.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const CALM_METER = 0.3;          // the meter below this, with a calm label, clears the alert
  const STALE_FACT_MIN = 30;       // facts not updated for this many minutes are flagged
  const KEEP_TURNS = 2;            // a stronger card is kept this many customer turns
  const MAX_RECENT = 6;
  let ws = null;
  const turnTimes = {};            // turn index -> call time (s)
  let customerTurns = 0;
  let current = null;              // {s, turn, at, el}
  const pinned = new Map();        // intent -> card element
  const alerts = {};               // reason -> element

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function clock(t) {
    if (t === undefined || t === null || Number.isNaN(+t)) return "";
    const s = Math.max(0, Math.floor(+t));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }
  function wall(d) { return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }); }
  function ago(ms) {
    const min = Math.round(ms / 60000);
    if (Math.abs(min) < 1) return "just now";
    const span = Math.abs(min) < 90 ? `${Math.abs(min)} min` : `${Math.round(Math.abs(min) / 60)} h`;
    return min > 0 ? `${span} ago` : `in ${span}`;
  }
  function when(turn) {
    return turnTimes[turn] !== undefined ? clock(turnTimes[turn]) : wall(new Date());
  }

  // --- live facts -------------------------------------------------------------------------
  function factLine(x, now) {
    const line = el("div", "fact " + x.status);
    let text = `${x.site_id} (${x.kind}): ${x.status}${x.detail ? " — " + x.detail : ""}`;
    const eta = x.eta ? new Date(x.eta) : null;
    if (eta && !Number.isNaN(eta.getTime())) text += ` · back ${wall(eta)} (${ago(now - eta)})`;
    else if (x.eta) text += ` · ETA ${x.eta}`;
    const updated = x.updated_at ? new Date(x.updated_at) : null;
    if (updated && !Number.isNaN(updated.getTime())) text += ` · updated ${ago(now - updated)}`;
    line.textContent = text;
    const flags = [];
    if (eta && eta < now && x.status !== "ok") flags.push("ETA passed — check before quoting it");
    if (updated && now - updated > STALE_FACT_MIN * 60000) flags.push("may be out of date");
    if (flags.length) {
      line.classList.add("stale");
      line.dataset.stale = "yes";
      flags.forEach((f) => line.append(" ", el("span", "flag", f)));
    }
    return line;
  }

  // --- suggestion cards -------------------------------------------------------------------
  function card(s, turn) {
    const c = el("div", "card suggestion-card");
    c.dataset.intent = s.intent;
    const head = el("div", "head");
    head.appendChild(el("span", "title", s.title));
    head.appendChild(el("span", "time", when(turn)));
    head.appendChild(el("span", "score", s.score.toFixed(2)));
    const pin = el("button", "pin", "Pin");
    pin.type = "button";
    pin.addEventListener("click", (e) => { e.stopPropagation(); togglePin(s, turn, c); });
    head.appendChild(pin);
    c.appendChild(head);
    const body = el("div", "body");
    body.appendChild(el("p", "answer", s.answer));
    if (s.facts && s.facts.length) {
      const f = el("div", "facts");
      f.appendChild(el("div", "", "Live status" + (s.area ? " · " + s.area : "")));
      const now = new Date();
      s.facts.forEach((x) => f.appendChild(factLine(x, now)));
      body.appendChild(f);
    }
    if (s.steps && s.steps.length) {
      const ol = el("ol", "steps");
      s.steps.forEach((t) => ol.appendChild(el("li", "", t)));
      body.appendChild(ol);
    }
    (s.scripts || []).forEach((x) => body.appendChild(el("p", "script", "“" + x.text + "”")));
    (s.policies || []).forEach((x) => body.appendChild(el("p", "policy", x.title + ": " + x.text)));
    c.appendChild(body);
    return c;
  }

  function togglePin(s, turn, c) {
    if (pinned.has(s.intent)) {
      pinned.get(s.intent).remove();
      pinned.delete(s.intent);
    } else {
      const copy = card(s, turn);
      copy.classList.add("pinned");
      pinned.set(s.intent, copy);
      $("pinned-cards").prepend(copy);
    }
    document.querySelectorAll(`.suggestion-card[data-intent="${CSS.escape(s.intent)}"] button.pin`)
      .forEach((b) => { b.textContent = pinned.has(s.intent) ? "Unpin" : "Pin"; });
    sync();
  }

  function toRecent(entry) {
    if (!entry) return;
    const box = $("recent");
    box.querySelectorAll(`.card[data-intent="${CSS.escape(entry.s.intent)}"]`).forEach((x) => x.remove());
    const c = card(entry.s, entry.turn);
    c.classList.add("recent");
    c.querySelector(".head").addEventListener("click", () => c.classList.toggle("open"));
    box.prepend(c);
    while (box.children.length > MAX_RECENT) box.lastChild.remove();
  }

  function sync() {
    $("pinned-cards-box").hidden = pinned.size === 0;
    $("recent-box").hidden = $("recent").children.length === 0;
  }

  function suggest(ev) {
    const top = ev.suggestions[0];
    if (!top) return;
    const fresh = { s: top, turn: ev.turn, at: customerTurns };
    if (current && current.s.intent === top.intent) {
      current = fresh;                                   // same topic: refresh the card
    } else if (current && top.score < current.s.score && customerTurns - current.at < KEEP_TURNS) {
      toRecent(fresh);                                   // weaker and soon after: keep current
      sync();
      return;
    } else {
      toRecent(current);
      current = fresh;
    }
    const box = $("suggestions");
    box.textContent = "";
    box.appendChild(card(top, ev.turn));
    ev.suggestions.slice(1).forEach((s) => toRecent({ s, turn: ev.turn }));
    sync();
  }

  // --- alerts -----------------------------------------------------------------------------
  function alert(ev) {
    const old = alerts[ev.reason];
    if (old) old.remove();
    const a = el("div", "alert");
    a.dataset.reason = ev.reason;
    const head = el("div", "head");
    head.appendChild(el("span", "time", when(ev.turn) + " · " + wall(new Date())));
    head.appendChild(el("strong", "", "Escalation: " + ev.reason.replace(/_/g, " ")));
    const ack = el("button", "ack", "Acknowledge");
    ack.type = "button";
    ack.addEventListener("click", () => { a.classList.add("acknowledged"); a.dataset.ack = wall(new Date()); });
    head.appendChild(ack);
    a.appendChild(head);
    const body = el("div", "body");
    if (ev.script) body.appendChild(el("p", "script", ev.script));
    body.appendChild(el("p", "", [ev.path, ev.policy].filter(Boolean).join(" · ")));
    a.appendChild(body);
    alerts[ev.reason] = a;
    $("alerts").prepend(a);
  }

  function emotion(ev) {
    $("meter-bar").style.width = Math.round(100 * Math.min(1, ev.meter)) + "%";
    $("emotion-label").textContent = `${ev.label} (${ev.score.toFixed(2)}) · ${when(ev.turn)}`;
    const calm = ev.meter < CALM_METER && (ev.label === "neutral" || ev.label === "positive");
    const a = alerts.angry_customer;
    if (calm && a) {
      a.remove();
      delete alerts.angry_customer;
      $("reminders").prepend(el("li", "cleared", `${when(ev.turn)} customer calmed down — angry-customer alert cleared`));
    }
  }

  // A channel the ASR model cannot transcribe: said once, and its earlier text marked unreliable.
  function notice(ev) {
    const li = el("li", "notice", `${ev.role}: ${ev.message}`);
    li.dataset.code = ev.code;
    $("reminders").prepend(li);
    document.querySelectorAll(`#transcript li.${CSS.escape(ev.role)}:not(.unheard)`)
      .forEach((x) => x.classList.add("unreliable"));
  }

  function turn(ev) {
    $("partial").textContent = "";
    turnTimes[ev.turn] = ev.start;
    if (ev.role === "customer") customerTurns += 1;
    const li = el("li", ev.role);
    li.appendChild(el("span", "time", clock(ev.start)));
    li.appendChild(el("span", "who", ev.role));
    const unheard = (ev.flags || []).includes("language_unsupported");
    if (unheard) li.classList.add("unheard");
    li.appendChild(el("span", "text", unheard ? "(not transcribed: language not supported by the ASR model)" : ev.text));
    $("transcript").appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  function handle(ev) {
    switch (ev.type) {
      case "ready": $("status").textContent = "connected · " + ev.call_id; break;
      case "partial": $("partial").textContent = ev.role + ": " + ev.text + " …"; break;
      case "turn": turn(ev); break;
      case "suggestion": suggest(ev); break;
      case "emotion": emotion(ev); break;
      case "reminder":
      case "violation":
        $("reminders").prepend(el("li", ev.type, `${when(ev.turn)} ${ev.message || ev.rule}`));
        break;
      case "alert": alert(ev); break;
      case "notice": notice(ev); break;
      case "end": $("status").textContent = "call ended · " + ev.call_id; break;
      case "error": $("status").textContent = "error: " + ev.message; break;
    }
  }
  window.hotlineHandle = handle;

  function join(callId) {
    if (ws) ws.close();
    const proto = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${proto}://${location.host}/ws/call/${encodeURIComponent(callId)}`);
    ws.onmessage = (m) => handle(JSON.parse(m.data));
    ws.onclose = () => { $("status").textContent += " · closed"; };
    window.hotlineSocket = ws;
  }

  $("join").addEventListener("submit", (e) => { e.preventDefault(); join($("call").value.trim()); });
  const q = new URLSearchParams(location.search).get("call");
  if (q) { $("call").value = q; join(q); }
})();
