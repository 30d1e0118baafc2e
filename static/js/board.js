/* The projected board: read-only, follows phase, timer, presence and every table's core
 * ideas. After every (re)connect it asks for the full state, so nothing missed while the
 * projector's laptop slept stays missing. */
"use strict";

(function () {
  const { t, roleLabel, el, connect, bindStatus, call, STATE_TIMEOUT_MS, Countdown, phaseLabel,
    renderSummary, setPhases, phaseKind } = window.Cafe;
  const root = document.getElementById("board");
  const countdown = Countdown(document.getElementById("timer"));
  const cores = new Map();

  const socket = connect("/board", { token: root.dataset.token });
  bindStatus(socket, document.getElementById("status"), sync);

  async function sync() {
    const ack = await call(socket, "sync", {}, STATE_TIMEOUT_MS);
    if (!ack.ok) {
      // No answer in time (a restarted server busy with the phones' herd): ask again soon.
      if (ack.timeout && socket.connected) window.setTimeout(sync, 1000 + Math.random() * 2000);
      return;
    }
    const state = ack.state;
    setPhases(state.event.phases);
    setPhase(state.event.phase);
    countdown.set(state.event.timer);
    cores.clear();
    for (const post of state.cores) cores.set(post.id, post);
    setPresence(state.presence);
    renderAll();
    showSummary(state.summary);
  }

  // --- the shared summary ("Yhteenveto" phase) ----------------------------------------------
  const summaryView = document.getElementById("summary-view");
  const summaryBox = document.getElementById("summary");

  function showSummary(summary) {
    const any = renderSummary(summaryBox, summary);
    document.getElementById("summary-empty").hidden = any;
    fitSummary();
  }

  /** The board never scrolls: shrink the summary's type step by step until it fits. */
  function fitSummary() {
    if (summaryView.hidden) return;
    let size = 1.5;
    summaryBox.style.fontSize = size + "em";
    // Overflowing newspaper columns spill sideways, so width counts as well as height.
    const overflows = () =>
      summaryBox.scrollHeight > summaryBox.clientHeight + 1 ||
      summaryBox.scrollWidth > summaryBox.clientWidth + 1;
    while (size > 0.6 && overflows()) {
      size -= 0.05;
      summaryBox.style.fontSize = size.toFixed(2) + "em";
    }
  }
  window.addEventListener("resize", fitSummary);

  function column(tableId) {
    return root.querySelector(`.board-table[data-table="${tableId}"]`);
  }

  function renderAll() {
    for (const article of root.querySelectorAll(".board-table")) {
      renderTable(parseInt(article.dataset.table, 10));
    }
  }

  function renderTable(tableId) {
    const article = column(tableId);
    if (!article) return;
    // Newest first: on a screen that never scrolls, the latest ideas must always show.
    const items = Array.from(cores.values())
      .filter((p) => p.table === tableId)
      .sort((a, b) => (a.created < b.created ? 1 : -1));
    article.querySelector(".cores").replaceChildren(
      ...items.map((p) =>
        el(
          "li",
          { class: "core", "data-id": p.id },
          el("span", { class: "text", text: p.text }),
          p.role ? el("span", { class: "role", text: roleLabel(p.role) }) : null
        )
      )
    );
    article.querySelector(".empty").hidden = items.length > 0;
  }

  function setPresence(presence) {
    for (const [tableId, n] of Object.entries(presence.tables)) {
      const article = column(tableId);
      if (article) article.querySelector(".count").textContent = t("phones", { n });
    }
  }

  function setPhase(phase) {
    document.getElementById("phase").textContent = phaseLabel(phase);
    document.body.dataset.phase = phase;
    // In a summary phase the projector shows the shared summary instead of the tables.
    const summaryPhase = phaseKind(phase) === "summary";
    summaryView.hidden = !summaryPhase;
    document.getElementById("tables").hidden = summaryPhase;
    fitSummary();
  }

  socket.on("core", (post) => {
    cores.set(post.id, post);
    renderTable(post.table);
    const item = root.querySelector(`li[data-id="${CSS.escape(post.id)}"]`);
    if (item) item.classList.add("fresh");
  });
  socket.on("core_removed", (data) => {
    cores.delete(data.id);
    renderTable(data.table);
  });
  socket.on("presence", setPresence);
  socket.on("summary", showSummary);
  socket.on("phase", (data) => setPhase(data.phase));
  socket.on("timer", (data) => countdown.set(data));

  document.getElementById("fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
})();
