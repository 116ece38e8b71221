// Call view: click a turn (or the timeline, or a violation) to seek the recording there;
// draws the emotion timeline as inline SVG from the call's JSON; loads similar calls.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("call-data").textContent);
  const audio = document.getElementById("player");
  const turns = Array.from(document.querySelectorAll(".turn[data-start]"));
  const SVGNS = "http://www.w3.org/2000/svg";
  const COLORS = { angry: "#d64545", negative: "#e0a030", neutral: "#9aa5b1", positive: "#2e9d5b" };
  const ROLE = { agent: "#2f6db5", customer: "#b5652f", unknown: "#777" };
  const LABEL_VALENCE = { positive: 0.6, neutral: 0, negative: -0.5, angry: -0.9 };
  const duration = Math.max(data.duration || 0, ...data.turns.map(t => t.end), 1);

  // --- seeking ------------------------------------------------------------------------
  function seek(t, play) {
    if (!audio) return;
    const go = () => {
      audio.currentTime = t;
      if (play) audio.play().catch(() => {});
    };
    if (audio.readyState >= 1) go();
    else { audio.addEventListener("loadedmetadata", go, { once: true }); audio.load(); }
    markActive(t);
  }
  window.hotlineSeek = seek;

  turns.forEach(el => {
    const start = parseFloat(el.dataset.start);
    el.addEventListener("click", () => seek(start, true));
    el.addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); seek(start, true); } });
  });
  document.querySelectorAll(".hold[data-start]").forEach(el => {
    el.addEventListener("click", () => seek(parseFloat(el.dataset.start), true));
  });
  // clickable times in the violation sentences and comments: seek, do not navigate
  document.addEventListener("click", e => {
    const a = e.target.closest && e.target.closest("a.t[data-t]");
    if (!a) return;
    e.preventDefault(); e.stopPropagation();
    seek(parseFloat(a.dataset.t), true);
  }, true);
  // a violation badge on a turn jumps to its sentence, without seeking
  document.querySelectorAll("a.vbadge").forEach(a => a.addEventListener("click", e => {
    e.stopPropagation();
    const li = document.querySelector(a.getAttribute("href"));
    if (li) { li.classList.add("flash"); setTimeout(() => li.classList.remove("flash"), 1200); }
  }));
  document.querySelectorAll("#violations li[data-start]").forEach(li => {
    li.addEventListener("click", () => {
      const idx = li.dataset.turn;
      const el = idx !== undefined ? document.getElementById("turn-" + idx) : null;
      if (el) el.scrollIntoView({ block: "center", behavior: "smooth" });
      seek(parseFloat(li.dataset.start), true);
    });
  });

  // --- the word being played ------------------------------------------------------------
  const words = Array.from(document.querySelectorAll(".turn .w[data-s]"))
    .map(w => ({ el: w, s: parseFloat(w.dataset.s), e: parseFloat(w.dataset.e) }))
    .sort((a, b) => a.s - b.s);
  let playingWord = null;
  function markWord(t) {
    let lo = 0, hi = words.length - 1, found = null;
    while (lo <= hi) {                       // last word starting at or before t
      const mid = (lo + hi) >> 1;
      if (words[mid].s <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    const w = found !== null && t < words[found].e + 0.15 ? words[found] : null;
    if (w !== playingWord) {
      if (playingWord) playingWord.el.classList.remove("playing");
      if (w) w.el.classList.add("playing");
      playingWord = w;
    }
  }
  window.hotlineMarkWord = markWord;

  let activeEl = null;
  function markActive(t) {
    let current = null;
    for (const el of turns) {
      if (parseFloat(el.dataset.start) <= t + 0.05 && t < parseFloat(el.dataset.end)) { current = el; break; }
    }
    if (current !== activeEl) {
      if (activeEl) activeEl.classList.remove("active");
      if (current) current.classList.add("active");
      activeEl = current;
    }
  }

  // --- emotion timeline (inline SVG) ---------------------------------------------------
  const W = 1000, H = 170, L = 70, R = 10, TOP = 14, PLOT_H = 96, STRIP = 12;
  const x = t => L + (W - L - R) * (t / duration);
  const useValence = data.turns.some(t => t.emotion && (t.emotion.valence || t.emotion.arousal));
  const yOf = e => {
    const v = useValence ? e.valence : (LABEL_VALENCE[e.label] ?? 0);
    return TOP + PLOT_H / 2 - (PLOT_H / 2 - 6) * Math.max(-1, Math.min(1, v));
  };
  function fmt(t) {
    const s = Math.floor(t);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }
  window.hotlineFmt = fmt;
  function el(name, attrs, parent, text) {
    const node = document.createElementNS(SVGNS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function drawTimeline() {
    const box = document.getElementById("timeline");
    if (!box) return null;
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", role: "img" }, box);
    el("rect", { x: L, y: TOP, width: W - L - R, height: PLOT_H, fill: "#fafbfc", stroke: "#e3e7ed" }, svg);
    el("line", { x1: L, x2: W - R, y1: TOP + PLOT_H / 2, y2: TOP + PLOT_H / 2, stroke: "#d5dbe3", "stroke-dasharray": "4 4" }, svg);
    el("text", { x: L - 6, y: TOP + 10, "text-anchor": "end", "font-size": 11, fill: "#2e9d5b" }, svg, useValence ? "+ valence" : "positive");
    el("text", { x: L - 6, y: TOP + PLOT_H - 2, "text-anchor": "end", "font-size": 11, fill: "#d64545" }, svg, useValence ? "− valence" : "angry");
    const step = [10, 15, 30, 60, 120, 300, 600].find(s => duration / s <= 10) || 1200;
    for (let t = 0; t <= duration; t += step) {
      el("line", { x1: x(t), x2: x(t), y1: TOP + PLOT_H, y2: H - 2 * STRIP - 8, stroke: "#c8d0da" }, svg);
      el("text", { x: x(t), y: H - 1, "text-anchor": "middle", "font-size": 10, fill: "#5b6776" }, svg,
        fmt(t));
    }
    // holds: long silences shaded across the plot; red when a hold violation is about them
    for (const h of data.holds || []) {
      const r = el("rect", { x: x(h.start), y: TOP, width: Math.max(2, x(h.end) - x(h.start)), height: PLOT_H + 2 * STRIP + 8,
        fill: h.flagged ? "#f6c9c9" : "#e3e7ed", opacity: 0.8, class: "hold-shade" + (h.flagged ? " flagged" : "") }, svg);
      el("title", {}, r, `hold / silence ${fmt(h.start)}–${fmt(h.end)}${h.flagged ? " (no notice to the customer)" : ""}`);
      el("text", { x: (x(h.start) + x(h.end)) / 2, y: TOP + 12, "text-anchor": "middle", "font-size": 10, fill: h.flagged ? "#a12b2b" : "#5b6776" }, svg, "hold");
    }
    // speaker strips
    const stripY = { agent: TOP + PLOT_H + 6, customer: TOP + PLOT_H + 6 + STRIP + 2 };
    el("text", { x: L - 6, y: stripY.agent + 10, "text-anchor": "end", "font-size": 10, fill: ROLE.agent }, svg, "agent");
    el("text", { x: L - 6, y: stripY.customer + 10, "text-anchor": "end", "font-size": 10, fill: ROLE.customer }, svg, "customer");
    for (const t of data.turns) {
      const y = stripY[t.role] ?? stripY.customer;
      const r = el("rect", { x: x(t.start), y, width: Math.max(1, x(t.end) - x(t.start)), height: STRIP, rx: 2,
        fill: ROLE[t.role] || ROLE.unknown, opacity: 0.75, "data-turn": t.i }, svg);
      el("title", {}, r, `${t.role} ${fmt(t.start)}–${fmt(t.end)}`);
    }
    // emotion lines + dots per role
    for (const role of ["agent", "customer"]) {
      const pts = data.turns.filter(t => t.role === role && t.emotion);
      if (pts.length > 1) {
        el("polyline", { points: pts.map(t => `${x((t.start + t.end) / 2)},${yOf(t.emotion)}`).join(" "),
          fill: "none", stroke: ROLE[role], "stroke-width": 2, opacity: 0.8 }, svg);
      }
      for (const t of pts) {
        const c = el("circle", { cx: x((t.start + t.end) / 2), cy: yOf(t.emotion), r: 3.5 + 4 * Math.max(0, t.emotion.arousal || 0),
          fill: COLORS[t.emotion.label] || "#999", stroke: ROLE[role], "stroke-width": 1.5, class: "emo-dot", "data-turn": t.i }, svg);
        el("title", {}, c, `${role} · ${t.emotion.label} (valence ${(+t.emotion.valence).toFixed(2)}, arousal ${(+t.emotion.arousal).toFixed(2)})`);
      }
    }
    if (!data.turns.some(t => t.emotion)) {
      el("text", { x: (L + W) / 2, y: TOP + PLOT_H / 2 - 6, "text-anchor": "middle", "font-size": 12, fill: "#5b6776" }, svg, "no emotion scores for this call");
    }
    // violations
    for (const v of data.violations) {
      const vx = x(v.start);
      const tri = el("path", { d: `M${vx - 6},${TOP - 12} L${vx + 6},${TOP - 12} L${vx},${TOP - 1} Z`, fill: "#d64545", class: "viol-mark" }, svg);
      el("title", {}, tri, `${v.title || v.rule} at ${fmt(v.start)}`);
    }
    const head = el("line", { x1: L, x2: L, y1: TOP - 2, y2: H - 14, stroke: "#1f3b5c", "stroke-width": 2, id: "playhead" }, svg);
    svg.addEventListener("click", evt => {
      const rect = svg.getBoundingClientRect();
      const px = (evt.clientX - rect.left) * (W / rect.width);
      const turnIdx = evt.target.getAttribute && evt.target.getAttribute("data-turn");
      const turn = turnIdx !== null && turnIdx !== undefined ? data.turns[+turnIdx] : null;
      seek(turn ? turn.start : Math.max(0, Math.min(duration, (px - L) / (W - L - R) * duration)), true);
    });
    return head;
  }
  const playhead = drawTimeline();
  if (audio) {
    const tick = () => { markWord(audio.currentTime); if (!audio.paused) requestAnimationFrame(tick); };
    audio.addEventListener("play", () => requestAnimationFrame(tick));
    audio.addEventListener("seeked", () => markWord(audio.currentTime));
    audio.addEventListener("timeupdate", () => {
      markActive(audio.currentTime);
      markWord(audio.currentTime);
      if (playhead) { const px = x(Math.min(audio.currentTime, duration)); playhead.setAttribute("x1", px); playhead.setAttribute("x2", px); }
    });
  }

  // --- deep link ?t=12.3 (from a search hit) --------------------------------------------
  const t0 = parseFloat(new URLSearchParams(location.search).get("t"));
  if (!Number.isNaN(t0)) {
    seek(t0, false);
    const target = location.hash ? document.querySelector(location.hash) : null;
    if (target) target.scrollIntoView({ block: "center" });
  }

  // --- similar calls ------------------------------------------------------------------
  const sim = document.getElementById("similar");
  fetch(`/api/calls/${encodeURIComponent(data.call_id)}/similar?k=5`, { credentials: "same-origin" })
    .then(r => r.ok ? r.json() : Promise.reject(r.status))
    .then(body => {
      sim.textContent = "";
      if (!body.similar.length) { sim.textContent = "No similar calls."; return; }
      const ul = document.createElement("ul"); ul.className = "simlist";
      for (const s of body.similar) {
        const li = document.createElement("li");
        const a = document.createElement("a"); a.href = `/qa/calls/${encodeURIComponent(s.call_id)}`; a.textContent = s.call_id;
        li.appendChild(a);
        li.appendChild(document.createTextNode(` · ${s.date || ""} · ${s.agent_id || ""} · ${(s.intents || []).join(", ")}`));
        const sn = document.createElement("div"); sn.className = "snip"; sn.textContent = s.snippet || ""; li.appendChild(sn);
        ul.appendChild(li);
      }
      sim.appendChild(ul);
    })
    .catch(() => { sim.textContent = "Similar calls are unavailable."; });
})();
