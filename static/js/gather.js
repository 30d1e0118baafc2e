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
  const { t, roleLabel, el, connect, bindStatus, call, renderSummary, markedText, findingsNote } =
    window.Cafe;
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
  const DRAG_THRESHOLD = 5; // px before a press on the handle becomes a drag
  const EDGE = 60; // px from the window's edge where a drag scrolls the page

  const errorBox = $("gather-error");
  const announcer = $("announce");
  const looseZone = $("loose-zone");
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

  /** Put `nodes` into `parent` in this order, moving only what is out of place: a node
   *  that stays where it is keeps its focus and its scroll position. */
  function placeChildren(parent, nodes) {
    nodes.forEach((node, i) => {
      if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
    });
    while (parent.children.length > nodes.length) parent.lastElementChild.remove();
  }

  // --- rendering -------------------------------------------------------------------------

  /** A workshop section's label ("" in a Cafe Social, which has one summary). */
  function sectionLabel(section) {
    const found = gathering && gathering.sections.find((x) => x.id === section);
    return found ? found.label : "";
  }

  /** The new-theme form offers a workshop's sections (the process section: a step). */
  function renderSectionChoice(sections) {
    const select = $("new-theme-section");
    if (!select) return;
    const chosen = select.value;
    select.replaceChildren(...sections.map((x) => el("option", { value: x.id, text: x.label })));
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

    if (active && active !== document.body && active.isConnected && document.activeElement !== active) {
      active.focus({ preventScroll: true });
    }
    if (focusItemAfter !== null && itemNodes.has(focusItemAfter)) {
      itemNodes.get(focusItemAfter).root.focus();
      focusItemAfter = null;
    }
    if (picked && !itemsById.has(picked.item)) cancelPickup();
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
    const text = el("p", { class: "item-text" });
    const found = el("p", { class: "held-note small", hidden: true });
    const trace = el("p", { class: "trace small" });
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

    // The keyboard's way to do what a drag does: a list and an OK button each.
    const moveSelect = el("select", { class: "move-select", id: `move-${id}` });
    const moveOk = el("button", { type: "button", class: "secondary small move-ok", text: t("g_ok"),
      "aria-label": t("g_move_button") });
    const mergeSelect = el("select", { class: "merge-select", id: `merge-${id}` });
    const mergeOk = el("button", { type: "button", class: "secondary small merge-ok", text: t("g_ok"),
      "aria-label": t("g_merge_button") });
    const pick = (label, select, ok) =>
      el("span", { class: "pick" }, el("label", { class: "pick-label small", for: select.id, text: label }), select, ok);
    const tools = el(
      "div",
      { class: "item-tools" },
      rewordOpen,
      pick(t("g_move_to"), moveSelect, moveOk),
      pick(t("g_merge_with"), mergeSelect, mergeOk)
    );

    const root = el(
      "li",
      { class: "item", tabindex: "0", "data-item": String(id), "aria-describedby": "gather-help",
        "data-merge-label": t("g_merge_here") },
      el("div", { class: "item-main" }, handle, el("div", { class: "item-body" }, text, found, trace)),
      sources,
      reword,
      tools
    );
    const card = { id, root, item: null, moved: true, themeSig: "", mergeSig: "" };

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
      original.hidden = !item.rewritten;
      root.setAttribute("aria-label", `${item.text} (${traceText(item)})`);
      renderSources(item);
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
            const ack = await send("item_split", { item: id, source: source.id });
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
      send("item_move", { item: id, theme, index: null });
    });
    mergeOk.addEventListener("click", async () => {
      if (!mergeSelect.value) {
        mergeSelect.focus();
        return;
      }
      const into = parseInt(mergeSelect.value, 10);
      focusItemAfter = into;
      const ack = await send("item_merge", { item: id, into });
      if (ack.ok && itemNodes.has(into)) itemNodes.get(into).root.focus();
    });

    handle.addEventListener("pointerdown", (e) => pointerDown(e, card));
    root.addEventListener("keydown", (e) => pickupKey(e, card));
    root.addEventListener("blur", () => {
      if (picked && picked.item === id) cancelPickup(t("g_cancelled"));
    });
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
    const up = el("button", { type: "button", class: "secondary small", text: "↑", title: t("g_move_up"),
      "aria-label": t("g_move_up") });
    const down = el("button", { type: "button", class: "secondary small", text: "↓", title: t("g_move_down"),
      "aria-label": t("g_move_down") });
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
        send("theme_delete", { theme: id });
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
    const ack = await send("theme_create", payload);
    if (ack.ok) input.value = "";
  });

  // --- drag and drop (mouse, touch and pen alike, through Pointer Events) ----------------

  let drag = null; // {card, pointerId, startX, startY, x, y, active, ghost, target}
  let scrollFrame = 0;

  function pointerDown(e, card) {
    if (drag || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault(); // no text selection, no scrolling: the handle is for dragging
    try {
      e.target.setPointerCapture(e.pointerId);
    } catch (err) {
      /* capture is a nicety: events still reach the document */
    }
    drag = { card, pointerId: e.pointerId, startX: e.clientX, startY: e.clientY, x: e.clientX,
      y: e.clientY, active: false, ghost: null, target: null };
    document.addEventListener("pointermove", pointerMove);
    document.addEventListener("pointerup", pointerUp);
    document.addEventListener("pointercancel", endDrag);
    document.addEventListener("keydown", dragKey, true);
  }

  function pointerMove(e) {
    if (!drag || e.pointerId !== drag.pointerId) return;
    drag.x = e.clientX;
    drag.y = e.clientY;
    if (!drag.active) {
      if (Math.hypot(drag.x - drag.startX, drag.y - drag.startY) < DRAG_THRESHOLD) return;
      startDrag();
    }
    moveGhost();
    setTarget(hitTest(drag.x, drag.y));
    autoScroll();
  }

  function startDrag() {
    drag.active = true;
    drag.ghost = el("div", { class: "drag-ghost", "aria-hidden": "true", text: truncate(drag.card.item.text, 90) });
    document.body.append(drag.ghost);
    document.body.classList.add("dragging");
    drag.card.root.classList.add("drag-source");
  }

  function moveGhost() {
    // CSSOM, not a style attribute: allowed under the page's strict CSP.
    drag.ghost.style.transform = `translate(${drag.x + 14}px, ${drag.y + 10}px)`;
  }

  /** What is under the pointer: another idea's centre (merge), else a list (move). */
  function hitTest(x, y) {
    const under = document.elementFromPoint(x, y);
    if (!under) return null;
    const itemNode = under.closest(".item");
    if (itemNode && itemNode !== drag.card.root) {
      const box = itemNode.getBoundingClientRect();
      const inCentre =
        x > box.left + box.width * 0.15 && x < box.right - box.width * 0.15 &&
        y > box.top + box.height * 0.25 && y < box.bottom - box.height * 0.25;
      if (inCentre) return { kind: "merge", node: itemNode, into: parseInt(itemNode.dataset.item, 10) };
    }
    const zone = under.closest("[data-drop]");
    if (!zone) return null;
    const list = zone === looseZone ? looseList : zone.querySelector(".drop-list");
    const theme = zone === looseZone ? null : parseInt(zone.dataset.theme, 10);
    const cards = [...list.children].filter((node) => node.classList.contains("item") && node !== drag.card.root);
    // The index counts the list without the dragged idea, as the server does.
    const index = cards.filter((node) => {
      const box = node.getBoundingClientRect();
      return box.top + box.height / 2 < y;
    }).length;
    return { kind: "move", zone, list, theme, index, before: cards[index] || null };
  }

  function setTarget(target) {
    clearTargetMarks();
    drag.target = target;
    if (!target) return;
    if (target.kind === "merge") {
      target.node.classList.add("merge-target");
    } else {
      target.zone.classList.add("drop-active");
      if (target.before) target.before.classList.add("insert-before");
      else target.list.classList.add("insert-end");
    }
  }

  function clearTargetMarks() {
    for (const node of document.querySelectorAll(".merge-target, .drop-active, .insert-before, .insert-end")) {
      node.classList.remove("merge-target", "drop-active", "insert-before", "insert-end");
    }
  }

  /** Near the window's top or bottom edge, a drag scrolls the page (long theme lists). */
  function autoScroll() {
    if (scrollFrame) return;
    const step = () => {
      scrollFrame = 0;
      if (!drag || !drag.active) return;
      let dy = 0;
      if (drag.y < EDGE) dy = -Math.ceil((EDGE - drag.y) / 4);
      else if (drag.y > window.innerHeight - EDGE) dy = Math.ceil((drag.y - (window.innerHeight - EDGE)) / 4);
      if (!dy) return;
      window.scrollBy(0, dy);
      setTarget(hitTest(drag.x, drag.y));
      scrollFrame = window.requestAnimationFrame(step);
    };
    scrollFrame = window.requestAnimationFrame(step);
  }

  function pointerUp(e) {
    if (!drag || e.pointerId !== drag.pointerId) return;
    if (drag.active) {
      // Decide from where the pointer was let go, not from the last move.
      drag.x = e.clientX;
      drag.y = e.clientY;
      const target = hitTest(drag.x, drag.y);
      const item = drag.card.item;
      endDrag();
      suppressClick();
      drop(item, target);
    } else {
      endDrag();
    }
  }

  function dragKey(e) {
    if (e.key === "Escape" && drag) {
      e.preventDefault();
      e.stopPropagation();
      endDrag();
      announce(t("g_cancelled"));
    }
  }

  function endDrag() {
    if (!drag) return;
    if (drag.ghost) drag.ghost.remove();
    drag.card.root.classList.remove("drag-source");
    document.body.classList.remove("dragging");
    clearTargetMarks();
    document.removeEventListener("pointermove", pointerMove);
    document.removeEventListener("pointerup", pointerUp);
    document.removeEventListener("pointercancel", endDrag);
    document.removeEventListener("keydown", dragKey, true);
    window.cancelAnimationFrame(scrollFrame);
    scrollFrame = 0;
    drag = null;
  }

  /** The click that ends a drag is not meant for whatever it was released over. */
  function suppressClick() {
    const stop = (e) => {
      e.stopPropagation();
      e.preventDefault();
    };
    document.addEventListener("click", stop, true);
    window.setTimeout(() => document.removeEventListener("click", stop, true), 0);
  }

  /** Send a drop: a merge, or a move unless the idea would land where it already is. */
  function drop(item, target) {
    if (!target) return;
    if (target.kind === "merge") {
      focusItemAfter = target.into;
      send("item_merge", { item: item.id, into: target.into });
      return;
    }
    const node = itemNodes.has(item.id) ? itemNodes.get(item.id).root : null;
    const same = item.theme === target.theme;
    const current = same && node ? [...target.list.children].indexOf(node) : -1;
    if (same && current === target.index) return;
    send("item_move", { item: item.id, theme: target.theme, index: target.index });
  }

  // --- keyboard pick-up: Space, arrows, Enter, Escape on a focused idea -----------------

  let picked = null; // {item, targets, at}

  function pickupKey(e, card) {
    if (e.target !== card.root) return; // keys inside the card's own controls are theirs
    if (!picked) {
      if (e.key === " ") {
        e.preventDefault();
        startPickup(card);
      }
      return;
    }
    if (["ArrowDown", "ArrowRight", "ArrowUp", "ArrowLeft"].includes(e.key)) {
      e.preventDefault();
      const step = e.key === "ArrowDown" || e.key === "ArrowRight" ? 1 : -1;
      picked.at = (picked.at + step + picked.targets.length) % picked.targets.length;
      showPickTarget();
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      const target = picked.targets[picked.at];
      const item = card.item;
      cancelPickup();
      if (target.kind === "merge") drop(item, target);
      else if (target.theme !== item.theme) {
        focusItemAfter = item.id;
        send("item_move", { item: item.id, theme: target.theme, index: null });
      }
    } else if (e.key === "Escape") {
      e.preventDefault();
      cancelPickup(t("g_cancelled"));
    }
  }

  function startPickup(card) {
    const targets = [{ kind: "move", theme: null, zone: looseZone, label: t("g_without_theme") }];
    for (const theme of gathering.themes) {
      targets.push({ kind: "move", theme: theme.id, zone: themeNodes.get(theme.id).root, label: theme.title });
    }
    for (const [id, other] of itemNodes) {
      if (id !== card.id) {
        targets.push({ kind: "merge", into: id, node: other.root, label: truncate(other.item.text, 60) });
      }
    }
    picked = { item: card.id, targets, at: 0 };
    card.root.classList.add("picked");
    announce(t("g_picked_up", { text: truncate(card.item.text, 60) }));
    showPickTarget();
  }

  function showPickTarget() {
    clearTargetMarks();
    const target = picked.targets[picked.at];
    const node = target.kind === "merge" ? target.node : target.zone;
    node.classList.add(target.kind === "merge" ? "merge-target" : "drop-active");
    node.scrollIntoView({ block: "nearest" });
    announce(
      target.kind === "merge"
        ? t("g_target_merge", { text: target.label })
        : t("g_target_move", { name: target.label })
    );
  }

  function cancelPickup(message) {
    if (!picked) return;
    const card = itemNodes.get(picked.item);
    if (card) card.root.classList.remove("picked");
    picked = null;
    clearTargetMarks();
    if (message) announce(message);
  }

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
      const ack = await send("theme_create", { title: s.title, items: s.items });
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
