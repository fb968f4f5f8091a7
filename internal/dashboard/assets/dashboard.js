// Bera dashboard: small progressive enhancements. Every page works without this file.
"use strict";

// Filter the apps list as one types, without a round trip (the form still works without JS).
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-filter]")) {
    const table = document.querySelector(input.dataset.filter);
    if (!table) continue;
    input.addEventListener("input", () => {
      const q = input.value.trim().toLowerCase();
      for (const row of table.tBodies[0].rows) {
        row.hidden = q !== "" && !row.dataset.name.toLowerCase().includes(q);
      }
    });
  }
});

// Live updates: on an app's pages, follow the app's events and re-render the sections marked
// data-live from a fresh copy of the page, except one the user is typing in.
document.addEventListener("DOMContentLoaded", () => {
  const head = document.querySelector("[data-live-app]");
  if (!head || !window.EventSource || !document.querySelector("[data-live]")) return;
  const source = new EventSource("/dashboard/apps/" + encodeURIComponent(head.dataset.liveApp) + "/live");
  let timer = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(reloadSections, 250);
  };
  for (const type of ["release.created", "dyno.state", "formation.changed", "addon.changed"]) {
    source.addEventListener(type, refresh);
  }
  // After a reconnect (a dropped connection), catch up on what happened meanwhile.
  let opened = false;
  source.addEventListener("open", () => {
    if (opened) refresh();
    opened = true;
    document.documentElement.dataset.live = "open";
  });
  source.addEventListener("error", () => {
    document.documentElement.dataset.live = "reconnecting";
  });
});

async function reloadSections() {
  let resp;
  try {
    resp = await fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
  } catch {
    return;
  }
  if (!resp.ok || resp.redirected) return;
  const fresh = new DOMParser().parseFromString(await resp.text(), "text/html");
  for (const section of document.querySelectorAll("[data-live][id]")) {
    if (section.contains(document.activeElement)) continue;
    const next = fresh.getElementById(section.id);
    if (next) section.replaceWith(document.importNode(next, true));
  }
  document.dispatchEvent(new CustomEvent("bera:updated"));
}

// View logs: stream the app's log from a log session (SSE), keep the last maxKept lines,
// show at most maxShown of those that match the filters, and add new ones in one batch per
// animation frame, so thousands of lines do not slow the page. Pause/follow is remembered.
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.querySelector("[data-log-session]");
  if (panel) new LogView(panel);
});

const maxKept = 10000, maxShown = 2000;
const lineRE = /^(\S+) ([^\[\s]+)\[([^\]]*)\]: ?(.*)$/s;

class LogView {
  constructor(panel) {
    this.panel = panel;
    this.box = panel.querySelector("#log-lines");
    this.status = panel.querySelector("#log-status");
    this.search = panel.querySelector("#log-search");
    this.source = panel.querySelector("#log-source");
    this.dyno = panel.querySelector("#log-dyno");
    this.followBtn = panel.querySelector("#log-follow");
    this.kept = [];      // parsed lines, oldest first
    this.pending = [];   // lines received but not yet shown
    this.dynos = new Set();
    this.lastSeq = -1;
    this.frame = 0;
    this.paused = localStorage.getItem("bera.logs.paused") === "1";
    this.showFollow();
    const refilter = () => this.render();
    this.search.addEventListener("input", refilter);
    this.source.addEventListener("change", refilter);
    this.dyno.addEventListener("change", refilter);
    this.followBtn.addEventListener("click", () => {
      this.paused = !this.paused;
      localStorage.setItem("bera.logs.paused", this.paused ? "1" : "0");
      this.showFollow();
      if (!this.paused) this.schedule();
    });
    panel.querySelector("#log-clear").addEventListener("click", () => {
      this.kept = [];
      this.pending = [];
      this.box.replaceChildren();
      this.say();
    });
    this.connect();
  }

  // connect opens a new log session; a closed one (expired, server restarted) is replaced.
  async connect() {
    let url;
    try {
      const resp = await fetch(this.panel.dataset.logSession, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!resp.ok) throw new Error(resp.status === 404 ? "This app's logs cannot be found." : "Logs are unavailable (" + resp.status + ").");
      url = (await resp.json()).url;
    } catch (err) {
      this.status.textContent = (err.message || "Logs are unavailable.") + " Retrying…";
      setTimeout(() => this.connect(), 3000);
      return;
    }
    const es = new EventSource(url);
    es.onopen = () => { document.documentElement.dataset.logs = "open"; this.say(); };
    es.onmessage = (ev) => this.add(ev);
    es.onerror = () => {
      document.documentElement.dataset.logs = "reconnecting";
      this.status.textContent = "Reconnecting…";
      if (es.readyState === EventSource.CLOSED) setTimeout(() => this.connect(), 2000);
    };
  }

