// Agent sidebar: listens on /ws/call/{id} and renders turns, suggestion cards, emotion, reminders.
(function () {
  const $ = (id) => document.getElementById(id);
  let ws = null;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function card(s) {
    const c = el("div", "card suggestion-card");
    c.dataset.intent = s.intent;
    c.appendChild(el("span", "score", s.score.toFixed(2)));
    c.appendChild(el("div", "title", s.title));
    c.appendChild(el("div", "intent", s.intent));
    c.appendChild(el("p", "answer", s.answer));
    if (s.facts && s.facts.length) {
      const f = el("div", "facts");
      f.appendChild(el("div", "", "Live status" + (s.area ? " · " + s.area : "")));
      s.facts.forEach((x) => {
        f.appendChild(el("div", "fact " + x.status,
          `${x.site_id} (${x.kind}): ${x.status}${x.detail ? " — " + x.detail : ""}${x.eta ? " · ETA " + x.eta : ""}`));
      });
      c.appendChild(f);
    }
    if (s.steps && s.steps.length) {
      const ol = el("ol", "steps");
      s.steps.forEach((t) => ol.appendChild(el("li", "", t)));
      c.appendChild(ol);
    }
    (s.scripts || []).forEach((x) => c.appendChild(el("p", "script", "“" + x.text + "”")));
    (s.policies || []).forEach((x) => c.appendChild(el("p", "policy", x.title + ": " + x.text)));
    return c;
  }

  function handle(ev) {
    switch (ev.type) {
      case "ready": $("status").textContent = "connected · " + ev.call_id; break;
      case "partial": $("partial").textContent = ev.role + ": " + ev.text + " …"; break;
      case "turn": {
        $("partial").textContent = "";
        const li = el("li", ev.role);
        li.appendChild(el("span", "who", ev.role));
        li.appendChild(el("span", "text", ev.text));
        $("transcript").appendChild(li);
        li.scrollIntoView({ block: "end" });
        break;
      }
      case "suggestion": {
        const box = $("suggestions");
        box.innerHTML = "";
        ev.suggestions.forEach((s) => box.appendChild(card(s)));
        break;
      }
      case "emotion":
        $("meter-bar").style.width = Math.round(100 * Math.min(1, ev.meter)) + "%";
        $("emotion-label").textContent = ev.label + " (" + ev.score.toFixed(2) + ")";
        break;
      case "reminder":
      case "violation":
        $("reminders").appendChild(el("li", ev.type, (ev.message || ev.rule) + (ev.evidence ? " — " + ev.evidence : "")));
        break;
      case "alert": {
        const a = el("div", "alert");
        a.appendChild(el("strong", "", "Escalation: " + ev.reason.replace("_", " ")));
        a.appendChild(el("p", "script", ev.script));
        a.appendChild(el("p", "", ev.path + " · " + ev.policy));
        $("alerts").prepend(a);
        break;
      }
      case "end": $("status").textContent = "call ended · " + ev.call_id; break;
      case "error": $("status").textContent = "error: " + ev.message; break;
    }
  }

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
