/* The projected board: read-only, follows phase, timer, presence and every table's core
 * ideas. After every (re)connect it asks for the full state, so nothing missed while the
 * projector's laptop slept stays missing.
 *
 * A projector never scrolls and its text never shrinks below a floor readable from the
 * back of the room (28 px at 1080p), so what does not fit is shown in turns, and the board
 * always says which part is on screen ("4–6 of 20"):
 *   pages/layout.js         pack(): measured heights into pages that each fit a box;
 *                           gridFor(): how many columns and rows the tables take, and
 *                           how many at a time; dwell(): how long a page stays
 *   pages/table-pager.js    TablePager: one table's core ideas, page after page, live
 *                           updates keep the place
 *   pages/summary-pager.js  SummaryPager: the shared summary, fitted down to the floor,
 *                           then paged
 * The tables themselves turn group by group here.
 */
import { gridFor } from "./pages/layout.js";
import { narrow, reducedMotion } from "./pages/screen.js";
import { SummaryPager } from "./pages/summary-pager.js";
import { TablePager } from "./pages/table-pager.js";

(function () {
  const { t, el, connect, bindStatus, call, STATE_TIMEOUT_MS, Countdown, phaseLabel,
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
    showVote(state.vote);
  }

  // --- the shared summary ("Yhteenveto" phase) ----------------------------------------------
  const summaryView = document.getElementById("summary-view");
  const summaryPager = SummaryPager(
    document.getElementById("summary"),
    document.getElementById("summary-pager")
  );

  function showSummary(summary) {
    const scratch = el("div");
    const any = renderSummary(scratch, summary);
    document.getElementById("summary-empty").hidden = any;
    // Pages break between blocks: each opening paragraph is a block of its own.
    const blocks = [];
    for (const block of Array.from(scratch.children)) {
      if (block.classList.contains("summary-intro")) {
        for (const child of Array.from(block.children)) blocks.push(el("div", { class: "summary-intro" }, child));
      } else {
        blocks.push(block);
      }
    }
    summaryPager.set(blocks);
  }

  // --- the tables' core ideas ----------------------------------------------------------------
  const tablesBox = document.getElementById("tables");
  const tablesArea = tablesBox.parentElement;
  const tablesPager = document.getElementById("tables-pager");
  const articles = Array.from(root.querySelectorAll(".board-table"));
  const pagers = new Map(articles.map((a) => [parseInt(a.dataset.table, 10), TablePager(a)]));
  // Beyond the tables that fit at a readable size, the board shows them in turns, a group
  // at a time, and says which ("Tables 1–8 of 15"); every table keeps its own place.
  const GROUP_MS = 30000;
  let groups = [articles];
  let group = 0;
  let groupTimer = null;

  function column(tableId) {
    return root.querySelector(`.board-table[data-table="${tableId}"]`);
  }

  /** Choose the grid for the space the tables have, and the groups shown in turn. */
  function layoutTables() {
    if (tablesArea.hidden) return;
    const wide = !narrow();
    let perGroup = articles.length;
    tablesBox.style.gridTemplateColumns = "";
    tablesBox.style.gridTemplateRows = "";
    if (wide && articles.length) {
      // The space the grid has with every table hidden (the tables' own content must
      // not decide how big the grid is).
      for (const a of articles) a.hidden = true;
      const box = tablesBox.getBoundingClientRect();
      const style = getComputedStyle(tablesBox);
      const grid = gridFor(
        articles.length,
        box.width,
        box.height,
        parseFloat(style.fontSize),
        parseFloat(style.columnGap) || 0
      );
      perGroup = grid.perGroup;
      tablesBox.style.gridTemplateColumns = `repeat(${grid.cols}, minmax(0, 1fr))`;
      tablesBox.style.gridTemplateRows = `repeat(${grid.rows}, minmax(0, 1fr))`;
    }
    const count = Math.ceil(articles.length / perGroup);
    groups = [];
    for (let i = 0; i < count; i++) {
      // Balanced groups (8 and 7 rather than 9 and 6).
      groups.push(articles.slice(Math.round((i * articles.length) / count), Math.round(((i + 1) * articles.length) / count)));
    }
    group = Math.min(group, groups.length - 1);
    showGroup(false);
  }

  function showGroup(turned) {
    const shown = new Set(groups[group] || []);
    for (const a of articles) a.hidden = !shown.has(a);
    for (const a of articles) {
      const pager = pagers.get(parseInt(a.dataset.table, 10));
      const on = shown.has(a) && !tablesArea.hidden;
      if (on) pager.resize();
      // A table coming round again goes on from the page after the one last shown.
      pager.run(on, turned);
    }
    const current = groups[group] || [];
    tablesPager.hidden = groups.length <= 1;
    tablesPager.textContent = t("b_tables_range", {
      first: articles.indexOf(current[0]) + 1,
      last: articles.indexOf(current[current.length - 1]) + 1,
      total: articles.length,
    });
    tablesPager.dataset.group = String(group + 1);
    tablesPager.dataset.groups = String(groups.length);
    if (turned && !reducedMotion()) {
      tablesBox.classList.remove("turned");
      void tablesBox.offsetWidth;
      tablesBox.classList.add("turned");
    }
    window.clearTimeout(groupTimer);
    groupTimer = null;
    if (groups.length > 1 && !tablesArea.hidden) {
      groupTimer = window.setTimeout(() => {
        group = (group + 1) % groups.length;
        showGroup(true);
      }, GROUP_MS);
    }
  }

  function renderAll() {
    for (const tableId of pagers.keys()) renderTable(tableId);
  }

  function renderTable(tableId, fresh) {
    const pager = pagers.get(tableId);
    if (!pager) return;
    pager.set(
      Array.from(cores.values()).filter((p) => p.table === tableId),
      fresh
    );
  }

  function setPresence(presence) {
    for (const [tableId, n] of Object.entries(presence.tables)) {
      const article = column(tableId);
      if (!article) continue;
      const header = article.querySelector("header");
      const before = header.offsetHeight;
      article.querySelector(".count").textContent = t("phones", { n });
      // A count one digit longer can wrap the header and leave the ideas less room.
      if (header.offsetHeight !== before && !article.hidden) pagers.get(parseInt(tableId, 10)).resize();
    }
  }

  function setPhase(phase) {
    document.getElementById("phase").textContent = phaseLabel(phase);
    document.body.dataset.phase = phase;
    // In a summary phase the projector shows the shared summary instead of the tables; in
    // a vote phase, the vote.
    const summaryPhase = phaseKind(phase) === "summary";
    const votePhase = phaseKind(phase) === "vote";
    summaryView.hidden = !summaryPhase;
    voteView.hidden = !votePhase;
    tablesArea.hidden = summaryPhase || votePhase;
    summaryPager.run(summaryPhase);
    if (!votePhase) voteRound = null;
    if (summaryPhase || votePhase) {
      window.clearTimeout(groupTimer);
      for (const pager of pagers.values()) pager.run(false);
    } else {
      layoutTables();
    }
  }

  // --- a vote phase: the count of phones that voted, then the revealed chart ---------------
  const voteView = document.getElementById("vote-view");
  let voteRound = null;

  function showVote(vote) {
    voteRound = vote && vote.phase === document.body.dataset.phase ? vote : null;
    renderVote();
  }

  /** The server's chart (cafe/domain/votes.py: escaped texts, presentation attributes, no
   *  script) as an element: parsed as SVG, never as HTML, and only if it is an <svg>. */
  function chartNode(text) {
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    const svg = doc.documentElement;
    if (svg.localName !== "svg" || svg.namespaceURI !== "http://www.w3.org/2000/svg") return null;
    for (const node of svg.querySelectorAll("script, foreignObject")) node.remove();
    return document.importNode(svg, true);
  }

  function renderVote() {
    const round = voteRound;
    const revealed = !!(round && round.revealed && round.chart);
    voteView.classList.toggle("revealed", revealed);
    const lead = !round ? "" : round.state === "open" ? t("b_vote_open") : round.state === "closed" ? t("b_vote_closed") : t("b_vote_ready");
    const leadNode = document.getElementById("vote-lead");
    // Read aloud when it changes (aria-live): a new count alone does not repeat it.
    if (leadNode.textContent !== (revealed ? "" : lead)) leadNode.textContent = revealed ? "" : lead;
    leadNode.hidden = revealed;
    document.getElementById("vote-voters").textContent = round ? String(round.voters) : "";
    document.getElementById("vote-voters").hidden = revealed || !round;
    const votersLabel = document.getElementById("vote-voters-label");
    // "1 puhelin on äänestänyt" but "2 puhelinta on äänestänyt": fi, sv and en have one form
    // for exactly one and another for every other count.
    votersLabel.textContent = t(round && round.voters === 1 ? "b_vote_voter" : "b_vote_voters");
    votersLabel.hidden = revealed || !round;
    const box = document.getElementById("vote-chart");
    const chart = revealed ? chartNode(round.chart) : null;
    box.replaceChildren(...(chart ? [chart] : []));
    const more = document.getElementById("vote-more");
    const total = revealed ? round.results.length : 0;
    const shown = chart ? chart.querySelectorAll(".chart-row").length : 0;
    more.hidden = !(revealed && shown < total);
    more.textContent = t("b_vote_more", { n: shown, total });
  }

  socket.on("vote", showVote);
  socket.on("vote_count", (count) => {
    if (!voteRound || count.phase !== voteRound.phase) return;
    voteRound.voters = count.voters;
    renderVote();
  });

  let resizing = null;
  window.addEventListener("resize", () => {
    // One layout per frame however many resize events the window sends.
    if (resizing) return;
    resizing = window.requestAnimationFrame(() => {
      resizing = null;
      layoutTables();
      summaryPager.resize();
    });
  });
  // A cell can change size with the window unchanged (the timer appears in the head, a
  // table's name wraps): its pages are measured again, so that no idea runs out of it.
  const heights = new Map();
  const cellWatcher = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const list = entry.target;
      const height = Math.round(entry.contentRect.height);
      const article = list.closest(".board-table");
      if (height === heights.get(list) || article.hidden) continue;
      heights.set(list, height);
      if (height > 0) pagers.get(parseInt(article.dataset.table, 10)).resize();
    }
  });
  for (const a of articles) cellWatcher.observe(a.querySelector(".cores"));

  socket.on("core", (post) => {
    const before = cores.get(post.id);
    cores.set(post.id, post);
    // A new idea joins its table's turns; an edited one is redrawn where it is.
    renderTable(post.table, before ? null : post.id);
    if (before && before.table !== post.table) renderTable(before.table);
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
