/* The facilitator's gathering view: the tables' core ideas → themes → the shared summary.
 *
 * The server holds the truth and answers every change with a `gathering` broadcast; this
 * page re-renders from it. DOM nodes of themes and ideas are kept by id and updated in
 * place, so a broadcast never takes the focus or the half-typed text away from the person
 * at the keyboard. Texts are saved as revisions: each save names the revision it started
 * from, and a save on an old one is refused with the newer text ("modified meanwhile").
 *
 * This module talks to the server and renders; each other job is a module of its own in
 * static/js/gather/: the shared state (api), idea cards, theme cards, the revision editor,
 * suggestions, the voice balance, dragging, undo, the filter and the panels' layout.
 */

import { api, itemNodes, page, placeChildren, themeNodes, truncate } from "./gather/api.js";
import { renderBalance } from "./gather/balance.js";
import { Editor, editors } from "./gather/editor.js";
import { itemCard } from "./gather/item-card.js";
import { renderSuggestions } from "./gather/suggestions.js";
import { renderThemes, toggleHistory } from "./gather/theme-card.js";
// Each hooks into `api` when it is loaded.
import "./gather/drag.js";
import "./gather/undo.js";
import "./gather/filter.js";
import "./gather/panels.js";

const { t, el, connect, bindStatus, call, renderSummary, findingsNote, sectionLabel: phaseSectionLabel } =
  window.Cafe;
const $ = (id) => document.getElementById(id);
const root = $("gather");
const eventId = parseInt(root.dataset.event, 10);
const SYNC_DEBOUNCE_MS = 300;

const errorBox = $("gather-error");
const announcer = $("announce");
const looseList = $("loose");
let sourceIds = new Set(); // post ids shown as sources: their changes need a re-sync

// The browser tests read the page's state here (test_gathering_size.py).
window.CafeGather = api;

// --- talking to the server ---------------------------------------------------------------

function showError(message) {
  errorBox.textContent = message || "";
  errorBox.hidden = !message;
}

/** Emit with an ack; a refusal is shown in the alert area (except the cases a caller
 *  handles itself, listed in `quiet`). */
async function send(name, payload, quiet) {
  const ack = await call(socket, name, payload);
  if (ack.ok) showError("");
  else if (!(quiet || []).includes(ack.error)) showError(ack.message);
  return ack;
}

/** Send a change the person can undo; its answer's `undo` goes on the undo stack. */
async function change(name, payload, label) {
  const ack = await send(name, payload);
  if (ack.ok && ack.undo && api.record) api.record(label, ack.undo);
  return ack;
}

function announce(text) {
  announcer.textContent = text;
}

Object.assign(api, { send, change, showError, announce });

async function sync() {
  const ack = await send("gather_sync", {});
  if (ack.ok) render(ack.gathering);
}

// --- the intro and new themes ------------------------------------------------------------

const introEditor = Editor({
  fields: { body: $("intro") },
  state: $("intro-state"),
  conflict: $("intro-conflict"),
  saveButton: $("intro-save"),
  send: (values, base) => send("intro_save", { base, body: values.body }, ["summary_stale"]),
});
$("intro-history").addEventListener("click", () =>
  toggleHistory($("intro-history-list"), $("intro-history"), null)
);

$("new-theme").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = $("new-theme-title");
  const section = $("new-theme-section");
  const payload = { title: input.value };
  if (section && !section.hidden && section.value) payload.section = section.value;
  const ack = await change("theme_create", payload, t("g_did_create", { title: truncate(input.value, 40) }));
  if (ack.ok) input.value = "";
});

// --- rendering ---------------------------------------------------------------------------

/** The new-theme form offers a workshop's sections (the process section: a step). */
function renderSectionChoice(sections) {
  const select = $("new-theme-section");
  if (!select) return;
  const chosen = select.value;
  select.replaceChildren(
    ...sections.map((x) => el("option", { value: x.id, text: phaseSectionLabel(x.id) || x.label }))
  );
  if (chosen) select.value = chosen;
  select.hidden = sections.length === 0;
  $("new-theme-section-label").hidden = sections.length === 0;
}

function render(data) {
  page.gathering = data;
  renderSectionChoice(data.sections);
  // Moving a node (an idea into a theme) blurs what is focused inside it: put it back.
  const active = document.activeElement;

  page.itemsById = new Map();
  sourceIds = new Set();
  const allItems = [...data.loose, ...data.themes.flatMap((theme) => theme.items)];
  for (const item of allItems) {
    page.itemsById.set(item.id, item);
    for (const source of item.sources) sourceIds.add(source.id);
  }
  page.tableNames = new Map(data.balance.tables.map((row) => [row.id, row.name]));

  introEditor.receive({ body: data.intro.body, revision: data.intro.revision });
  $("intro-found").textContent = findingsNote(data.intro.body, data.intro.findings);
  $("intro-found").hidden = !$("intro-found").textContent;
  renderThemes(data.themes);
  placeChildren(looseList, data.loose.map(itemCard));
  $("loose-count").textContent = `(${data.loose.length})`;
  for (const theme of data.themes) {
    placeChildren(themeNodes.get(theme.id).list, theme.items.map(itemCard));
  }
  for (const id of [...itemNodes.keys()]) {
    if (!page.itemsById.has(id)) itemNodes.delete(id);
  }
  const choices = {
    themes: data.themes,
    themeSig: JSON.stringify(data.themes.map((theme) => [theme.id, theme.title])),
    items: allItems,
    itemSig: JSON.stringify(allItems.map((item) => [item.id, item.text, item.tables])),
  };
  for (const card of itemNodes.values()) card.refreshChoices(choices);

  renderSuggestions();
  renderBalance(data.balance);
  renderPreview(data.summary);
  for (const hook of api.rendered) hook(data);

  if (active && active !== document.body && active.isConnected && document.activeElement !== active) {
    active.focus({ preventScroll: true });
  }
  if (page.focusItemAfter !== null && itemNodes.has(page.focusItemAfter)) {
    itemNodes.get(page.focusItemAfter).root.focus();
    page.focusItemAfter = null;
  }
}

/** The summary as boards and phones show it. */
function renderPreview(summary) {
  // The boards' and phones' own renderer (common.js): the preview cannot drift from them.
  // Its HTML parts were rendered from Markdown and sanitised with nh3 by the server.
  const preview = $("preview");
  if (!renderSummary(preview, summary)) {
    preview.replaceChildren(el("p", { class: "muted", text: t("g_preview_empty") }));
  }
}

// Items lists show a hint while empty (CSS ::before reads it from data-empty).
looseList.dataset.empty = t("g_no_loose");

// --- the connection ----------------------------------------------------------------------

const socket = connect("/facilitator", { event: eventId });
bindStatus(socket, $("status"), () => {
  sync();
  // Saves that failed while the connection was down go out again.
  for (const editor of editors) editor.retry();
});

// New or changed core ideas reach this page as `post` events; a burst of them (a host
// marking several ideas) becomes one re-sync.
let syncTimer = 0;
function syncSoon() {
  window.clearTimeout(syncTimer);
  syncTimer = window.setTimeout(sync, SYNC_DEBOUNCE_MS);
}
socket.on("post", (post) => {
  if (post.core || sourceIds.has(post.id)) syncSoon();
});
socket.on("post_removed", (data) => {
  if (sourceIds.has(data.id)) syncSoon();
});
socket.on("gathering", render);
