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
