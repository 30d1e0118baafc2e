/* The control page's vote card: for each vote phase of the template, its state and how
 * many phones voted, the dots per phone (before or while voting), and the buttons that
 * open, close and reveal it. The ranking shows here once revealed, as on the board. */

export function VotePanel(socket) {
  const { t, el, call } = window.Cafe;
  const panel = document.getElementById("vote-panel");
  const rounds = new Map();
  if (!panel) return { show() {} };

  const box = (phase) => panel.querySelector(`[data-vote-phase="${CSS.escape(phase)}"]`);

  function render(phase) {
    const round = rounds.get(phase);
    const node = box(phase);
    if (!round || !node) return;
    const status =
      round.revealed ? "c_vote_revealed" : round.state === "open" ? "c_vote_open" : round.state === "closed" ? "c_vote_closed" : "c_vote_ready";
    node.querySelector(".vote-status").textContent = t(status, { n: round.voters, items: round.items.length });
    const form = node.querySelector(".vote-dots-form");
    // A field being typed in keeps what is typed.
    if (!form.contains(document.activeElement)) {
      form.elements.dots.value = round.dots;
      form.elements.per_item.value = round.per_item;
    }
    // Dots are set before or while voting; a closed vote's are final.
    form.hidden = round.state === "closed";
    node.querySelector('[data-vote="vote_open"]').hidden = round.state === "open" || round.revealed;
    node.querySelector('[data-vote="vote_close"]').hidden = round.state !== "open";
    node.querySelector('[data-vote="vote_reveal"]').hidden = round.revealed || round.state === "ready";
    const list = node.querySelector(".vote-results");
    list.hidden = !round.results;
    list.replaceChildren(
      ...(round.results || []).map((line) =>
        el("li", { value: line.rank }, el("span", { text: line.label }), " — ", el("strong", { text: t("vote_dots", { n: line.dots }) }))
      )
    );
  }

  function show(vote) {
    rounds.set(vote.phase, vote);
    render(vote.phase);
  }

  function fail(phase, message) {
    const error = box(phase).querySelector(".vote-error");
    error.textContent = message || "";
    error.hidden = !message;
  }

  for (const node of panel.querySelectorAll("[data-vote-phase]")) {
    const phase = node.dataset.votePhase;
    for (const button of node.querySelectorAll("[data-vote]")) {
      button.addEventListener("click", async () => {
        const ack = await call(socket, button.dataset.vote, { phase });
        fail(phase, ack.ok ? "" : ack.message);
        if (ack.ok) show(ack.vote);
      });
    }
    node.querySelector(".vote-dots-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const form = e.target;
      const ack = await call(socket, "vote_dots", {
        phase,
        dots: Number(form.elements.dots.value),
        per_item: Number(form.elements.per_item.value),
      });
      fail(phase, ack.ok ? "" : ack.message);
      if (ack.ok) show(ack.vote);
    });
  }

  socket.on("vote", show);
  socket.on("vote_count", (count) => {
    const round = rounds.get(count.phase);
    if (!round) return;
    round.voters = count.voters;
    render(count.phase);
  });

  return { show };
}
