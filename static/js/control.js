/* The facilitator's control page: phase, timer, the tables at a glance, the newest posts
 * (all tables or one) with moderation, the review queue; feedback and the audit trail. */
import { VotePanel } from "./control-vote.js";

(function () {
  const { t, roleLabel, el, connect, bindStatus, call, STATE_TIMEOUT_MS, Countdown, findingKinds,
    markedText, store } = window.Cafe;
  const root = document.getElementById("control");
  const eventId = parseInt(root.dataset.event, 10);
  const errorBox = document.getElementById("control-error");
  const countdown = Countdown(document.getElementById("timer"));
  const posts = new Map();

  const socket = connect("/facilitator", { event: eventId });
  // The vote phases' card (control-vote.js).
  const votes = VotePanel(socket);
  bindStatus(socket, document.getElementById("status"), sync);

  /** An average with one decimal in the page's language: "3,7" in Finnish and Swedish. */
  function oneDecimal(value) {
    const lang = document.documentElement.lang || "fi";
    return value.toLocaleString(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  async function send(name, payload) {
    const ack = await call(socket, name, payload);
    showError(ack.ok ? "" : ack.message);
    return ack;
  }

  async function sync() {
    const ack = await call(socket, "sync", {}, STATE_TIMEOUT_MS);
    if (!ack.ok) {
      showError(ack.message);
      // No answer in time (a restarted server busy with the phones' herd): ask again soon.
      if (ack.timeout && socket.connected) window.setTimeout(sync, 1000 + Math.random() * 2000);
      return;
    }
    const state = ack.state;
    window.Cafe.setPhases(state.event.phases);
    setPhase(state.event.phase);
    countdown.set(state.event.timer);
    for (const table of state.event.tables) setTable(table);
    posts.clear();
    for (const post of state.posts) posts.set(post.id, post);
    setPresence(state.presence);
    setAudit(state.audit);
    setPremoderation(state.premoderation);
    for (const vote of state.votes || []) votes.show(vote);
    renderAll();
    const feedback = await call(socket, "feedback_summary", {});
    if (feedback.ok) renderFeedback(feedback.summary);
  }

  // --- feedback per role ------------------------------------------------------------------
  function renderFeedback(summary) {
    const table = root.querySelector(".feedback-table");
    // Under 3 answers in all every role line is hidden too: only the total's row then.
    // A hidden role line has no count (null); a role nobody answered with (0) is left out.
    const lines = summary.total.shown ? [summary.total, ...summary.roles] : [summary.total];
    table.hidden = summary.total.count === 0;
    document.getElementById("feedback-empty").hidden = summary.total.count > 0;
    const hidden = (i) => t(i === 0 ? "fb_hidden" : "fb_role_hidden");
    table.querySelector("tbody").replaceChildren(
      ...lines
        .filter((line, i) => i === 0 || line.count !== 0)
        .map((line, i) =>
          el(
            "tr",
            { class: i === 0 ? "total" : "" },
            el("th", {
              scope: "row",
              text: i === 0 ? t("fb_everyone") : line.role ? roleLabel(line.role) : t("fb_no_role"),
            }),
            el("td", { text: line.shown ? String(line.count) : hidden(i) }),
            el("td", { text: line.shown && line.average !== null ? oneDecimal(line.average) : "–" }),
            el(
              "td",
              {},
              line.shown
                ? el("ul", { class: "fb-texts" }, ...line.texts.map((x) => el("li", { text: x })))
                : ""
            )
          )
        )
    );
  }
  socket.on("feedback", renderFeedback);

  // --- audit trail (newest first; later entries arrive as `audit` broadcasts) -------------
  const AUDIT_LIMIT = 50;
  let audit = [];
  function setAudit(entries) {
    audit = (entries || []).slice(0, AUDIT_LIMIT);
    renderAudit();
  }
  function addAudit(entry) {
    // A broadcast may cross a sync that already brought the entry.
    if (audit.some((known) => known.id === entry.id)) return;
    audit = [entry, ...audit].sort((a, b) => b.id - a.id).slice(0, AUDIT_LIMIT);
    renderAudit();
  }
  function clock(iso) {
    const time = new Date(iso);
    const two = (n) => String(n).padStart(2, "0");
    return `${two(time.getHours())}:${two(time.getMinutes())}`;
  }
  function actionLabel(action) {
    const key = "audit_" + action;
    const label = t(key);
    return label === key ? action : label;
  }
  function renderAudit() {
    const table = root.querySelector(".audit-table");
    table.hidden = audit.length === 0;
    document.getElementById("audit-empty").hidden = audit.length > 0;
    table.querySelector("tbody").replaceChildren(
      ...audit.map((entry) =>
        el(
          "tr",
          {},
          el("td", { class: "time" }, el("time", { datetime: entry.time, text: clock(entry.time) })),
          el("td", { text: entry.who || t("audit_automatic") }),
          el("td", { text: actionLabel(entry.action) }),
          el("td", { text: entry.detail })
        )
      )
    );
  }
  socket.on("audit", addAudit);

  // --- phase and timer ------------------------------------------------------------------
  for (const button of root.querySelectorAll("[data-phase]")) {
    button.addEventListener("click", () => send("phase", { phase: button.dataset.phase }));
  }
  let shownPhase = null;
  function setPhase(phase) {
    for (const button of root.querySelectorAll("[data-phase]")) {
      button.setAttribute("aria-pressed", button.dataset.phase === phase ? "true" : "false");
    }
    // Moving into the feedback phase opens the feedback as it comes in (once: the
    // facilitator may fold it again).
    const feedback = document.getElementById("feedback-panel");
    const entered = shownPhase !== null && phase !== shownPhase;
    if (entered && feedback && window.Cafe.phaseKind(phase) === "feedback") feedback.open = true;
    shownPhase = phase;
  }
  document.getElementById("timer-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const minutes = Number(document.getElementById("timer-minutes").value);
    const seconds = Number.isFinite(minutes) ? Math.round(minutes * 60) : -1;
    send("timer", { action: "set", seconds });
  });
  for (const button of root.querySelectorAll("[data-timer]")) {
    button.addEventListener("click", () => send("timer", { action: button.dataset.timer }));
  }

  // --- the tables at a glance -----------------------------------------------------------
  // Phones connected (as the board shows them), whether the table has a host, and how many
  // of its ideas phones and the board can see. No figure here is split by role.
  const rows = Array.from(root.querySelectorAll(".control-table"));
  function row(tableId) {
    return rows.find((tr) => tr.dataset.table === String(tableId)) || null;
  }
  function setTable(table) {
    const tr = row(table.id);
    if (!tr) return;
    tr.querySelector(".host").textContent = table.has_host ? t("ov_yes") : t("ov_no");
    tr.querySelector(".revoke").hidden = !table.has_host;
  }
  for (const tr of rows) {
    tr.querySelector(".revoke").addEventListener("click", () =>
      send("revoke_host", { table: parseInt(tr.dataset.table, 10) })
    );
    tr.querySelector(".offer").addEventListener("click", () =>
      send("offer_host", { table: parseInt(tr.dataset.table, 10) })
    );
  }
  function setPresence(presence) {
    for (const [tableId, n] of Object.entries(presence.tables)) {
      const tr = row(tableId);
      if (tr) tr.querySelector(".count").textContent = String(n);
    }
  }
  /** Held posts wait in the review queue; everything else is the tables' posts. */
  const inQueue = (post) => post.review && !post.hidden;

  function renderOverview() {
    const counts = new Map(rows.map((tr) => [tr.dataset.table, { ideas: 0, cores: 0 }]));
    for (const post of posts.values()) {
      const count = counts.get(String(post.table));
      if (!count || post.hidden || inQueue(post)) continue;
      count.ideas += 1;
      if (post.core) count.cores += 1;
    }
    for (const tr of rows) {
      const count = counts.get(tr.dataset.table);
      tr.querySelector(".ideas").textContent = String(count.ideas);
      tr.querySelector(".cores").textContent = String(count.cores);
    }
  }

  function renderAll() {
    renderOverview();
    renderFeed();
    renderReview();
  }

  // --- the posts, newest first, of every table or of one -----------------------------------
  const filterKey = `cafe.control.${eventId}.table`;
  const filterSelect = document.getElementById("table-filter");
  let filter = "";
  function setFilter(value) {
    filter = value && row(value) ? String(value) : "";
    filterSelect.value = filter;
    for (const tr of rows) {
      const picked = tr.dataset.table === filter;
      tr.classList.toggle("picked", picked);
      tr.querySelector(".table-pick").setAttribute("aria-pressed", picked ? "true" : "false");
    }
    store.set(filterKey, filter);
    renderFeed();
  }
  filterSelect.addEventListener("change", () => setFilter(filterSelect.value));
  for (const tr of rows) {
    // A table's name in the overview shows its posts; pressed again, every table's.
    tr.querySelector(".table-pick").addEventListener("click", () =>
      setFilter(filter === tr.dataset.table ? "" : tr.dataset.table)
    );
  }
  setFilter(store.get(filterKey, ""));

  function tableName(tableId) {
    const tr = row(tableId);
    return tr ? tr.querySelector(".table-pick").textContent : "";
  }

  function renderFeed() {
    const items = Array.from(posts.values())
      .filter((p) => !inQueue(p) && (!filter || String(p.table) === filter))
      .sort((a, b) => (a.created === b.created ? 0 : a.created < b.created ? 1 : -1));
    document.getElementById("feed-count").textContent = String(items.length);
    document.getElementById("feed").replaceChildren(
      ...(items.length ? items.map(renderPost) : [el("li", { class: "empty", text: t("no_ideas") })])
    );
  }

  function renderPost(post) {
    const toggle = el("button", {
      type: "button",
      class: "link small",
      text: post.hidden ? t("show") : t("hide"),
    });
    toggle.addEventListener("click", () => send("hide", { id: post.id, hidden: !post.hidden }));
    const meta = el("p", { class: "meta" });
    if (!filter) meta.append(el("span", { class: "where", text: tableName(post.table) }));
    meta.append(el("time", { datetime: post.created, text: clock(post.created) }));
    if (post.core) meta.append(el("span", { class: "badge", text: t("core") }));
    if (post.role) meta.append(el("span", { class: "role", text: roleLabel(post.role) }));
    if (post.hidden) meta.append(el("span", { class: "badge hidden-badge", text: t("hidden") }));
    return el(
      "li",
      {
        class: "post" + (post.core ? " core" : "") + (post.hidden ? " is-hidden" : ""),
        "data-id": post.id,
        "data-table": post.table,
      },
      el("p", { class: "text", text: post.text }),
      el("div", { class: "post-foot" }, meta, el("div", { class: "actions" }, toggle))
    );
  }

  // --- review queue (held posts) ---------------------------------------------------------
  const premoderation = document.getElementById("premoderation");
  function setPremoderation(on) {
    premoderation.checked = !!on;
    // Folded away, the settings still say when every post waits for approval.
    document.getElementById("premoderation-state").textContent = on ? t("premoderation_on") : "";
  }
  premoderation.addEventListener("change", async () => {
    const ack = await send("premoderation", { on: premoderation.checked });
    setPremoderation(ack.ok ? premoderation.checked : !premoderation.checked);
  });
  socket.on("premoderation", (data) => setPremoderation(data.on));

  function renderReview() {
    const held = Array.from(posts.values())
      .filter(inQueue)
      .sort((a, b) => (a.created < b.created ? -1 : 1));
    const box = document.getElementById("review");
    box.classList.toggle("empty-queue", held.length === 0);
    document.getElementById("review-count").textContent = held.length
      ? t("review_waiting", { n: held.length })
      : "";
    document.getElementById("review-list").replaceChildren(
      ...(held.length
        ? held.map(renderHeld)
        : [el("li", { class: "empty", text: t("review_empty") })])
    );
  }

  function renderHeld(post) {
    const state = post.findings.length
      ? post.review === "flagged"
        ? t("review_flagged")
        : t("review_queued")
      : t("review_premoderated");
    const meta = el("p", { class: "meta" });
    if (post.core) meta.append(el("span", { class: "badge", text: t("core") }));
    if (post.role) meta.append(el("span", { class: "role", text: roleLabel(post.role) }));
    meta.append(el("span", { text: state }));
    const approve = el("button", { type: "button", class: "secondary small", text: t("approve") });
    approve.addEventListener("click", () => send("approve", { id: post.id }));
    const actions = el("div", { class: "actions" }, approve);
    if (post.findings.length) {
      const mask = el("button", { type: "button", class: "primary small", text: t("mask") });
      mask.addEventListener("click", () => send("mask", { id: post.id }));
      actions.prepend(mask);
    }
    const hide = el("button", { type: "button", class: "link small danger", text: t("hide") });
    hide.addEventListener("click", () => send("hide", { id: post.id, hidden: true }));
    actions.append(hide);
    return el(
      "li",
      { class: "post held" + (post.core ? " core" : ""), "data-id": post.id },
      el("p", { class: "where", text: tableName(post.table) }),
      markedText("p", { class: "text" }, post.text, post.findings),
      post.findings.length
        ? el("p", { class: "held-note", text: t("pd_found", { kinds: findingKinds(post.findings) }) })
        : null,
      meta,
      actions
    );
  }

  socket.on("post", (post) => {
    posts.set(post.id, post);
    renderAll();
  });
  socket.on("post_removed", (data) => {
    posts.delete(data.id);
    renderAll();
  });
  socket.on("table", setTable);
  socket.on("presence", setPresence);
  socket.on("phase", (data) => setPhase(data.phase));
  socket.on("timer", (data) => countdown.set(data));
})();
