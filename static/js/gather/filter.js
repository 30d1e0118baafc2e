/* The gathering view's filters: words (in the idea, its merged ideas, its tables and role
 * tags) and one table. Cards that do not match are hidden, wherever they are (un-themed or
 * in a theme); the count says how many are shown. Drops and the keyboard pick-up skip
 * hidden cards, and a drop's place still counts them, as the server does.
 */

import { api } from "./api.js";

const { t, roleLabel } = window.Cafe;

const root = document.getElementById("gather");
const input = document.getElementById("filter-text");
const table = document.getElementById("filter-table");
const clear = document.getElementById("filter-clear");
const count = document.getElementById("filter-count");
let tablesSig = "";

const fold = (text) => text.normalize("NFC").toLocaleLowerCase();

function haystack(item) {
  return fold(
    [item.text, ...item.sources.map((s) => s.text), ...item.tables, ...item.roles.map(roleLabel)].join("\n")
  );
}

function matches(item, words, tableId) {
  if (tableId !== null && !item.sources.some((source) => source.table === tableId)) return false;
  if (!words.length) return true;
  const text = haystack(item);
  return words.every((word) => text.includes(word));
}

function apply() {
  const words = fold(input.value).split(/\s+/).filter(Boolean);
  const tableId = table.value ? parseInt(table.value, 10) : null;
  const active = words.length > 0 || tableId !== null;
  let shown = 0;
  let total = 0;
  for (const card of api.cards().values()) {
    if (!card.item) continue;
    const show = !active || matches(card.item, words, tableId);
    card.root.hidden = !show;
    total += 1;
    if (show) shown += 1;
  }
  root.classList.toggle("filtering", active);
  clear.hidden = !active;
  count.textContent = active ? t("g_shown_count", { shown, total }) : "";
}

/** The table list follows the event's tables (names as the balance lists them). */
function renderTables(gathering) {
  const tables = gathering.balance.tables;
  const sig = JSON.stringify(tables.map((row) => [row.id, row.name]));
  if (sig === tablesSig) return;
  tablesSig = sig;
  const chosen = table.value;
  const all = table.options[0];
  table.replaceChildren(all, ...tables.map((row) => new Option(row.name, String(row.id))));
  table.value = tables.some((row) => String(row.id) === chosen) ? chosen : "";
}

api.rendered.push((gathering) => {
  renderTables(gathering);
  apply();
});
input.addEventListener("input", apply);
table.addEventListener("change", apply);
clear.addEventListener("click", () => {
  input.value = "";
  table.value = "";
  apply();
  input.focus();
});
// Escape in the filter clears it (as the search field's own ✕ does).
input.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && input.value) {
    e.preventDefault();
    input.value = "";
    apply();
  }
});
if (api.gathering()) {
  renderTables(api.gathering());
  apply();
}
