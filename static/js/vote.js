/* Dot-voting on the participant's phone: in a template's vote phase, the items (themes, or
 * a section's core ideas) as large + / − buttons, with the dots left said aloud to screen
 * readers as they change.
 *
 * Every tap goes into the ballot's outbox (ballot.js, on outbox.js) before it is sent and
 * leaves it once acknowledged; after a reconnect, once the phone has joined again (so that
 * its role tag travels with the vote), the outbox is sent again. A vote the server refuses
 * for good (voting closed, no dots left) is taken back and the reason shown.
 *
 * phone.js fetches this module only when the phone needs it (a vote phase, a round, taps
 * left unsent) and creates it: `const voting = Voting(socket, code)`, then
 * `voting.show(state.vote)` with every state and `voting.phase(phase)` on every phase change.
 */
import { Ballot } from "./ballot.js";

export function Voting(socket, code) {
  const { t, el, uuid4, store, call, phaseKind } = window.Cafe;
  const $ = (id) => document.getElementById(id);
  const card = $("vote-card");
  const list = $("vote-items");
  const left = $("vote-left");
  const rule = $("vote-rule");
  const stateLine = $("vote-state");
  const errorBox = $("vote-error");
  const results = $("vote-results");

  const ballot = new Ballot(store, code, uuid4);
  let phase = null;
  // Sent only once the phone has (re)joined: its role tag travels with its votes.
  let joined = false;

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  /** The round (a `vote` payload, with `mine` and `left` in a phone's state), or null. */
  function show(vote) {
    joined = true;
    ballot.setRound(vote);
    render();
    flush();
  }

  function setPhase(id) {
    phase = id;
    render();
  }

  function change(key, step) {
    if (!ballot.tap(key, step)) return;
    showError("");
    render();
    flush();
  }

  function flush() {
    return ballot.flush(
      (vote) => call(socket, "vote", { item: vote.item, dots: vote.dots, phase: vote.phase, client_id: vote.id }),
      () => socket.connected && joined,
      {
        // Kept (no answer, rate limited): sent again by the timer below or after a reconnect.
        held: (vote, ack) => showError(ack.message),
        refused: (vote, ack) => showError(ack.message),
        changed: render,
      }
    );
  }
  window.setInterval(() => {
    if (ballot.waiting) flush();
  }, 3000);

  // --- broadcasts ------------------------------------------------------------------------
  socket.on("disconnect", () => {
    joined = false; // until phone.js has joined again after the reconnect
  });
  socket.on("vote", (vote) => {
    if (vote.phase === phase) show(vote);
  });
  socket.on("votes", (votes) => {
    // The phone's own dots, as its other tab (or this one) left them.
    ballot.setMine(votes.phase, votes.mine);
    render();
  });

  // --- rendering -------------------------------------------------------------------------
  function render() {
    const round = ballot.round;
    const active = !!round && phaseKind(phase) === "vote" && round.phase === phase;
    card.hidden = !active;
    if (!active) return;
    const open = ballot.open;
    const remaining = ballot.left();
    // Said aloud when it changes (aria-live), so set only then: a redraw is not news.
    const leftText = t("vote_left", { n: remaining, total: round.dots });
    if (left.textContent !== leftText) left.textContent = leftText;
    left.classList.toggle("none-left", remaining === 0);
    rule.textContent = t("vote_rule", { n: round.per_item });
    stateLine.textContent =
      round.revealed ? t("vote_revealed") : round.state === "closed" ? t("vote_closed") : open ? "" : t("vote_not_open");
    stateLine.hidden = !stateLine.textContent;
    left.hidden = !open;
    rule.hidden = !open;
    // Once the results are out, they take the items' place.
    list.hidden = round.revealed;
    renderItems();
    renderResults();
  }

  function renderItems() {
    const round = ballot.round;
    const focused = document.activeElement && list.contains(document.activeElement)
      ? document.activeElement.dataset.focusKey : null;
    if (!round.items.length) {
      list.replaceChildren(el("li", { class: "empty", text: t("vote_no_items") }));
      return;
    }
    const waiting = ballot.pending();
    list.replaceChildren(
      ...round.items.map((item, index) => {
        const count = ballot.shown(item.key);
        const labelId = `vote-label-${index}`;
        const minus = el("button", {
          type: "button", class: "vote-step", text: "−", "aria-label": t("vote_less"),
          "aria-describedby": labelId, disabled: !ballot.canTake(item.key),
          "data-focus-key": `${item.key}:-`,
        });
        const plus = el("button", {
          type: "button", class: "vote-step", text: "+", "aria-label": t("vote_more"),
          "aria-describedby": labelId, disabled: !ballot.canAdd(item.key),
          "data-focus-key": `${item.key}:+`,
        });
        minus.addEventListener("click", () => change(item.key, -1));
        plus.addEventListener("click", () => change(item.key, 1));
        const dots = el("span", { class: "vote-dots", "aria-hidden": "true" });
        for (let n = 0; n < round.per_item; n++) dots.append(el("span", { class: n < count ? "dot on" : "dot" }));
        return el(
          "li",
          { class: count ? "vote-item voted" : "vote-item", "data-item": item.key },
          el("p", { class: "vote-label", id: labelId, text: item.label }),
          el(
            "div",
            { class: "vote-controls", role: "group", "aria-labelledby": labelId },
            minus,
            el(
              "span",
              { class: "vote-count" },
              dots,
              el("span", { class: "visually-hidden", text: t("vote_yours") }),
              el("span", { class: "vote-number", text: String(count) })
            ),
            plus
          ),
          item.key in waiting ? el("p", { class: "vote-sending small muted", text: t("sending") }) : null
        );
      })
    );
    // Redrawn under the finger: the button tapped keeps the focus (keyboards, readers),
    // or its neighbour takes it when it has just been switched off.
    if (focused) {
      const again = list.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`);
      if (again && !again.disabled) again.focus();
      else if (again) again.parentElement.querySelector("button:not([disabled])")?.focus();
    }
  }

  function renderResults() {
    const round = ballot.round;
    results.hidden = !round.results;
    if (!round.results) return;
    results.querySelector("ol").replaceChildren(
      ...round.results.map((line) =>
        el("li", {}, el("span", { class: "rank", text: `${line.rank}.` }), " ",
          el("span", { text: line.label }), " — ",
          el("strong", { class: "result-dots", text: t("vote_dots", { n: line.dots }) }))
      )
    );
  }

  return { show, phase: setPhase };
}
