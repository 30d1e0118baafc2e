/* "Suggest themes": the server's proposed groupings of the un-themed ideas, each with an
 * editable title, to accept (a new theme with those ideas, undoable) or reject. An idea
 * that gets a theme meanwhile leaves its suggestion. */

import { api, limits, page, placeChildren, traceText, truncate } from "./api.js";

const { t, el } = window.Cafe;
const $ = (id) => document.getElementById(id);

const stemmerNote = document.getElementById("gather").dataset.stemmerNote === "true";
let suggestions = []; // [{title, items: [id…], node}]

$("suggest").addEventListener("click", async () => {
  const ack = await api.send("suggest", {});
  if (!ack.ok) return;
  const mode = $("suggest-mode");
  mode.textContent = t("g_analysed_with", {
    mode: ack.mode === "voikko" ? t("g_mode_voikko") : t("g_mode_snowball"),
  });
  mode.hidden = false;
  $("suggest-note").hidden = !(ack.fallback !== null || stemmerNote);
  for (const old of suggestions) old.node.remove();
  suggestions = ack.suggestions.map((s) => ({ title: s.title, items: s.items, node: null }));
  if (!suggestions.length) api.announce(t("g_no_suggestions"));
  renderSuggestions();
});

/** After every render (gather.js) and a new suggestion: the cards of what is still
 *  suggested, each listing its ideas that are still without a theme. */
export function renderSuggestions() {
  const box = $("suggestions");
  const loose = new Set(page.gathering ? page.gathering.loose.map((item) => item.id) : []);
  // An idea that has been given a theme meanwhile leaves the suggestion.
  suggestions = suggestions.filter((s) => {
    s.items = s.items.filter((id) => loose.has(id));
    if (!s.items.length && s.node) s.node.remove();
    return s.items.length > 0;
  });
  for (const s of suggestions) {
    if (!s.node) s.node = SuggestionCard(s);
    s.node.list.replaceChildren(
      ...s.items.map((id) => el("li", {},
        el("span", { text: page.itemsById.get(id).text }), " ",
        el("span", { class: "muted", text: `(${traceText(page.itemsById.get(id))})` })))
    );
  }
  placeChildren(box, suggestions.map((s) => s.node));
  if (!suggestions.length && !$("suggest-mode").hidden) {
    box.replaceChildren(el("p", { class: "muted small", text: t("g_no_suggestions") }));
  }
}

function SuggestionCard(s) {
  const title = el("input", { type: "text", value: s.title, maxlength: limits.title,
    "aria-label": t("g_suggestion_title") });
  title.addEventListener("input", () => {
    s.title = title.value;
  });
  const accept = el("button", { type: "button", class: "primary small", text: t("g_accept") });
  const reject = el("button", { type: "button", class: "link small", text: t("g_reject") });
  const list = el("ul", { class: "small" });
  const node = el("article", { class: "suggestion" },
    el("label", { class: "small" }, t("g_suggestion_title"), title),
    list,
    el("div", { class: "row-tight" }, accept, reject));
  node.list = list;
  accept.addEventListener("click", async () => {
    const ack = await api.change("theme_create", { title: s.title, items: s.items },
      t("g_did_create", { title: truncate(s.title, 40) }));
    if (ack.ok) dropSuggestion(s);
  });
  reject.addEventListener("click", () => dropSuggestion(s));
  return node;
}

function dropSuggestion(s) {
  suggestions = suggestions.filter((other) => other !== s);
  s.node.remove();
}
