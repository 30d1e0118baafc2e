/* The facilitator's gathering view: the tables' core ideas → themes → the shared summary.
 *
 * The server holds the truth and answers every change with a `gathering` broadcast; this
 * page re-renders from it. DOM nodes of themes and ideas are kept by id and updated in
 * place, so a broadcast never takes the focus or the half-typed text away from the person
 * at the keyboard. Texts are saved as revisions: each save names the revision it started
 * from, and a save on an old one is refused with the newer text ("modified meanwhile").
 */
"use strict";

(function () {
  const { t, roleLabel, el, connect, bindStatus, call, renderSummary, markedText, findingsNote,
    sectionLabel: phaseSectionLabel } = window.Cafe;
  const root = document.getElementById("gather");
  const $ = (id) => document.getElementById(id);
  const eventId = parseInt(root.dataset.event, 10);
  const limits = {
    title: parseInt(root.dataset.maxTitle, 10),
    body: parseInt(root.dataset.maxBody, 10),
    intro: parseInt(root.dataset.maxIntro, 10),
    item: parseInt(root.dataset.maxItem, 10),
  };
  const stemmerNote = root.dataset.stemmerNote === "true";
  const AUTOSAVE_MS = 1200;
  const SYNC_DEBOUNCE_MS = 300;

  const errorBox = $("gather-error");
  const announcer = $("announce");
  const looseList = $("loose");
  const themesBox = $("themes");

  /** The last `gathering` payload, and lookups built from it. */
  let gathering = null;
  let itemsById = new Map(); // item id → item
  let sourceIds = new Set(); // post ids shown as sources: their changes need a re-sync
  let tableNames = new Map(); // table id → name

  const itemNodes = new Map(); // item id → ItemCard
  const themeNodes = new Map(); // theme id → ThemeCard
  const editors = new Set(); // every autosaving text on the page
  let suggestions = []; // [{title, items: [id…], node}]
  let focusItemAfter = null; // an item whose card gets the focus once it is rendered

  /** What the modules in static/js/gather/ build on (drag, undo, filter, panels): they
   *  load after this script and hook in here. */
  const api = {
    send: null,
    announce: null,
    showError: null,
    gathering: () => gathering,
    cards: () => itemNodes,
    /** Called with the payload after every render. */
    rendered: [],
    /** Set by undo.js: keeps a change's inverse (`ack.undo`) under a label. */
    record: null,
    /** Set by drag.js: {pointerDown, key, blurred} for each idea card. */
    drag: null,
  };
  window.CafeGather = api;

  const socket = connect("/facilitator", { event: eventId });
  bindStatus(socket, $("status"), () => {
    sync();
    // Saves that failed while the connection was down go out again.
    for (const editor of editors) editor.retry();
  });

  // --- talking to the server -------------------------------------------------------------

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
  api.send = send;
  api.showError = showError;
  api.change = change;
  /** The card of item `id` takes the focus once the next render shows it. */
  api.focusAfter = (id) => {
    focusItemAfter = id;
  };
  /** The drop zone (a theme's card) of theme `id`. */
  api.themeZone = (id) => themeNodes.get(id).root;

  async function sync() {
    const ack = await send("gather_sync", {});
    if (ack.ok) render(ack.gathering);
  }

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

  // --- small helpers ---------------------------------------------------------------------

  function truncate(text, n) {
    return text.length > n ? text.slice(0, n - 1).trimEnd() + "…" : text;
  }

  /** "Pöytä 1 · Pöytä 3 · kokemusasiantuntija" */
  function traceText(item) {
    return [...item.tables, ...item.roles.map(roleLabel)].join(" · ");
  }

  function sourceWhere(source) {
    const name = tableNames.get(source.table) || "";
    return source.role ? `${name} · ${roleLabel(source.role)}` : name;
  }

  function announce(text) {
    announcer.textContent = text;
  }
  api.announce = announce;
  api.what = what;

  /** How the undo buttons name a change to an idea. */
  function what(key, item) {
    return t(key, { text: truncate(item.text, 40) });
  }

  /** Put `nodes` into `parent` in this order, moving only what is out of place: a node
   *  that stays where it is keeps its focus and its scroll position. */
  function placeChildren(parent, nodes) {
    nodes.forEach((node, i) => {
      if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
    });
    while (parent.children.length > nodes.length) parent.lastElementChild.remove();
  }

  // --- rendering -------------------------------------------------------------------------

  /** A workshop section's label ("" in a Cafe Social, which has one summary), in this
   *  page's language (the broadcast's labels are in the event's). */
  function sectionLabel(section) {
    const found = gathering && gathering.sections.find((x) => x.id === section);
    return found ? phaseSectionLabel(section) || found.label : "";
  }

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
    gathering = data;
    renderSectionChoice(data.sections);
    // Moving a node (an idea into a theme) blurs what is focused inside it: put it back.
    const active = document.activeElement;

    itemsById = new Map();
    sourceIds = new Set();
    const allItems = [...data.loose, ...data.themes.flatMap((theme) => theme.items)];
    for (const item of allItems) {
      itemsById.set(item.id, item);
      for (const source of item.sources) sourceIds.add(source.id);
    }
    tableNames = new Map(data.balance.tables.map((row) => [row.id, row.name]));

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
      if (!itemsById.has(id)) itemNodes.delete(id);
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
    if (focusItemAfter !== null && itemNodes.has(focusItemAfter)) {
      itemNodes.get(focusItemAfter).root.focus();
      focusItemAfter = null;
    }
  }

  // --- idea cards ------------------------------------------------------------------------

  /** The card of an item, created on first sight and updated in place afterwards. */
  function itemCard(item) {
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
            const ack = await change("item_split", { item: id, source: source.id },
              t("g_did_split", { text: truncate(source.text, 40) }));
            if (ack.ok) focusItemAfter = ack.item;
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
      const ack = await send("item_text", { item: id, text: value });
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
      change("item_move", { item: id, theme, index: null }, what("g_did_move", card.item));
    });
    mergeOk.addEventListener("click", async () => {
      if (!mergeSelect.value) {
        mergeSelect.focus();
        return;
      }
      const into = parseInt(mergeSelect.value, 10);
      focusItemAfter = into;
      const ack = await change("item_merge", { item: id, into }, what("g_did_merge", card.item));
      if (ack.ok && itemNodes.has(into)) itemNodes.get(into).root.focus();
    });

    // Dragging and the keyboard pick-up live in gather/drag.js.
    handle.addEventListener("pointerdown", (e) => api.drag && api.drag.pointerDown(e, card));
    root.addEventListener("keydown", (e) => api.drag && api.drag.key(e, card));
    root.addEventListener("blur", () => api.drag && api.drag.blurred(card));
    return card;
  }

  // --- themes ----------------------------------------------------------------------------

  function renderThemes(themes) {
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
        send("theme_save", { theme: id, base, title: values.title, body: values.body }, ["summary_stale"]),
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
      await send("theme_move", { theme: id, index: card.index + step });
      // Now first (or last), the button is disabled and has lost the focus: keep it near.
      if (button.disabled) other.focus();
    }
    up.addEventListener("click", () => move(-1, up, down));
    down.addEventListener("click", () => move(1, down, up));
    remove.addEventListener("click", () => {
      if (window.confirm(t("g_confirm_delete_theme", { title: card.theme.title }))) {
        change("theme_delete", { theme: id }, t("g_did_delete", { title: truncate(card.theme.title, 40) }));
      }
    });
    draft.addEventListener("click", async () => {
      const ack = await send("theme_draft", { theme: id });
      if (!ack.ok) return;
      if (body.value.trim() && !window.confirm(t("g_confirm_draft"))) return;
      // Not saved yet: the facilitator reads and edits it first (Save, or leaving the field).
      editor.setDraft({ body: ack.text });
      body.focus();
    });
    historyButton.addEventListener("click", () => toggleHistory(history, historyButton, id));
    return card;
  }

  async function toggleHistory(box, button, themeId) {
    if (!box.hidden) {
      box.hidden = true;
      button.setAttribute("aria-expanded", "false");
      return;
    }
    const ack = await send("history", { theme: themeId });
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

  // --- texts saved as revisions ----------------------------------------------------------


  /**
   * A text that autosaves as revisions: a theme's title and paragraph, or the intro.
   *
   * `base` is the revision the person started from. The server's text replaces what the
   * fields show only while the person is not in them and has nothing unsaved; otherwise
   * it waits (and a save on the old base is refused, showing both texts side by side).
   */
  function Editor(opts) {
    const fields = Object.entries(opts.fields);
    const inputs = fields.map(([, input]) => input);
    const ed = { base: 0, known: null, dirty: false, saving: false, again: false, conflict: null, timer: 0 };

    const values = () => Object.fromEntries(fields.map(([name, input]) => [name, input.value]));
    const sameValues = (a, b) => fields.every(([name]) => a[name] === b[name]);
    const focused = () => inputs.includes(document.activeElement);
    function setValues(v) {
      for (const [name, input] of fields) if (name in v) input.value = v[name];
    }
    function showState(key) {
      opts.state.textContent = key ? t(key) : "";
      opts.state.dataset.state = key || "";
    }

    for (const input of inputs) {
      input.addEventListener("input", () => {
        ed.dirty = true;
        showState("g_unsaved");
        schedule();
      });
      input.addEventListener("blur", () => {
        if (ed.dirty) save();
        else applyKnown();
      });
    }
    opts.saveButton.addEventListener("click", save);

    function schedule() {
      window.clearTimeout(ed.timer);
      ed.timer = window.setTimeout(save, AUTOSAVE_MS);
    }

    /** The server's copy arrived (sync or broadcast). */
    function receive(server) {
      ed.known = server;
      if (ed.conflict && server.revision > ed.conflict.revision) {
        // Saved again elsewhere while the person compares: compare with the newest.
        ed.conflict = { ...ed.conflict, ...server };
        renderConflict(ed.conflictMessage);
      }
      applyKnown();
    }

    function applyKnown() {
      if (!ed.known || ed.dirty || ed.saving || ed.conflict || focused()) return;
      setValues(ed.known);
      ed.base = ed.known.revision;
    }

    async function save() {
      window.clearTimeout(ed.timer);
      if (!ed.dirty || ed.conflict) return;
      if (ed.saving) {
        ed.again = true;
        return;
      }
      ed.saving = true;
      showState("g_saving");
      const sent = values();
      const ack = await opts.send(sent, ed.base);
      ed.saving = false;
      if (ack.ok) {
        ed.base = ack.revision;
        if (sameValues(values(), sent)) {
          ed.dirty = false;
          showState("g_saved");
        } else if (!ed.again) {
          schedule(); // typed on while it was saving
        }
      } else if (ack.error === "summary_stale") {
        ed.again = false;
        // A broadcast may already have brought an even newer text: compare with that.
        const known = ed.known && ed.known.revision > ack.current.revision ? ed.known : {};
        ed.conflict = { ...ack.current, ...known };
        renderConflict(ack.message);
        showState("g_not_saved");
      } else {
        showState("g_not_saved");
      }
      if (ed.again) {
        ed.again = false;
        save();
      }
      applyKnown();
    }

    function renderConflict(message) {
      ed.conflictMessage = message;
      const current = ed.conflict;
      const useNewer = el("button", { type: "button", class: "primary small", text: t("g_use_newer") });
      const keepMine = el("button", { type: "button", class: "secondary small", text: t("g_keep_mine") });
      useNewer.addEventListener("click", () => {
        setValues(current);
        ed.base = current.revision;
        ed.dirty = false;
        closeConflict();
        showState("g_saved");
        applyKnown();
      });
      keepMine.addEventListener("click", () => {
        ed.base = current.revision;
        closeConflict();
        save();
      });
      opts.conflict.replaceChildren(
        el("p", { class: "conflict-message", text: message }),
        el("h4", { text: t("g_newer_text") }),
        "title" in opts.fields ? el("p", { class: "conflict-title" }, el("strong", { text: current.title })) : null,
        el("p", { class: "conflict-body", text: current.body || "—" }),
        el("div", { class: "row-tight" }, useNewer, keepMine)
      );
      opts.conflict.hidden = false;
      opts.conflict.parentElement.classList.add("has-conflict");
    }

    function closeConflict() {
      ed.conflict = null;
      opts.conflict.hidden = true;
      opts.conflict.replaceChildren();
      opts.conflict.parentElement.classList.remove("has-conflict");
    }

    const editor = {
      receive,
      /** Text put in by the page (a draft): unsaved until the person saves or leaves. */
      setDraft(v) {
        setValues(v);
        ed.dirty = true;
        showState("g_unsaved");
      },
      /** After a reconnect: a save lost with the connection goes out again. */
      retry() {
        if (ed.dirty && !ed.saving && !ed.conflict) save();
      },
      pending: () => ed.dirty || ed.saving,
      dispose() {
        window.clearTimeout(ed.timer);
        editors.delete(editor);
      },
    };
    editors.add(editor);
    return editor;
  }

  const intro = $("intro");
  const introEditor = Editor({
    fields: { body: intro },
    state: $("intro-state"),
    conflict: $("intro-conflict"),
    saveButton: $("intro-save"),
    send: (values, base) => send("intro_save", { base, body: values.body }, ["summary_stale"]),
  });
  $("intro-history").addEventListener("click", () =>
    toggleHistory($("intro-history-list"), $("intro-history"), null)
  );

  // Leaving with unsaved text: the browser asks first.
  window.addEventListener("beforeunload", (e) => {
    if ([...editors].some((editor) => editor.pending())) e.preventDefault();
  });

  $("new-theme").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("new-theme-title");
    const section = $("new-theme-section");
    const payload = { title: input.value };
    if (section && !section.hidden && section.value) payload.section = section.value;
    const ack = await change("theme_create", payload, t("g_did_create", { title: truncate(input.value, 40) }));
    if (ack.ok) input.value = "";
  });

  // --- suggestions -----------------------------------------------------------------------

  $("suggest").addEventListener("click", async () => {
    const ack = await send("suggest", {});
    if (!ack.ok) return;
    const mode = $("suggest-mode");
    mode.textContent = t("g_analysed_with", {
      mode: ack.mode === "voikko" ? t("g_mode_voikko") : t("g_mode_snowball"),
    });
    mode.hidden = false;
    $("suggest-note").hidden = !(ack.fallback !== null || stemmerNote);
    for (const old of suggestions) old.node.remove();
    suggestions = ack.suggestions.map((s) => ({ title: s.title, items: s.items, node: null }));
    if (!suggestions.length) announce(t("g_no_suggestions"));
    renderSuggestions();
  });

  function renderSuggestions() {
    const box = $("suggestions");
    const loose = new Set(gathering ? gathering.loose.map((item) => item.id) : []);
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
          el("span", { text: itemsById.get(id).text }), " ",
          el("span", { class: "muted", text: `(${traceText(itemsById.get(id))})` })))
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
      const ack = await change("theme_create", { title: s.title, items: s.items },
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

  // --- voice balance ---------------------------------------------------------------------

  function renderBalance(balance) {
    const cell = (value) => el("td", { class: "num", text: value === undefined ? "–" : String(value) });
    const head = (...names) => el("thead", {}, el("tr", {}, ...names.map((name, i) =>
      el("th", { scope: "col", class: i ? "num" : "", text: name }))));
    const counts = [t("g_posts"), t("g_core_ideas"), t("g_themed")];
    const byTable = el("table", { class: "balance" },
      el("caption", { text: t("g_by_table") }),
      head(t("g_table"), ...counts),
      el("tbody", {}, ...balance.tables.map((row) =>
        el("tr", {}, el("th", { scope: "row", text: row.name }), cell(row.posts), cell(row.core), cell(row.themed)))));
    const byRole = el("table", { class: "balance" },
      el("caption", { text: t("g_by_role") }),
      head(t("g_role"), ...counts),
      el("tbody", {}, ...balance.roles.map((row) =>
        el("tr", {},
          el("th", { scope: "row", text: row.role === null ? t("g_no_role") : roleLabel(row.role) }),
          ...(row.counts === null
            ? [el("td", { colSpan: 3, class: "muted", text: t("g_role_hidden") })]
            : [cell(row.counts.posts), cell(row.counts.core), cell(row.counts.themed)])))));
    $("balance").replaceChildren(byTable, byRole);
  }

  // --- the summary as boards and phones show it -----------------------------------------

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
})();
