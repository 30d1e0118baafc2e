/* The gathering view's themes: each a card with its title, its ideas (a drop zone), its
 * Markdown paragraph saved as revisions (gather/editor.js), the draft from its ideas, its
 * place in the order and its history. */

import { api, limits, placeChildren, sectionLabel, themeNodes, truncate } from "./api.js";
import { Editor } from "./editor.js";

const { t, el, findingsNote } = window.Cafe;

const themesBox = document.getElementById("themes");

/** The theme cards in the payload's order: made once per theme, then updated in place; a
 *  deleted theme's card and its editor go. */
export function renderThemes(themes) {
  const nodes = themes.map((theme, index) => {
    let card = themeNodes.get(theme.id);
    if (!card) {
      card = ThemeCard(theme.id);
      themeNodes.set(theme.id, card);
    }
    card.update(theme, index, themes.length);
    return card.root;
  });
  const live = new Set(themes.map((theme) => theme.id));
  for (const [id, card] of themeNodes) {
    if (!live.has(id)) {
      card.editor.dispose();
      themeNodes.delete(id);
    }
  }
  placeChildren(themesBox, nodes);
}

function ThemeCard(id) {
  const titleId = `theme-title-${id}`;
  const bodyId = `theme-body-${id}`;
  const number = el("span", { class: "theme-number" });
  const sectionTag = el("p", { class: "eyebrow section-tag", hidden: true });
  const title = el("input", { type: "text", id: titleId, class: "theme-title", maxlength: limits.title });
  const body = el("textarea", { id: bodyId, class: "theme-body", rows: 4, maxlength: limits.body });
  // An arrow to see, its meaning to hear: the name is the hidden words, never a
  // different label over visible text.
  const arrow = (symbol, key) => el("button", { type: "button", class: "secondary small", title: t(key) },
    el("span", { "aria-hidden": "true", text: symbol }), el("span", { class: "visually-hidden", text: t(key) }));
  const up = arrow("↑", "g_move_up");
  const down = arrow("↓", "g_move_down");
  const historyButton = el("button", { type: "button", class: "link small", text: t("g_history"),
    "aria-expanded": "false" });
  const remove = el("button", { type: "button", class: "link small danger", text: t("g_delete_theme") });
  const draft = el("button", { type: "button", class: "secondary small", text: t("g_draft") });
  const saveButton = el("button", { type: "button", class: "secondary small", text: t("save") });
  const state = el("span", { class: "save-state small", "aria-live": "polite" });
  const conflict = el("div", { class: "conflict", role: "alert", hidden: true });
  const found = el("p", { class: "held-note small", role: "status", hidden: true });
  const history = el("div", { class: "history", hidden: true });
  const list = el("ol", { class: "items drop-list", "data-empty": t("g_drop_here") });

  const root = el(
    "section",
    { class: "card theme", "data-theme": String(id), "data-drop": "theme" },
    sectionTag,
    el("div", { class: "theme-head" },
      number,
      el("label", { class: "visually-hidden", for: titleId, text: t("g_theme_title") }),
      title,
      el("div", { class: "theme-tools" }, up, down, historyButton, remove)),
    list,
    el("div", { class: "text-part" },
      el("div", { class: "fields" },
        el("label", { for: bodyId, class: "small", text: t("g_theme_body") }),
        body,
        found,
        el("div", { class: "text-tools" }, draft, saveButton, state)),
      conflict),
    history
  );

  const editor = Editor({
    fields: { title, body },
    state,
    conflict,
    saveButton,
    send: (values, base) =>
      api.send("theme_save", { theme: id, base, title: values.title, body: values.body }, ["summary_stale"]),
  });
  const card = { id, root, list, editor, index: 0, theme: null };

  card.update = (theme, index, count) => {
    card.theme = theme;
    card.index = index;
    number.textContent = `${index + 1}.`;
    root.setAttribute("aria-label", theme.title);
    const label = sectionLabel(theme.section);
    sectionTag.textContent = label;
    sectionTag.hidden = !label;
    up.disabled = index === 0;
    down.disabled = index === count - 1;
    editor.receive({ title: theme.title, body: theme.body, revision: theme.revision });
    found.textContent = [
      findingsNote(theme.title, theme.findings.title),
      findingsNote(theme.body, theme.findings.body),
    ].filter(Boolean).join(" ");
    found.hidden = !found.textContent;
  };

  async function move(step, button, other) {
    await api.send("theme_move", { theme: id, index: card.index + step });
    // Now first (or last), the button is disabled and has lost the focus: keep it near.
    if (button.disabled) other.focus();
  }
  up.addEventListener("click", () => move(-1, up, down));
  down.addEventListener("click", () => move(1, down, up));
  remove.addEventListener("click", () => {
    if (window.confirm(t("g_confirm_delete_theme", { title: card.theme.title }))) {
      api.change("theme_delete", { theme: id }, t("g_did_delete", { title: truncate(card.theme.title, 40) }));
    }
  });
  draft.addEventListener("click", async () => {
    const ack = await api.send("theme_draft", { theme: id });
    if (!ack.ok) return;
    if (body.value.trim() && !window.confirm(t("g_confirm_draft"))) return;
    // Not saved yet: the facilitator reads and edits it first (Save, or leaving the field).
    editor.setDraft({ body: ack.text });
    body.focus();
  });
  historyButton.addEventListener("click", () => toggleHistory(history, historyButton, id));
  return card;
}

/** Open (asking the server) or close the saved revisions of a theme, or of the intro
 *  (`themeId` null), in `box`. */
export async function toggleHistory(box, button, themeId) {
  if (!box.hidden) {
    box.hidden = true;
    button.setAttribute("aria-expanded", "false");
    return;
  }
  const ack = await api.send("history", { theme: themeId });
  if (!ack.ok) return;
  const lang = document.documentElement.lang || "fi";
  box.replaceChildren(
    el("h4", { text: t("g_history") }),
    ack.revisions.length
      ? el("ol", { class: "revisions" },
          ...ack.revisions.map((rev) =>
            el("li", {},
              el("p", { class: "muted small",
                text: t("g_revision", { n: rev.revision, time: new Date(rev.saved).toLocaleString(lang) }) }),
              rev.title ? el("p", {}, el("strong", { text: rev.title })) : null,
              el("p", { class: "revision-body", text: rev.body || "—" }))))
      : el("p", { class: "muted small", text: t("g_no_history") })
  );
  box.hidden = false;
  button.setAttribute("aria-expanded", "true");
}
