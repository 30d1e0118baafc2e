/* The phone's outbox, without the page: nothing a participant posts is lost.
 *
 * Every idea gets a client-generated id and goes into the outbox, kept in the browser's
 * storage under one key per event code, before it is sent. It leaves the outbox only when
 * the server acknowledges it (the server stores each id once, so a resend after a lost
 * answer is harmless) or refuses it for good, and then its text goes back to the writer.
 * Items go out oldest first, one at a time: one that gets no answer (offline, a server
 * busy restarting) or is rate limited stays first, and the rest wait behind it, so ideas
 * reach the table in the order they were written. phone/posts.js sends on every
 * (re)connect, a timer and each new post; tests/js/outbox.test.js drives it with no browser.
 *
 * The phone's dots in a vote (ballot.js) wait in an outbox of their own, under another key:
 * there a newer tap on an item takes the place of the one still waiting (`put`).
 */

/** The storage key of an event's outbox. */
export const outboxKey = (code) => `cafe.outbox.${code}`;

/** The storage key of an event's vote outbox (ballot.js's; phone.js looks there for taps
 *  left unsent before it fetches the voting code). */
export const votesKey = (code) => `cafe.votes.${code}`;

/** Answers that leave the item in the outbox for a later try. */
const tryAgain = (ack) => ack.timeout || ack.error === "rate_limited";

export class Outbox {
  /** `store` is {get(key, fallback), set(key, value)} (common.js's Cafe.store); `key`
   *  the storage key (the posts' outbox of event `code` unless another is named). */
  constructor(store, code, key = outboxKey(code)) {
    this.store = store;
    this.key = key;
    const kept = store.get(this.key, []);
    // What another version of the page (or a hand in the storage) left there is not trusted.
    this.queue = Array.isArray(kept) ? kept.filter((item) => item && typeof item.id === "string") : [];
    this.flushing = false;
  }

  /** How many items wait. */
  get size() {
    return this.queue.length;
  }

  /** The waiting items, oldest first (a copy). */
  get items() {
    return this.queue.slice();
  }

  /** Keep `item` ({id, text, …}) until the server has it. */
  add(item) {
    this.queue.push(item);
    this.save();
  }

  /** Keep `item` instead of every waiting item `same(waiting)` is true of: a newer
   *  number of dots replaces the one not yet sent. One already on its way is answered as
   *  usual, and its answer does not take `item` (another id) out. */
  put(item, same) {
    this.queue = this.queue.filter((waiting) => !same(waiting));
    this.queue.push(item);
    this.save();
  }

  remove(id) {
    this.queue = this.queue.filter((item) => item.id !== id);
    this.save();
  }

  save() {
    this.store.set(this.key, this.queue);
  }

  /**
   * Send what waits, oldest first, while `canSend()` holds. `send(item)` resolves to the
   * server's ack ({ok, …} or {ok: false, timeout: true}). Tells `on.sent(item, ack)`,
   * `on.refused(item, ack)` (out of the outbox for good: give the text back),
   * `on.held(item, ack)` (stays: no answer or rate limited; the rest wait too) and
   * `on.changed()` after each answer. One flush at a time: a second call meanwhile does
   * nothing (the one under way sends what was added).
   */
  async flush(send, canSend, on = {}) {
    if (this.flushing || !canSend()) return;
    this.flushing = true;
    try {
      while (this.queue.length && canSend()) {
        const item = this.queue[0];
        const ack = await send(item);
        if (ack.ok) {
          this.remove(item.id);
          if (on.sent) on.sent(item, ack);
        } else if (tryAgain(ack)) {
          if (on.held) on.held(item, ack);
          break; // kept; tried again by the caller's timer or on reconnect
        } else {
          this.remove(item.id);
          if (on.refused) on.refused(item, ack);
        }
        if (on.changed) on.changed();
      }
    } finally {
      this.flushing = false;
    }
  }
}
