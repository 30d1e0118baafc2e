/* The participant's phone: choose a table, post ideas, see the table's ideas live.
 *
 * Nothing posted is lost: every idea gets a client-generated id and goes into an outbox in
 * localStorage before it is sent; it leaves the outbox only when the server acknowledges
 * it. On every (re)connect the phone re-joins its table (getting the full state it may have
 * missed) and resends the outbox; the server stores each id once.
 *
 * This module connects, keeps what the server said (`phone`, shared with the parts) and
 * follows the phase. The parts, in static/js/phone/: seat.js (the seat, joining, the host
 * role), posts.js (composer, outbox, the table's ideas), feedback.js (feedback and topic
 * tips). Dot-voting (vote.js) is fetched only when needed (LazyVoting).
 */
import { votesKey } from "./outbox.js";
import { Feedback, Tips } from "./phone/feedback.js";
import { Posts } from "./phone/posts.js";
import { Host, remembered, Seating } from "./phone/seat.js";

const { t, randomHex, store, Countdown, connect, bindStatus, call, STATE_TIMEOUT_MS, phaseLabel,
  renderSummary, setPhases, phaseKind, phasePrompt } = window.Cafe;
const $ = (id) => document.getElementById(id);
const root = $("phone");
const code = root.dataset.code;
const status = $("status");
const countdown = Countdown($("timer"));
const remembers = remembered(store, code, parseInt(root.dataset.preselected, 10), randomHex);

// The page's language: the phases' labels and prompts, and every answer, come in it.
const socket = connect("/phone", { code, device: remembers.device, lang: document.documentElement.lang });

/** What the parts share: the connection, the seat, and what the server last said. */
const phone = {
  socket,
  code,
  seat: remembers.seat, // {table, role}
  event: null,
  phases: [],
  table: null,
  isHost: false,
  posts: new Map(), // id → post, this table's
  applyState,
  renderStatus,
};

const posts = Posts(phone);
const host = Host(phone);
const feedback = Feedback(phone);
const tips = Tips(phone);
const voting = LazyVoting();
Object.assign(phone, { flush: posts.flush, renderPosts: posts.render, showError: posts.showError });
const seating = Seating(phone, remembers.pick);

bindStatus(socket, status, onConnect);
socket.on("disconnect", () => {
  renderStatus();
  tips.render();
});

function renderStatus() {
  const waiting = posts.waiting;
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

function onConnect() {
  // Not seated: the phase may have moved on since the page loaded (it decides whether
  // the tip card starts open).
  if (!seating.connected()) syncPhase();
  renderStatus();
  tips.render();
}

async function syncPhase() {
  const ack = await call(socket, "sync", {}, STATE_TIMEOUT_MS);
  if (ack.ok) {
    setEventPhases(ack.state.event.phases);
    setPhase(ack.state.event.phase);
    feedback.show(ack.state.feedback);
    voting.show(ack.state.vote);
  }
}

/** The state a `join` answers with: the event, the table, its posts, the summary. */
function applyState(state) {
  phone.event = state.event;
  phone.table = state.table;
  phone.isHost = state.is_host;
  phone.posts.clear();
  for (const post of state.posts) phone.posts.set(post.id, post);
  setEventPhases(state.event.phases);
  setPhase(state.event.phase);
  feedback.show(state.feedback);
  voting.show(state.vote);
  countdown.set(state.event.timer);
  $("table-name").textContent = phone.table ? phone.table.name : "";
  host.render();
  posts.render();
  showSummary(state.summary);
}

function setEventPhases(list) {
  phone.phases = Array.isArray(list) ? list : [];
  setPhases(list);
}

function setPhase(phase) {
  $("phase").textContent = phaseLabel(phase);
  document.body.dataset.phase = phase;
  // The template's question for this phase ("What worked?"), in this phone's language.
  const prompt = phasePrompt(phase);
  $("prompt").textContent = prompt;
  $("prompt").hidden = !prompt;
  feedback.phase(phase);
  voting.phase(phase);
  renderSummaryVisibility();
  tips.phase(phase);
}

socket.on("phase", (data) => setPhase(data.phase));
socket.on("timer", (data) => countdown.set(data));
socket.on("summary", showSummary);

// --- the shared summary ------------------------------------------------------------------
let hasSummary = false;

function showSummary(summary) {
  hasSummary = renderSummary($("summary"), summary);
  renderSummaryVisibility();
}

/** Every phone follows the summary while the room gathers and after (no pseudo-
 *  participation: a table sees its idea reach the shared text). */
function renderSummaryVisibility() {
  const kind = phaseKind(document.body.dataset.phase);
  $("summary-section").hidden = !(hasSummary && (kind === "gather" || kind === "summary"));
}

// --- dot-voting, fetched when needed --------------------------------------------------------
/**
 * vote.js's `Voting`, fetched (through the import map, so versioned like the rest) only
 * when this phone needs it: in a vote phase, when a round arrives, or with taps left unsent
 * in its outbox. In the phase before a vote phase it is fetched at a random moment within
 * 30 s, so that the card is ready when voting opens and a room of phones does not ask for
 * it at one instant. Until it is here, the last phase and round are kept and handed over.
 */
function LazyVoting() {
  const EARLY_MS = 30000;
  let voting = null;
  let loading = null;
  let early = null;
  let shownPhase = null;
  let round; // the round shown since the last (re)join; undefined: none yet

  function load() {
    window.clearTimeout(early);
    early = null;
    loading ??= import("./vote.js").then(
      ({ Voting }) => {
        voting = Voting(socket, code);
        voting.phase(shownPhase);
        if (round !== undefined) voting.show(round);
      },
      () => {
        loading = null; // offline: asked again with the next state or phase
      }
    );
  }

  socket.on("vote", (vote) => {
    if (voting || vote.phase !== shownPhase) return;
    round = vote;
    load();
  });
  socket.on("disconnect", () => {
    if (!voting) round = undefined; // vote.js sends nothing before the phone has joined again
  });
  const waiting = store.get(votesKey(code), []);
  if (Array.isArray(waiting) && waiting.length) load();

  return {
    show(vote) {
      if (voting) return voting.show(vote);
      round = vote;
      if (vote) load();
    },
    phase(id) {
      if (voting) return voting.phase(id);
      shownPhase = id;
      if (phaseKind(id) === "vote") return load();
      const at = phone.phases.findIndex((p) => p.id === id);
      const next = at >= 0 ? phone.phases[at + 1] : null;
      if (next && next.kind === "vote" && !loading && !early) {
        early = window.setTimeout(load, Math.random() * EARLY_MS);
      }
    },
  };
}

setPhase(root.dataset.phase);
renderStatus();
tips.render();
