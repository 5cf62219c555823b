// mh3net status page: renders the handlers' snapshot, streamed by
// /api/events. Every value from the server (player names above all) goes
// into the DOM as text (textContent), never as markup.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  let last = null;
  let receivedAt = 0; // local time the last snapshot arrived

  // el makes an element with text content and optional class.
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function row(cells, cls) {
    const tr = document.createElement("tr");
    if (cls) tr.className = cls;
    for (const c of cells) {
      if (c instanceof Node) {
        const td = document.createElement("td");
        td.appendChild(c);
        tr.appendChild(td);
      } else if (c && typeof c === "object") {
        tr.appendChild(el("td", c.text, c.cls));
      } else {
        tr.appendChild(el("td", c));
      }
    }
    return tr;
  }

  function fill(tableId, rows, emptyText, cols) {
    const body = $(tableId).tBodies[0];
    const frag = document.createDocumentFragment();
    for (const r of rows) frag.appendChild(r);
    if (rows.length === 0) {
      const tr = document.createElement("tr");
      const td = el("td", emptyText, "empty");
      td.colSpan = cols;
      tr.appendChild(td);
      frag.appendChild(tr);
    }
    body.replaceChildren(frag);
  }

  const num = (n) => ({ text: (n || 0).toLocaleString("en"), cls: "n" });

  function ago(t, now) {
    if (!t) return "";
    const s = Math.max(0, (now - Date.parse(t)) / 1000);
    if (s < 90) return Math.round(s) + " s ago";
    if (s < 5400) return Math.round(s / 60) + " min ago";
    if (s < 172800) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " d ago";
  }

  function tags(members, leader) {
    const span = document.createElement("span");
    for (const m of members || []) {
      let label = m.name || m.capcom_id;
      if (m.capcom_id === leader) label += " ★";
      if (m.standby) label += " ✓";
      const t = el("span", label, "tag");
      t.title = m.capcom_id;
      span.appendChild(t);
    }
    return span;
  }

  const serverTypes = { 1: "open", 2: "rookie", 3: "expert", 4: "recruiting" };

  function render(st) {
    last = st;
    // The snapshot's clock, moved on by the time since it arrived: ages
    // stay right while nothing changes (no new snapshot is sent then).
    const now = Date.parse(st.time) + (Date.now() - receivedAt);
    $("n-online").textContent = st.online.toLocaleString("en");
    $("n-world").textContent = st.in_world.toLocaleString("en");
    $("n-cities").textContent = st.cities_total.toLocaleString("en");
    $("n-departed").textContent = st.departed.toLocaleString("en");
    $("n-edges").textContent = st.edges.length;
    $("n-handlers").textContent = st.handlers.length;
    $("n-lag").textContent = st.log.lag.toLocaleString("en");
    $("updated").textContent = "snapshot " + new Date(st.time).toLocaleTimeString();

    fill("servers", st.servers.map((s) => {
      const gates = document.createElement("span");
      for (const g of s.gates) {
        const t = el("span", g.name + ": " + g.population + (g.cities ? " (" + g.cities + " cities)" : ""), "tag");
        gates.appendChild(t);
      }
      return row([num(s.index), s.name + (s.external ? " (external: " + s.external + ")" : ""),
        serverTypes[s.type] || s.type, num(s.population), num(s.online), num(s.capacity), gates]);
    }), "no servers", 7);

    $("cities-note").textContent = st.cities.length < st.cities_total
      ? "(the " + st.cities.length + " fullest of " + st.cities_total + ")" : "";
    fill("cities", st.cities.map((c) => {
      const circles = document.createElement("span");
      for (const ci of c.circles || []) {
        const names = (ci.members || []).map((m) => m.name || m.capcom_id).join(", ");
        const t = el("span", "#" + ci.index + " quest " + ci.quest_id + (ci.departed ? " departed" : "") +
          " [" + ci.members.length + "/" + ci.capacity + "] " + names, "tag" + (ci.departed ? " departed" : ""));
        circles.appendChild(t);
      }
      const tr = row([c.place, { text: c.population + "/" + c.capacity, cls: "n" }, tags(c.members, c.leader), circles]);
      tr.dataset.place = c.place;
      return tr;
    }), "no city in use", 4);

    renderHunters();

    fill("edges", st.edges.map((e) => {
      const addrs = Object.keys(e.addrs || {}).sort().map((k) => k + " " + e.addrs[k].host + ":" + e.addrs[k].port).join(", ");
      const regs = (e.servers || []).map((s) => s.index + " " + s.name).join(", ");
      return row([{ text: e.edge, cls: "mono" }, e.version || "", num(e.conns), addrs, ago(e.started, now), ago(e.since, now), regs]);
    }), "no edge holds a lease", 7);

    fill("handlers", st.handlers.map((h) => {
      const eps = h.endpoints.filter((e) => e.requests > 0).sort((a, b) => b.requests - a.requests)
        .map((e) => e.name + " " + e.requests.toLocaleString("en") + " · " + e.avg_ms.toFixed(2)).join(", ");
      return row([{ text: h.id + (h.self ? " (answered)" : ""), cls: "mono" }, h.version, ago(h.started, now), num(h.requests), num(h.errors), eps]);
    }), "no handler process answered", 6);

    $("log").textContent = "position " + st.log.position.toLocaleString("en") + " · world view applied " +
      st.log.applied.toLocaleString("en") + " · lag " + st.log.lag.toLocaleString("en") +
      (st.log.error ? " · error: " + st.log.error : "");

    fill("errors", st.errors.map((e) => row([new Date(e.time).toLocaleTimeString(), e.level, { text: e.process, cls: "mono" },
      e.msg + (e.attrs ? " — " + e.attrs : "")], e.level === "ERROR" ? "error" : "warn")), "none", 4);
  }

  function renderHunters() {
    if (!last) return;
    const st = last;
    const q = $("filter").value.trim().toLowerCase();
    const hs = q ? st.hunters.filter((h) => (h.name + " " + h.capcom_id + " " + h.place).toLowerCase().includes(q)) : st.hunters;
    $("hunters-note").textContent = st.hunters_cut ? "(the first " + st.hunters.length + " of " + st.online + ")" : "";
    fill("hunters", hs.map((h) => {
      const tr = row([h.name, { text: h.capcom_id, cls: "mono" }, h.place || (h.transit ? "changing server" : "not in the world"),
        { text: h.edge || "", cls: "mono" }]);
      tr.dataset.capcom = h.capcom_id;
      tr.dataset.place = h.place || "";
      return tr;
    }), q ? "no match" : "nobody online", 4);
  }

  function state(text, cls) {
    const b = $("conn");
    b.textContent = text;
    b.className = "badge " + cls;
  }

  function connect() {
    const es = new EventSource("api/events");
    es.addEventListener("open", () => state("live", "ok"));
    es.addEventListener("status", (ev) => {
      state("live", "ok");
      try {
        const st = JSON.parse(ev.data);
        receivedAt = Date.now();
        render(st);
      } catch (e) { state("bad snapshot", "bad"); }
    });
    es.addEventListener("unavailable", (ev) => {
      let msg = "handlers unavailable";
      try { msg = JSON.parse(ev.data); } catch (e) { /* keep */ }
      state(msg, "bad");
    });
    es.addEventListener("error", () => {
      state("disconnected, retrying…", "bad");
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    });
  }

  $("filter").addEventListener("input", renderHunters);
  setInterval(() => { if (last) render(last); }, 5000);
  connect();
})();
