/* The participant's phone: choose a table, post ideas, see the table's ideas live.
 *
 * Nothing posted is lost: every idea gets a client-generated id and goes into an outbox in
 * localStorage before it is sent; it leaves the outbox only when the server acknowledges
 * it. On every (re)connect the phone re-joins its table (getting the full state it may have
 * missed) and resends the outbox; the server stores each id once.
 *
 * Any connected phone, seated or not, may also send an anonymous topic tip for the next
 * Cafe Social (the card at the bottom).
 */
"use strict";

(function () {
  const { t, roleLabel, el, uuid4, randomHex, store, Countdown, connect, bindStatus, call,
    STATE_TIMEOUT_MS, phaseLabel, renderSummary, setPhases, phaseKind, phasePrompt, findingKinds,
    markedText } = window.Cafe;
  const root = document.getElementById("phone");
  const code = root.dataset.code;
  const MAX = 500;
  const TIP_MAX = 300;

  // --- what this phone remembers --------------------------------------------------------
  let device = store.get("cafe.device", null);
  if (typeof device !== "string" || device.length < 22) {
    device = randomHex(24);
    store.set("cafe.device", device);
  }
  const seatKey = `cafe.seat.${code}`;
  // The table and role being chosen on the seat screen, before "Continue": a connection
  // that drops (or a reload) while choosing must not undo the choice.
  const pickKey = `cafe.pick.${code}`;
  const mineKey = `cafe.mine.${code}`;
  const outboxKey = `cafe.outbox.${code}`;
  let seat = store.get(seatKey, null); // {table, role}
  const preselected = parseInt(root.dataset.preselected, 10);
  if (preselected && (!seat || seat.table !== preselected)) {
    seat = { table: preselected, role: seat ? seat.role : null, fresh: true };
  }
  const mine = new Set(store.get(mineKey, []));
  let outbox = store.get(outboxKey, []);

  // --- what the server told us ----------------------------------------------------------
  let event = null;
  let table = null;
  let isHost = false;
  const posts = new Map();

  // --- elements -------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const status = $("status");
  const seatBox = $("seat");
  const tableBox = $("table");
  const idea = $("idea");
  const counter = $("counter");
  const composeError = $("compose-error");
  const asCore = $("as-core");
  const countdown = Countdown($("timer"));

  // The page's language: the phases' labels and prompts, and every answer, come in it.
  const socket = connect("/phone", { code, device, lang: document.documentElement.lang });
  bindStatus(socket, status, onConnect);
  socket.on("disconnect", () => {
    renderStatus();
    renderTipCard();
  });

  function saveOutbox() {
    store.set(outboxKey, outbox);
  }

  function renderStatus() {
    const waiting = outbox.length;
    if (!socket.connected) {
      status.textContent = t("offline");
      status.classList.add("offline");
    } else if (waiting) {
      status.textContent = t("unsent", { n: waiting });
    } else {
      status.textContent = t("connected");
      status.classList.remove("offline");
    }
  }

  // --- seating --------------------------------------------------------------------------
  // What the seat screen shows chosen: what was being chosen, else the seat.
  let pick = store.get(pickKey, null); // {table, role}
  if (pick && preselected && pick.table !== preselected) pick = null; // a new table's QR
  let chosenTable = pick && pick.table ? pick.table : seat ? seat.table : null;
  let choosing = false; // the seat screen is open: a reconnect must not close it
  function pickedRole() {
    const checked = seatBox.querySelector("input[name=role]:checked");
    return checked && checked.value ? checked.value : null;
  }
  function savePick() {
    pick = { table: chosenTable, role: pickedRole() };
    store.set(pickKey, pick);
  }
  for (const button of seatBox.querySelectorAll("[data-table]")) {
    button.addEventListener("click", () => {
      chosenTable = parseInt(button.dataset.table, 10);
      for (const b of seatBox.querySelectorAll("[data-table]")) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      }
      $("sit").disabled = false;
      savePick();
    });
  }
  for (const radio of seatBox.querySelectorAll("input[name=role]")) {
    radio.addEventListener("change", savePick);
  }
  $("sit").addEventListener("click", () => {
    // Offline now, it is joined on reconnect (the pick survives a reload meanwhile).
    seat = { table: chosenTable, role: pickedRole() };
    choosing = false;
    join();
  });
  $("change-table").addEventListener("click", () => {
    pick = null;
    store.set(pickKey, null);
    chosenTable = seat ? seat.table : null;
    showSeatPicker();
  });

  function showSeatPicker() {
    choosing = true;
    seatBox.hidden = false;
    tableBox.hidden = true;
    const shown = pick || seat;
    for (const b of seatBox.querySelectorAll("[data-table]")) {
      const pressed = chosenTable !== null && parseInt(b.dataset.table, 10) === chosenTable;
      b.setAttribute("aria-pressed", pressed ? "true" : "false");
    }
    const role = shown && shown.role ? shown.role : "";
    const radio = seatBox.querySelector(`input[name=role][value="${CSS.escape(role)}"]`);
    if (radio) radio.checked = true;
    $("sit").disabled = !chosenTable;
  }

  // A choice under way when the page was last left (reloaded offline, say): carry on with it.
  if (pick) showSeatPicker();

  function onConnect() {
    if (seat && seat.table && !seat.fresh) join();
    else if (!choosing) {
      // came from a table's QR (confirm the role first) or not seated yet
      showSeatPicker();
    }
    if (!seat || !seat.table || seat.fresh) syncPhase();
    renderStatus();
    renderTipCard();
  }

  /** Not seated: the phase may have moved on since the page loaded (it decides whether
   *  the tip card starts open). */
  async function syncPhase() {
    const ack = await call(socket, "sync", {}, STATE_TIMEOUT_MS);
    if (ack.ok) {
      setPhases(ack.state.event.phases);
      setPhase(ack.state.event.phase);
      showFeedback(ack.state.feedback);
    }
  }

  let joinRetry = null;
  async function join() {
    window.clearTimeout(joinRetry);
    if (!seat || !socket.connected) return;
    const where = { table: seat.table, role: seat.role };
    const ack = await call(socket, "join", where, STATE_TIMEOUT_MS);
    if (!ack.ok && ack.timeout && socket.connected) {
      // A server just restarted may be answering a thousand phones at once: ask again in
      // 1-3 s (spread, so as not to add to the herd), still seated, rather than sending
      // the participant back to the seat picker.
      joinRetry = window.setTimeout(join, 1000 + Math.random() * 2000);
      return;
    }
    if (!ack.ok) {
      if (!ack.timeout) seat = null;
      showSeatPicker();
      status.textContent = ack.message;
      return;
    }
    delete seat.fresh;
    store.set(seatKey, seat);
    applyState(ack.state);
    if (!choosing) {
      // Seated as chosen: what was being chosen is done with.
      pick = null;
      store.set(pickKey, null);
      seatBox.hidden = true;
      tableBox.hidden = false;
    }
    flush();
  }

  function applyState(state) {
    event = state.event;
    table = state.table;
    isHost = state.is_host;
    posts.clear();
    for (const post of state.posts) posts.set(post.id, post);
    setPhases(event.phases);
    setPhase(event.phase);
    showFeedback(state.feedback);
    countdown.set(event.timer);
    $("table-name").textContent = table ? table.name : "";
    renderHost();
    renderPosts();
    showSummary(state.summary);
  }

  // --- host role ------------------------------------------------------------------------
  function renderHost() {
    const text = $("host-text");
    const button = $("host-toggle");
    if (isHost) {
      text.textContent = t("you_are_host");
      button.textContent = t("release_host");
      button.hidden = false;
    } else if (table && table.has_host) {
      text.textContent = t("host_taken");
      button.hidden = true;
    } else {
      text.textContent = t("no_host");
      button.textContent = t("take_host");
      button.hidden = false;
    }
    $("core-direct").hidden = !isHost;
    if (!isHost) asCore.checked = false;
    $("host-box").classList.toggle("is-host", isHost);
    if (isHost || !table || table.has_host || table.id !== offeredTable) showOffer(null);
  }

  // --- the offer of a free host role (its host's phone left, or the facilitator handed
  // it on): shown until a phone takes the role, this one or another, or it is dismissed.
  let offeredTable = null;
  function showOffer(tableId) {
    offeredTable = tableId;
    $("host-offer").hidden = tableId === null;
  }
  socket.on("host_offer", (data) => {
    if (table && data.table === table.id && !isHost) showOffer(table.id);
  });
  $("host-offer-take").addEventListener("click", async () => {
    const ack = await call(socket, "claim_host", {});
    showOffer(null);
    if (!ack.ok) {
      showError(ack.message);
      return;
    }
    table = ack.table;
    isHost = true;
    renderHost();
    renderPosts();
  });
  $("host-offer-dismiss").addEventListener("click", () => showOffer(null));

  $("host-toggle").addEventListener("click", async () => {
    const claiming = !isHost;
    const ack = await call(socket, claiming ? "claim_host" : "release_host", {});
    if (!ack.ok) {
      showError(ack.message);
      return;
    }
    table = ack.table;
    isHost = claiming;
    renderHost();
    renderPosts();
  });

  // --- posting --------------------------------------------------------------------------
  function updateCounter() {
    const left = MAX - idea.value.length;
    counter.textContent = t("chars_left", { n: left });
    counter.classList.toggle("warn", left < 50);
  }
  idea.addEventListener("input", updateCounter);
  updateCounter();

  function showError(message) {
    composeError.textContent = message;
    composeError.hidden = !message;
    if (message) showNotice("");
  }

  function showNotice(message) {
    const notice = $("compose-notice");
    notice.textContent = message;
    notice.hidden = !message;
  }

  $("compose").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = idea.value.trim();
    if (!text) {
      showError(t("error"));
      return;
    }
    showError("");
    showNotice("");
    // The table and phase it was written in travel with it: a post that waits in the
    // outbox through a reconnect still lands at that table, in that phase's section.
    const item = {
      id: uuid4(),
      text,
      core: isHost && asCore.checked,
      table: seat.table,
      phase: document.body.dataset.phase || undefined,
    };
    outbox.push(item);
    saveOutbox();
    mine.add(item.id);
    store.set(mineKey, Array.from(mine).slice(-500));
    idea.value = "";
    asCore.checked = false;
    updateCounter();
    renderPosts();
    renderStatus();
    flush();
  });

  let flushing = false;
  async function flush() {
    if (flushing || !socket.connected || !seat || !event) return;
    flushing = true;
    try {
      while (outbox.length && socket.connected) {
        const item = outbox[0];
        const ack = await call(socket, "post", item, 8000);
        if (ack.ok) {
          outbox = outbox.filter((p) => p.id !== item.id);
          saveOutbox();
          if (ack.post.table === seat.table) posts.set(ack.post.id, ack.post);
          // Held back by the personal-data screen: say so where the writer is looking.
          if (ack.post.review === "flagged" && !ack.duplicate) showNotice(t("held_notice"));
        } else if (ack.timeout || ack.error === "rate_limited") {
          if (ack.error === "rate_limited") showError(ack.message);
          break; // keep it; retried by the timer below or on reconnect
        } else {
          // Refused for good (too long, say): take it out of the outbox but give the text
          // back to the writer, so nothing they wrote is lost.
          outbox = outbox.filter((p) => p.id !== item.id);
          saveOutbox();
          if (!idea.value) idea.value = item.text;
          updateCounter();
          showError(ack.message);
        }
        renderPosts();
        renderStatus();
      }
    } finally {
      flushing = false;
    }
  }
  window.setInterval(() => {
    if (outbox.length) flush();
  }, 5000);

  // --- broadcasts -----------------------------------------------------------------------
  socket.on("post", (post) => {
    if (!seat || post.table !== seat.table) return;
    posts.set(post.id, post);
    renderPosts();
  });
  socket.on("post_removed", (data) => {
    posts.delete(data.id);
    renderPosts();
  });
  socket.on("table", (data) => {
    if (table && data.id === table.id) {
      table = data;
      renderHost();
    }
  });
  socket.on("you_host", (data) => {
    if (table && data.table === table.id) {
      isHost = data.host;
      renderHost();
      renderPosts();
    }
  });
  socket.on("phase", (data) => setPhase(data.phase));
  socket.on("timer", (data) => countdown.set(data));
  socket.on("summary", showSummary);

  function setPhase(phase) {
    $("phase").textContent = phaseLabel(phase);
    document.body.dataset.phase = phase;
    // The template's question for this phase ("What worked?"), in this phone's language.
    const prompt = phasePrompt(phase);
    $("prompt").textContent = prompt;
    $("prompt").hidden = !prompt;
    $("feedback-card").hidden = phaseKind(phase) !== "feedback";
    renderSummaryVisibility();
    renderTipOpen(phase);
  }

  // --- feedback (a template's feedback phase) --------------------------------------------
  const feedbackForm = $("feedback-form");

  /** Show what this phone already answered, so it can change it. */
  function showFeedback(answer) {
    if (!answer) return;
    const radio = feedbackForm.querySelector(`input[name=rating][value="${answer.rating}"]`);
    if (radio) radio.checked = true;
    feedbackForm.elements.text.value = answer.text;
    if (feedbackForm.elements.role) feedbackForm.elements.role.value = answer.role || "";
    $("feedback-status").textContent = t("fb_thanks");
  }

  feedbackForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const checked = feedbackForm.querySelector("input[name=rating]:checked");
    const payload = {
      rating: checked ? parseInt(checked.value, 10) : null,
      text: feedbackForm.elements.text.value,
    };
    if (feedbackForm.elements.role) payload.role = feedbackForm.elements.role.value || null;
    else if (seat) payload.role = seat.role || null;
    const ack = await call(socket, "feedback", payload);
    $("feedback-status").textContent = ack.ok ? t("fb_thanks") : ack.message;
    $("feedback-status").classList.toggle("error", !ack.ok);
  });

  // --- the shared summary ---------------------------------------------------------------
  let hasSummary = false;

  function showSummary(summary) {
    hasSummary = renderSummary($("summary"), summary);
    renderSummaryVisibility();
  }

  /** Every phone follows the summary while the room gathers and after (no pseudo-
   *  participation: a table sees its idea reach the shared text). */
  function renderSummaryVisibility() {
    const phase = document.body.dataset.phase;
    const kind = phaseKind(phase);
    $("summary-section").hidden = !(hasSummary && (kind === "gather" || kind === "summary"));
  }

  // --- topic tips for the next Cafe Social ---------------------------------------------
  const tipCard = $("tip-card");
  const tipText = $("tip-text");
  const tipSend = $("tip-send");
  const tipCounter = $("tip-counter");
  let tipSending = false;
  let tipPhase = null;

  /** Shown while connected (and kept, send disabled, while it holds unsent words). */
  function renderTipCard() {
    tipCard.hidden = !socket.connected && !tipText.value.trim();
    tipSend.disabled = tipSending || !socket.connected;
  }

  /** Unobtrusive while the talks and tables go on, open once the room gathers. Only a
   *  change of phase opens or closes it, and never while a tip is being written. */
  const isLate = (phase) => ["gather", "summary", "feedback"].includes(phaseKind(phase));
  function renderTipOpen(phase) {
    if (tipPhase !== null && isLate(phase) !== isLate(tipPhase) && !tipText.value) {
      tipCard.open = isLate(phase);
    }
    tipPhase = phase;
  }

  function showTipResult(thanks, error) {
    $("tip-thanks").textContent = thanks;
    $("tip-thanks").hidden = !thanks;
    $("tip-error").textContent = error;
    $("tip-error").hidden = !error;
  }

  function updateTipCounter() {
    const left = TIP_MAX - tipText.value.length;
    tipCounter.textContent = t("chars_left", { n: left });
    tipCounter.classList.toggle("warn", left < 30);
  }
  tipText.addEventListener("input", () => {
    updateTipCounter();
    if (tipText.value) showTipResult("", "");
  });
  updateTipCounter();

  $("tip-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (tipSending || !socket.connected) return;
    tipSending = true;
    renderTipCard();
    showTipResult("", "");
    const ack = await call(socket, "tip", { text: tipText.value });
    tipSending = false;
    if (ack.ok) {
      tipText.value = "";
      updateTipCounter();
      showTipResult(t("tip_thanks"), "");
    } else {
      showTipResult("", ack.message);
    }
    renderTipCard();
  });

  // --- rendering ------------------------------------------------------------------------
  function renderPosts() {
    const all = Array.from(posts.values());
    const pending = outbox
      .filter((p) => seat && p.table === seat.table && !posts.has(p.id))
      .map((p) => ({ id: p.id, text: p.text, core: p.core, role: seat.role, pending: true }));
    all.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
    const items = all.concat(pending);
    fill($("core-list"), items.filter((p) => p.core), t("no_core"));
    fill($("post-list"), items.filter((p) => !p.core), t("no_ideas"));
  }

  function fill(list, items, emptyText) {
    const editing = list.querySelector("li.editing");
    if (editing) return; // do not pull the text box from under the writer's fingers
    list.replaceChildren(
      ...(items.length ? items.map(renderPost) : [el("li", { class: "empty", text: emptyText })])
    );
  }

  function renderPost(post) {
    // Only the writer's phone is ever sent a held post (with its review state).
    const held = !!post.review;
    const own = held || mine.has(post.id);
    const meta = el("p", { class: "meta" });
    if (post.role) meta.append(el("span", { class: "role", text: roleLabel(post.role) }));
    if (own) meta.append(el("span", { class: "mine", text: t("mine") }));
    if (post.edited) meta.append(el("span", { text: t("edited") }));
    if (post.pending) meta.append(el("span", { class: "pending", text: t("sending") }));
    const actions = el("div", { class: "actions" });
    if (isHost && !post.pending && !held) {
      const mark = el("button", {
        type: "button",
        class: "link small",
        text: post.core ? t("unmark_core") : t("mark_core"),
      });
      mark.addEventListener("click", async () => {
        const ack = await call(socket, "mark_core", { id: post.id, core: !post.core });
        if (!ack.ok) showError(ack.message);
        else {
          posts.set(ack.post.id, ack.post);
          renderPosts();
        }
      });
      actions.append(mark);
    }
    const classes = ["post"];
    if (post.core) classes.push("core");
    if (post.pending) classes.push("pending");
    if (held) classes.push("held");
    const text = held
      ? markedText("p", { class: "text" }, post.text, post.findings)
      : el("p", { class: "text", text: post.text });
    const item = el("li", { class: classes.join(" "), "data-id": post.id }, text);
    if (held) {
      // Only the writer's phone ever gets a held post: say why, and the two ways on.
      const note =
        post.review === "flagged"
          ? t("held_flagged", { kinds: findingKinds(post.findings) })
          : t("held_queued");
      item.append(el("p", { class: "held-note", text: note }));
    }
    item.append(meta, actions);
    if (own && !post.pending) {
      const edit = el("button", {
        type: "button",
        class: held ? "secondary small" : "link small",
        text: held ? t("rewrite") : t("edit"),
      });
      const del = el("button", { type: "button", class: "link small danger", text: t("delete") });
      edit.addEventListener("click", () => startEdit(item, post));
      del.addEventListener("click", async () => {
        if (!window.confirm(t("confirm_delete"))) return;
        const ack = await call(socket, "delete", { id: post.id });
        if (!ack.ok) showError(ack.message);
        else {
          posts.delete(post.id);
          renderPosts();
        }
      });
      actions.append(edit);
      if (held && post.review === "flagged") {
        const review = el("button", { type: "button", class: "link small", text: t("send_for_review") });
        review.addEventListener("click", async () => {
          const ack = await call(socket, "request_review", { id: post.id });
          if (!ack.ok) showError(ack.message);
          else {
            posts.set(ack.post.id, ack.post);
            renderPosts();
          }
        });
        actions.append(review);
      }
      actions.append(del);
    }
    return item;
  }

  function startEdit(item, post) {
    item.classList.add("editing");
    const box = el("textarea", {
      rows: 3, maxLength: MAX, value: post.text, "aria-label": t("idea_label"),
    });
    const error = el("p", { class: "error", role: "alert", hidden: true });
    const save = el("button", { type: "button", class: "primary small", text: t("save") });
    const cancel = el("button", { type: "button", class: "secondary small", text: t("cancel") });
    const done = () => {
      item.classList.remove("editing");
      renderPosts();
    };
    cancel.addEventListener("click", done);
    save.addEventListener("click", async () => {
      const ack = await call(socket, "edit", { id: post.id, text: box.value });
      if (!ack.ok) {
        error.textContent = ack.message;
        error.hidden = false;
        return;
      }
      posts.set(ack.post.id, ack.post);
      done();
    });
    item.replaceChildren(box, el("div", { class: "actions" }, save, cancel), error);
    box.focus();
  }

  if (!seat) showSeatPicker();
  setPhase(root.dataset.phase);
  renderStatus();
  renderTipCard();
})();