  add(ev) {
    const seq = ev.lastEventId === "" ? NaN : Number(ev.lastEventId);
    if (!Number.isNaN(seq)) {
      if (seq <= this.lastSeq) return; // a new session repeats the backlog
      this.lastSeq = seq;
    }
    const m = lineRE.exec(ev.data);
    const line = m ? { time: m[1], source: m[2], dyno: m[3], msg: m[4] } : { time: "", source: "", dyno: "", msg: ev.data };
    line.text = ev.data.toLowerCase();
    this.kept.push(line);
    if (this.kept.length > maxKept) this.kept.splice(0, this.kept.length - maxKept);
    if (line.dyno && !this.dynos.has(line.dyno)) {
      this.dynos.add(line.dyno);
      this.dyno.add(new Option(line.dyno, line.dyno));
    }
    this.pending.push(line);
    this.schedule();
  }

  schedule() {
    if (!this.paused && !this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  matches(line) {
    const q = this.search.value.trim().toLowerCase();
    return (!this.source.value || line.source === this.source.value) &&
      (!this.dyno.value || line.dyno === this.dyno.value) && (!q || line.text.includes(q));
  }

  element(line) {
    const row = document.createElement("div");
    row.className = "logline";
    row.dataset.source = line.source;
    row.dataset.dyno = line.dyno;
    if (line.time) {
      const t = document.createElement("time");
      t.textContent = line.time;
      const who = document.createElement("span");
      who.className = "who src-" + line.source;
      who.textContent = line.source + "[" + line.dyno + "]:";
      row.append(t, " ", who, " ");
    }
    row.append(line.msg);
    return row;
  }

  // flush shows the pending lines that match, drops the oldest shown ones over maxShown and
  // keeps the view at the bottom.
  flush() {
    this.frame = 0;
    const frag = document.createDocumentFragment();
    for (const line of this.pending.slice(-maxShown)) if (this.matches(line)) frag.append(this.element(line));
    this.pending = [];
    this.box.append(frag);
    while (this.box.childElementCount > maxShown) this.box.firstElementChild.remove();
    this.box.scrollTop = this.box.scrollHeight;
    this.say();
  }

  // render shows the kept lines again under the current filters.
  render() {
    this.pending = [];
    const shown = [];
    for (let i = this.kept.length - 1; i >= 0 && shown.length < maxShown; i--) {
      if (this.matches(this.kept[i])) shown.push(this.kept[i]);
    }
    this.box.replaceChildren(...shown.reverse().map((l) => this.element(l)));
    this.box.scrollTop = this.box.scrollHeight;
    this.say();
  }

  showFollow() {
    this.followBtn.textContent = this.paused ? "Follow" : "Pause";
    this.followBtn.setAttribute("aria-pressed", String(!this.paused));
    this.say();
  }

  say() {
    if (this.paused) {
      this.status.textContent = "Paused" + (this.pending.length ? ": " + this.pending.length + " new lines waiting." : ".");
    } else if (document.documentElement.dataset.logs === "open") {
      this.status.textContent = "Following: " + this.box.childElementCount + " lines shown.";
    }
  }
}

// Deploy: stream a build's output into the page as it is written.
document.addEventListener("DOMContentLoaded", async () => {
  const panel = document.querySelector("[data-build-output]");
  if (!panel || !window.ReadableStream) return;
  const log = panel.querySelector("#build-log");
  const status = panel.querySelector("#build-status");
  const decoder = new TextDecoder();
  let pending = "", frame = 0;
  const flush = () => {
    frame = 0;
    log.append(pending);
    pending = "";
    log.scrollTop = log.scrollHeight;
  };
  try {
    const resp = await fetch(panel.dataset.buildOutput, { credentials: "same-origin" });
    if (!resp.ok) throw new Error("The build output is unavailable (" + resp.status + ").");
    status.textContent = "Building…";
    const reader = resp.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      if (!frame) frame = requestAnimationFrame(flush);
    }
    pending += decoder.decode();
    flush();
    status.textContent = "Build finished. The new release is on the Activity tab.";
    panel.dataset.done = "true";
  } catch (err) {
    status.textContent = err.message || "The build output ended.";
  }
});

// Run console: a terminal (xterm.js) attached to the one-off dyno over the dashboard's
// WebSocket; binary messages are input and output, text messages JSON controls.
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.querySelector("[data-console]");
  if (!panel || !window.Terminal || !window.WebSocket) return;
  const status = panel.querySelector("#console-status");
  const term = new Terminal({ rows: 24, cols: 80, cursorBlink: true, fontSize: 13, scrollback: 5000 });
  term.open(panel.querySelector("#terminal"));
  term.focus();
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + panel.dataset.console);
  ws.binaryType = "arraybuffer";
  const encoder = new TextEncoder();
  ws.onopen = () => {
    status.textContent = "Connected. Type into the terminal; the dyno ends when the command exits.";
    ws.send(JSON.stringify({ type: "resize", rows: term.rows, cols: term.cols }));
  };
  ws.onmessage = (ev) => {
    if (typeof ev.data !== "string") {
      term.write(new Uint8Array(ev.data));
      return;
    }
    const m = JSON.parse(ev.data);
    if (m.type === "exit") {
      status.textContent = "Process exited with status " + m.status + ".";
      panel.dataset.exited = String(m.status);
    } else if (m.type === "error") {
      status.textContent = m.message;
      panel.dataset.exited = "error";
    }
  };
  ws.onclose = () => {
    if (!panel.dataset.exited) status.textContent = "The connection to the console ended.";
  };
  term.onData((data) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(data));
  });
});
