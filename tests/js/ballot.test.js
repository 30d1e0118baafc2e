// A phone's dots in a vote (static/js/ballot.js): what a tap may do under the dots and the
// per-item limit, what waits to be sent and in which round, and what an acknowledgement, a
// lost answer, a rate limit and a refusal each do to its outbox (outbox.js's); kept across
// a reload.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Ballot, votesKey } from "../../static/js/ballot.js";

/** The browser's storage as common.js's Cafe.store uses it: JSON under a key. */
class Storage {
  constructor() {
    this.data = new Map();
  }
  get(key, fallback) {
    return this.data.has(key) ? JSON.parse(this.data.get(key)) : fallback;
  }
  set(key, value) {
    this.data.set(key, JSON.stringify(value));
  }
}

/** Tap ids as common.js's uuid4 would make them, but countable. */
function counter() {
  let n = 0;
  return () => `tap-${++n}`;
}

/** The server's side of `vote`: answers as scripted ("timeout", "rate_limited",
 *  "voting_closed"), else takes the dots and answers the phone's dots. */
class VoteServer {
  constructor(mine = {}) {
    this.mine = { ...mine };
    this.received = [];
    this.script = [];
  }
  async vote(vote) {
    this.received.push([vote.phase, vote.item, vote.dots, vote.id]);
    const next = this.script.shift();
    if (next === "timeout") return { ok: false, timeout: true, message: "error" };
    if (next === "rate_limited") return { ok: false, error: "rate_limited", message: "slow down" };
    if (next === "voting_closed") return { ok: false, error: "voting_closed", message: "closed" };
    this.mine[vote.item] = vote.dots;
    return { ok: true, mine: { ...this.mine } };
  }
}

/** What waits, as [phase, item, dots]. */
const waiting = (b) => b.outbox.items.map((v) => [v.phase, v.item, v.dots]);

const round = (extra = {}) => ({
  phase: "vote",
  state: "open",
  dots: 3,
  per_item: 2,
  items: [{ key: "theme:1" }, { key: "theme:2" }, { key: "theme:3" }],
  ...extra,
});

function ballot(vote = round()) {
  const storage = new Storage();
  const made = new Ballot(storage, "ABC234", counter());
  made.setRound(vote);
  const server = new VoteServer(vote && vote.mine);
  const seen = { held: [], refused: [], changed: 0 };
  const flush = () =>
    made.flush((v) => server.vote(v), () => true, {
      held: (v, ack) => seen.held.push([v.item, ack.error || "timeout"]),
      refused: (v, ack) => seen.refused.push([v.item, ack.message]),
      changed: () => (seen.changed += 1),
    });
  return { ballot: made, storage, server, seen, flush };
}

test("taps spread the dots within the total and the limit per item", () => {
  const { ballot: b } = ballot();
  assert.equal(b.tap("theme:1", 1), true);
  assert.equal(b.tap("theme:1", 1), true);
  assert.equal(b.tap("theme:1", 1), false); // at most 2 on one item
  assert.equal(b.tap("theme:2", 1), true);
  assert.equal(b.left(), 0);
  assert.equal(b.tap("theme:3", 1), false); // no dots left
  assert.equal(b.canAdd("theme:3"), false);
  assert.equal(b.tap("theme:1", -1), true); // a dot taken off goes elsewhere
  assert.equal(b.tap("theme:3", 1), true);
  assert.deepEqual([1, 2, 3].map((n) => b.shown(`theme:${n}`)), [1, 1, 1]);
  assert.equal(b.tap("theme:9", -1), false); // nothing on it to take off
});

test("nothing is tapped while the vote is not open", () => {
  for (const state of ["ready", "closed"]) {
    const { ballot: b } = ballot(round({ state }));
    assert.equal(b.tap("theme:1", 1), false);
    assert.equal(b.waiting, 0);
  }
});

