// QA review card on the call page: status, scorecard, comments — stored via
// /api/calls/{id}/review (cookie auth), every change audited server-side.
(function () {
  "use strict";
  const box = document.getElementById("review");
  if (!box) return;
  const callId = JSON.parse(document.getElementById("call-data").textContent).call_id;
  const url = `/api/calls/${encodeURIComponent(callId)}/review`;
  const status = document.getElementById("review-status");
  const selects = Array.from(box.querySelectorAll("select.sc"));
  const list = document.getElementById("comments");
  const meta = document.getElementById("review-meta");
  const fmt = window.hotlineFmt || (t => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, "0")}`);

  function local(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }
  function render(r) {
    status.value = r.status;
    for (const s of selects) {
      const v = r.scorecard[s.dataset.item];
      s.value = v === true ? "pass" : v === false ? "fail" : "";
    }
    document.getElementById("review-score").textContent =
      r.score === null ? "" : `${Math.round(100 * r.score)} %`;
    meta.textContent = r.updated_at ? `${r.status.replace("_", " ")} · ${r.reviewer} · ${local(r.updated_at)}` : "not reviewed yet";
    list.textContent = "";
    for (const c of r.comments) {
      const li = document.createElement("li");
      const head = document.createElement("div"); head.className = "muted";
      head.textContent = `${c.author} (${c.role}) · ${local(c.at)}`;
      if (c.at_s !== null && c.at_s !== undefined) {
        const a = document.createElement("a"); a.className = "t"; a.href = `?t=${c.at_s}`; a.dataset.t = c.at_s;
        a.textContent = fmt(c.at_s); head.append(" · at ", a);
      }
      const body = document.createElement("div"); body.textContent = c.text;
      li.append(head, body); list.appendChild(li);
    }
  }
  function send(change) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(change) })
      .then(r => r.ok ? r.json() : r.json().then(b => Promise.reject(b.detail || r.status)))
      .then(render)
      .catch(err => { meta.textContent = `not saved: ${err}`; });
  }
  status.addEventListener("change", () => send({ status: status.value }));
  for (const s of selects) {
    s.addEventListener("change", () => send({ scorecard: { [s.dataset.item]: s.value === "" ? null : s.value === "pass" } }));
  }
  document.getElementById("comment-form").addEventListener("submit", e => {
    e.preventDefault();
    const text = document.getElementById("comment-text");
    if (!text.value.trim()) return;
    const change = { comment: text.value };
    const player = document.getElementById("player");
    if (document.getElementById("comment-at").checked && player) change.at_s = Math.round(player.currentTime * 10) / 10;
    send(change).then(() => { text.value = ""; });
  });
  fetch(url, { credentials: "same-origin" }).then(r => r.ok ? r.json() : Promise.reject(r.status))
    .then(render).catch(() => { meta.textContent = "review unavailable"; });
})();
