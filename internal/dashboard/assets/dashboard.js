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
  for (const type of ["release.created", "dyno.state", "formation.changed"]) {
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
