/* The gathering view's idea cards: an idea's words (with what the personal-data screen
 * finds marked), where it came from, its merged ideas, and behind its ⋯ button the
 * rewording and the keyboard's "move to" and "merge with" lists. Cards are made once per
 * idea and updated in place, so a broadcast never takes the focus or half-typed text. */

import { api, itemNodes, limits, page, sectionLabel, traceText, truncate } from "./api.js";

const { t, roleLabel, el, markedText, findingsNote } = window.Cafe;

function sourceWhere(source) {
  const name = page.tableNames.get(source.table) || "";
  return source.role ? `${name} · ${roleLabel(source.role)}` : name;
}

/** The card of an item, created on first sight and updated in place afterwards. */
export function itemCard(item) {
  let card = itemNodes.get(item.id);
  if (!card) {
    card = ItemCard(item.id);
    itemNodes.set(item.id, card);
  }
  card.update(item);
  return card.root;
}

function ItemCard(id) {
  const handle = el("span", { class: "handle", "aria-hidden": "true", title: t("g_drag") }, "⠿");
  const text = el("span", { class: "item-text" });
  const found = el("p", { class: "held-note small", hidden: true });
  // Where it came from floats at the top right, the words flow round it: two lines in all.
  const trace = el("span", { class: "trace small" });
  const line = el("p", { class: "item-line" }, trace, text);
  // While a drag is on, the one place on a card where a drop merges (never its middle).
  const mergeZone = el("span", { class: "merge-zone", "aria-hidden": "true", text: t("g_merge_here") });
  // Everything else an idea offers waits behind its ⋯ button, built when first opened:
  // 300 cards each with a list of 300 others would be 90,000 options.
  const more = el("button", { type: "button", class: "item-more", "aria-expanded": "false",
    "aria-controls": `panel-${id}`, title: t("g_actions") },
    el("span", { "aria-hidden": "true", text: "⋯" }), el("span", { class: "visually-hidden", text: t("g_actions") }));
  const panel = el("div", { class: "item-panel", id: `panel-${id}`, hidden: true });
  const sources = el("ul", { class: "sources small", hidden: true });

  const rewordInput = el("textarea", {
    class: "reword-input",
    rows: 2,
    maxlength: limits.item,
    "aria-label": t("g_reword_label"),
  });
  const original = el("button", { type: "button", class: "link small", text: t("g_original_words") });
  const cancel = el("button", { type: "button", class: "link small", text: t("cancel") });
  const reword = el(
    "form",
    { class: "reword", hidden: true },
    rewordInput,
    el("div", { class: "row-tight" },
      el("button", { type: "submit", class: "primary small", text: t("save") }), original, cancel)
  );
  const rewordOpen = el("button", { type: "button", class: "link small", text: t("g_reword") });

  // The keyboard's way to do what a drag does: a list and a button each.
  const moveSelect = el("select", { class: "move-select", id: `move-${id}` });
  const moveOk = el("button", { type: "button", class: "secondary small move-ok", text: t("g_move_button") });
  const mergeSelect = el("select", { class: "merge-select", id: `merge-${id}` });
  const mergeOk = el("button", { type: "button", class: "secondary small merge-ok", text: t("g_merge_button") });
  const pick = (label, select, ok) =>
    el("span", { class: "pick" }, el("label", { class: "pick-label small", for: select.id, text: label }), select, ok);
  const tools = el(
    "div",
    { class: "item-tools" },
    rewordOpen,
    pick(t("g_move_to"), moveSelect, moveOk),
    pick(t("g_merge_with"), mergeSelect, mergeOk)
  );
  panel.append(sources, reword, tools);

  const root = el(
    "li",
    { class: "item", tabindex: "0", "data-item": String(id), "aria-describedby": "gather-help",
      "data-merge-label": t("g_merge_here") },
    el("div", { class: "item-main" }, handle, el("div", { class: "item-body" }, line, found), more,
      mergeZone),
    panel
  );
  const card = { id, root, item: null, moved: true, themeSig: "", mergeSig: "", open: false, choices: null };

  function setOpen(open) {
    card.open = open;
    panel.hidden = !open;
    root.classList.toggle("open", open);
    more.setAttribute("aria-expanded", String(open));
    if (open) {
      renderSources(card.item);
      card.moved = true; // the "Move to…" list starts at where the idea is now
      if (card.choices) card.refreshChoices(card.choices);
    }
  }
  more.addEventListener("click", () => setOpen(!card.open));
  card.setOpen = setOpen;

  card.update = (item) => {
    // Only a change of place resets the "Move to…" list: a choice made there and not yet
    // confirmed with OK survives broadcasts about other things.
    card.moved = !card.item || card.item.theme !== item.theme;
    card.item = item;
    // What the personal-data screen finds in the wording is marked, and named below.
    text.replaceChildren(...markedText("span", {}, item.text, item.findings).childNodes);
    found.textContent = findingsNote(item.text, item.findings);
    found.hidden = !found.textContent;
    trace.replaceChildren(traceText(item));
    if (item.rewritten) trace.append(" ", el("span", { class: "badge", text: t("g_rewritten") }));
    // In a workshop: which question the idea answered ("What worked?").
    const label = sectionLabel(item.section);
    if (label) trace.prepend(el("span", { class: "badge section-badge", text: label }), " ");
    if (item.sources.length > 1) {
      trace.prepend(el("span", { class: "badge merged-badge", text: t("g_ideas_count", { n: item.sources.length }) }), " ");
    }
    original.hidden = !item.rewritten;
    root.setAttribute("aria-label", `${item.text} (${traceText(item)})`);
    if (card.open) renderSources(item);
  };

  function renderSources(item) {
    sources.hidden = item.sources.length < 2;
    if (sources.hidden) {
      sources.replaceChildren();
      return;
    }
    sources.replaceChildren(
      el("li", { class: "sources-title", text: t("g_sources") }),
      ...item.sources.map((source) => {
        const split = el("button", {
          type: "button",
          class: "link small",
          text: t("g_separate"),
          "aria-label": t("g_separate_label", { text: truncate(source.text, 60) }),
        });
        split.addEventListener("click", async () => {
          const ack = await api.change("item_split", { item: id, source: source.id },
            t("g_did_split", { text: truncate(source.text, 40) }));
          if (ack.ok) page.focusItemAfter = ack.item;
        });
        return el("li", {},
          el("span", { class: "source-text", text: source.text }), " ",
          el("span", { class: "muted", text: `(${sourceWhere(source)})` }), " ", split);
      })
    );
  }

  /** The "Move to…" and "Merge with…" lists follow the themes and the other ideas. */
  card.refreshChoices = (choices) => {
    card.choices = choices;
    if (!card.open) return; // built when the panel opens
    const here = card.item.theme === null ? "" : String(card.item.theme);
    if (choices.themeSig !== card.themeSig) {
      card.themeSig = choices.themeSig;
      const chosen = moveSelect.value;
      moveSelect.replaceChildren(
        el("option", { value: "", text: t("g_without_theme") }),
        ...choices.themes.map((th) => el("option", { value: String(th.id), text: truncate(th.title, 60) }))
      );
      moveSelect.value = chosen;
      if (moveSelect.selectedIndex < 0) moveSelect.value = here; // its theme was deleted
    }
    if (card.moved) moveSelect.value = here;
    if (choices.itemSig !== card.mergeSig) {
      card.mergeSig = choices.itemSig;
      const others = choices.items.filter((other) => other.id !== id);
      const chosen = mergeSelect.value;
      mergeSelect.replaceChildren(
        el("option", { value: "", text: t("g_choose_idea") }),
        ...others.map((o) =>
          el("option", { value: String(o.id), text: `${truncate(o.text, 60)} (${o.tables.join(", ")})` })
        )
      );
      mergeSelect.value = others.some((o) => String(o.id) === chosen) ? chosen : "";
    }
  };

  // Rewording: an empty text or "use the original words" goes back to the idea's words.
  rewordOpen.addEventListener("click", () => {
    rewordInput.value = card.item.text;
    reword.hidden = false;
    rewordOpen.hidden = true;
    rewordInput.focus();
  });
  function closeReword() {
    reword.hidden = true;
    rewordOpen.hidden = false;
    root.focus();
  }
  async function sendText(value) {
    const ack = await api.send("item_text", { item: id, text: value });
    if (ack.ok) closeReword();
  }
  reword.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = rewordInput.value.trim();
    if (value === card.item.text) closeReword(); // unchanged: it stays the idea's own words
    else sendText(value ? value : null);
  });
  original.addEventListener("click", () => sendText(null));
  cancel.addEventListener("click", closeReword);
  rewordInput.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      closeReword();
    }
  });

  moveOk.addEventListener("click", () => {
    const theme = moveSelect.value ? parseInt(moveSelect.value, 10) : null;
    if (theme === card.item.theme) return;
    api.change("item_move", { item: id, theme, index: null }, api.what("g_did_move", card.item));
  });
  mergeOk.addEventListener("click", async () => {
    if (!mergeSelect.value) {
      mergeSelect.focus();
      return;
    }
    const into = parseInt(mergeSelect.value, 10);
    page.focusItemAfter = into;
    const ack = await api.change("item_merge", { item: id, into }, api.what("g_did_merge", card.item));
    if (ack.ok && itemNodes.has(into)) itemNodes.get(into).root.focus();
  });

  // Dragging and the keyboard pick-up live in gather/drag.js.
  handle.addEventListener("pointerdown", (e) => api.drag && api.drag.pointerDown(e, card));
  root.addEventListener("keydown", (e) => api.drag && api.drag.key(e, card));
  root.addEventListener("blur", () => api.drag && api.drag.blurred(card));
  return card;
}