test("the last tap per item waits, and an answer for an older one keeps it", async () => {
  const { ballot: b, server, flush } = ballot();
  b.tap("theme:1", 1);
  b.tap("theme:2", 1);
  b.tap("theme:1", 1); // a newer number for theme:1 takes the waiting one's place
  assert.deepEqual(waiting(b), [["vote", "theme:2", 1], ["vote", "theme:1", 2]]);
  assert.deepEqual(b.pending(), { "theme:1": 2, "theme:2": 1 });

  // Tapped again while the answer to theme:1's 1 is on its way.
  const { ballot: c, server: slow } = ballot();
  c.tap("theme:1", 1);
  let answer = null;
  const sending = c.flush(
    // The first answer waits for the tap below; later ones come at once.
    (v) => (answer ? slow.vote(v) : new Promise((resolve) => (answer = () => resolve(slow.vote(v))))),
    () => true
  );
  c.tap("theme:1", 1);
  answer();
  await sending; // the flush goes on with the newer tap once the older is answered
  assert.deepEqual(slow.received.map((r) => r.slice(1, 3)), [["theme:1", 1], ["theme:1", 2]]);
  assert.equal(c.waiting, 0);
  assert.deepEqual(c.mine, { "theme:1": 2 });
  assert.equal(c.shown("theme:1"), 2);

  await flush();
  assert.deepEqual(server.received.map((r) => r.slice(1, 3)), [["theme:2", 1], ["theme:1", 2]]);
  assert.equal(b.waiting, 0);
  assert.deepEqual(b.mine, { "theme:1": 2, "theme:2": 1 });
});

test("a lost answer or a rate limit keeps the vote, under the same id; a refusal drops it", async () => {
  const { ballot: b, server, seen, flush } = ballot(round({ mine: { "theme:2": 1 } }));
  b.tap("theme:1", 1);
  server.script = ["timeout", "rate_limited", "voting_closed"];
  await flush();
  await flush();
  assert.deepEqual(seen.held, [["theme:1", "timeout"], ["theme:1", "rate_limited"]]);
  assert.equal(b.waiting, 1);
  assert.equal(b.shown("theme:1"), 1);
  await flush();
  assert.deepEqual(seen.refused, [["theme:1", "closed"]]);
  assert.equal(b.waiting, 0);
  // Sent three times as one tap: the server can tell a resend by its client id.
  assert.deepEqual(new Set(server.received.map((r) => r[3])), new Set(["tap-1"]));
  // The server's count stands: the tap is taken back.
  assert.equal(b.shown("theme:1"), 0);
  assert.equal(b.shown("theme:2"), 1);
});

test("a tap made before the facilitator moved on is still sent to its own round", async () => {
  const { ballot: b, server, flush } = ballot();
  b.tap("theme:2", 1);
  b.setRound(null); // the next phase: no vote shown
  assert.deepEqual(waiting(b), [["vote", "theme:2", 1]]);
  b.setRound(round({ phase: "vote2", items: [{ key: "post:7" }] }));
  assert.equal(b.shown("post:7"), 0);
  assert.deepEqual(b.pending(), {});
  await flush();
  assert.deepEqual(server.received.map((r) => r.slice(0, 3)), [["vote", "theme:2", 1]]);
  assert.deepEqual(b.mine, {}, "the other round's answer is not this round's dots");
});

test("the outbox outlives a reload under its event's code only", () => {
  const { ballot: b, storage } = ballot();
  b.tap("theme:3", 1);
  const again = new Ballot(storage, "ABC234", counter());
  assert.deepEqual(waiting(again), [["vote", "theme:3", 1]]);
  assert.equal(new Ballot(storage, "XYZ789", counter()).waiting, 0);
  assert.equal(votesKey("ABC234"), "cafe.votes.ABC234");
  storage.set(votesKey("BAD000"), { not: "a list" });
  assert.equal(new Ballot(storage, "BAD000", counter()).waiting, 0);
  storage.set(votesKey("BAD001"), ["not", "votes", null]);
  assert.equal(new Ballot(storage, "BAD001", counter()).waiting, 0);
});

test("dots on an item no longer listed count for nothing", () => {
  const { ballot: b } = ballot(round({ mine: { "theme:1": 2, "theme:9": 1 } }));
  assert.equal(b.used(), 2);
  assert.equal(b.left(), 1);
});
