/* The gathering view's undo and redo history, without the page (gather/undo.js shows it;
 * tests/js/history.test.js drives it with no browser).
 *
 * Each step is {label, op}: `op` is the inverse the server answered a change with
 * ({event, data}: an ordinary gathering event). Taking a step sends its op as it is; the
 * answer's own inverse goes onto the other stack, so an undo can be redone and a redo
 * undone. A step the server refuses (someone changed the ideas or themes since, or they
 * are gone) is dropped, never retried over their work; one that got no answer (offline)
 * stays where it was for another try.
 */

/** Steps kept: an afternoon's worth of sorting, not the whole event. */
export const LIMIT = 200;

export class UndoHistory {
  constructor(limit = LIMIT) {
    this.limit = limit;
    this.undoStack = []; // newest last
    this.redoStack = [];
    this.busy = false; // a step is on its way: one at a time
  }

  /** A change was made here: keep its inverse; a new change ends what could be redone. */
  record(label, op) {
    this.undoStack.push({ label, op });
    if (this.undoStack.length > this.limit) this.undoStack.shift();
    this.redoStack.length = 0;
  }

  get canUndo() {
    return !this.busy && this.undoStack.length > 0;
  }

  get canRedo() {
    return !this.busy && this.redoStack.length > 0;
  }

  /** The label of the step Undo would take (null: none). */
  get nextUndo() {
    return this.undoStack.length ? this.undoStack[this.undoStack.length - 1].label : null;
  }

  /** The label of the step Redo would take (null: none). */
  get nextRedo() {
    return this.redoStack.length ? this.redoStack[this.redoStack.length - 1].label : null;
  }

  /** Undo the newest change through `send(event, data)` (resolves to the server's ack). */
  undo(send, onBusy) {
    return this.step(this.undoStack, this.redoStack, send, onBusy);
  }

  /** Redo the newest undone change. */
  redo(send, onBusy) {
    return this.step(this.redoStack, this.undoStack, send, onBusy);
  }

  /**
   * Send the newest step of `from`; its answer's inverse goes onto `to`. Resolves to
   * {outcome: "done" | "kept" | "refused", label, ack}, or null when there was nothing
   * to take (or a step is already on its way). `onBusy` is called once the step is out.
   */
  async step(from, to, send, onBusy) {
    if (this.busy || !from.length) return null;
    this.busy = true;
    const entry = from.pop();
    if (onBusy) onBusy();
    let ack;
    try {
      ack = await send(entry.op.event, entry.op.data);
    } finally {
      this.busy = false;
    }
    if (ack.ok) {
      to.push({ label: entry.label, op: ack.undo });
      return { outcome: "done", label: entry.label, ack };
    }
    if (ack.timeout) {
      from.push(entry); // no answer (offline): the step stays for another try
      return { outcome: "kept", label: entry.label, ack };
    }
    // Changed by someone else since (or gone): this step can no longer be taken.
    return { outcome: "refused", label: entry.label, ack };
  }
}
