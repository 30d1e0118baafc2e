/* A phone's dots in a vote, without the page: what it shows on each item, what a tap may
 * do, and the outbox of taps not yet acknowledged.
 *
 * A vote is an absolute number of dots on one item, so the outbox (outbox.js's, kept under
 * `cafe.votes.<code>`) holds, per phase and item, the last number tapped: a newer tap takes
 * the place of the one waiting, and sending it again is harmless (its id goes with it as
 * `client_id`). An acknowledged number leaves the outbox, a lost answer or a rate limit
 * keeps it (and the rest wait behind it), a refusal for good drops it. vote.js draws it and
 * sends it; tests/js/ballot.test.js drives it with no browser.
 */
import { Outbox, votesKey } from "./outbox.js";

export { votesKey };

export class Ballot {
  /** `store` is {get(key, fallback), set(key, value)} (common.js's Cafe.store); `newId()`
   *  names each tap (common.js's uuid4: a page on plain http has no crypto.randomUUID). */
  constructor(store, code, newId) {
    this.outbox = new Outbox(store, code, votesKey(code));
    this.newId = newId;
    this.round = null; // the `vote` payload of the phase shown
    this.mine = {}; // the acknowledged dots per item of that round
  }

  /** The round to show (a `vote` payload; a phone's state adds `mine`), or null. */
  setRound(vote) {
    const samePhase = this.round && vote && this.round.phase === vote.phase;
    this.round = vote || null;
    if (vote && vote.mine) this.mine = { ...vote.mine };
    else if (!samePhase) this.mine = {};
  }

  /** The dots the server holds, as an answer or a `votes` broadcast tells them. */
  setMine(phase, mine) {
    if (this.round && this.round.phase === phase) this.mine = { ...mine };
  }

  /** The taps waiting to be sent in `phase` (the round shown's), as {item: dots}. */
  pending(phase = this.round && this.round.phase) {
    const waiting = {};
    for (const vote of this.outbox.items) if (phase && vote.phase === phase) waiting[vote.item] = vote.dots;
    return waiting;
  }

  /** Dots shown on an item: the tap waiting to be sent, else what the server holds. */
  shown(key) {
    const waiting = this.pending();
    return key in waiting ? waiting[key] : this.mine[key] || 0;
  }

  /** Dots placed on the round's items (dots on items no longer listed count for nothing). */
  used() {
    return this.round ? this.round.items.reduce((sum, item) => sum + this.shown(item.key), 0) : 0;
  }

  left() {
    return this.round ? Math.max(this.round.dots - this.used(), 0) : 0;
  }

  get open() {
    return !!this.round && this.round.state === "open";
  }

  canAdd(key) {
    return this.open && this.shown(key) < this.round.per_item && this.left() > 0;
  }

  canTake(key) {
    return this.open && this.shown(key) > 0;
  }

  /** A tap: +1 or −1 dot on an item. False (and nothing kept) if the rules forbid it. */
  tap(key, step) {
    if (!(step > 0 ? this.canAdd(key) : this.canTake(key))) return false;
    const phase = this.round.phase;
    const vote = { id: this.newId(), phase, item: key, dots: this.shown(key) + step };
    this.outbox.put(vote, (waiting) => waiting.phase === phase && waiting.item === key);
    return true;
  }

  /** How many votes wait to be sent, of any phase: a tap made just before the facilitator
   *  moved on still goes to its own round. */
  get waiting() {
    return this.outbox.size;
  }

  /** Send the waiting votes, oldest first, while `canSend()` holds, as outbox.js's flush
   *  does (`send(vote)` resolves to the server's answer; `on` as there); an answer's `mine`
   *  becomes the dots shown. */
  flush(send, canSend, on = {}) {
    return this.outbox.flush(send, canSend, {
      ...on,
      sent: (vote, ack) => {
        this.setMine(vote.phase, ack.mine);
        if (on.sent) on.sent(vote, ack);
      },
    });
  }
}
