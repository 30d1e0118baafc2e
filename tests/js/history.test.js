// The gathering view's undo history (static/js/gather/history.js) against a server that
// answers every change with its inverse and refuses an inverse someone else has overtaken.
import assert from "node:assert/strict";
import { test } from "node:test";

import { LIMIT, UndoHistory } from "../../static/js/gather/history.js";

/** One idea and the theme it is in. A change answers with its inverse, which names how
 *  the idea looked right after the change: as cafe/gathering does, an inverse is refused
 *  once someone has changed the idea since. */
class GatheringServer {
  constructor() {
    this.theme = null;
    this.sent = [];
    this.offline = false;
  }
  /** A change made on this page: returns the inverse, as `ack.undo`. */
  move(theme) {
    const before = this.theme;
    this.theme = theme;
    return { event: "item_move", data: { theme: before, expect: theme } };
  }
  async send(event, data) {
    this.sent.push([event, data.theme]);
    if (this.offline) return { ok: false, timeout: true, message: "error" };
    if (data.expect !== this.theme) {
      return { ok: false, error: "changed_meanwhile", message: "changed meanwhile" };
    }
    return { ok: true, undo: this.move(data.theme) };
  }
}

const sender = (server) => (event, data) => server.send(event, data);

test("undo sends the newest change's inverse; redo undoes the undo", async () => {
  const server = new GatheringServer();
  const history = new UndoHistory();
  history.record("move to A", server.move("A"));
  history.record("move to B", server.move("B"));
  assert.equal(history.nextUndo, "move to B");
  const undone = await history.undo(sender(server));
  assert.equal(undone.outcome, "done");
  assert.equal(server.theme, "A");
  assert.equal(history.nextUndo, "move to A");
  assert.equal(history.nextRedo, "move to B");
  await history.undo(sender(server));
  assert.equal(server.theme, null);
  assert.equal(history.canUndo, false);
  await history.redo(sender(server));
  await history.redo(sender(server));
  assert.equal(server.theme, "B");
  assert.equal(history.canRedo, false);
  assert.equal(history.nextUndo, "move to B");
});

test("a new change ends what could be redone", async () => {
  const server = new GatheringServer();
  const history = new UndoHistory();
  history.record("move to A", server.move("A"));
  await history.undo(sender(server));
  assert.equal(history.canRedo, true);
  history.record("move to C", server.move("C"));
  assert.equal(history.canRedo, false);
  assert.equal(await history.redo(sender(server)), null);
});

test("a step overtaken by someone else's change is refused and dropped", async () => {
  const server = new GatheringServer();
  const history = new UndoHistory();
  history.record("move to A", server.move("A"));
  server.move("D"); // another facilitator moves the idea
  const result = await history.undo(sender(server));
  assert.equal(result.outcome, "refused");
  assert.equal(result.ack.error, "changed_meanwhile");
  assert.equal(server.theme, "D", "their work stays");
  assert.equal(history.canUndo, false);
  assert.equal(history.canRedo, false);
});

test("a step that got no answer stays for another try", async () => {
  const server = new GatheringServer();
  const history = new UndoHistory();
  history.record("move to A", server.move("A"));
  server.offline = true;
  assert.equal((await history.undo(sender(server))).outcome, "kept");
  assert.equal(history.nextUndo, "move to A");
  server.offline = false;
  assert.equal((await history.undo(sender(server))).outcome, "done");
  assert.equal(server.theme, null);
});

test("one step at a time: a second undo while one is on its way does nothing", async () => {
  const server = new GatheringServer();
  const history = new UndoHistory();
  history.record("move to A", server.move("A"));
  history.record("move to B", server.move("B"));
  let busySeen = null;
  const first = history.undo(sender(server), () => (busySeen = history.canUndo));
  assert.equal(await history.undo(sender(server)), null);
  await first;
  assert.equal(busySeen, false, "the buttons are off while the step is out");
  assert.equal(server.sent.length, 1);
  assert.equal(server.theme, "A");
});

test(`the history keeps the newest ${LIMIT} steps`, () => {
  const server = new GatheringServer();
  const history = new UndoHistory();
  for (let i = 0; i <= LIMIT; i++) history.record(`move ${i}`, server.move(`T${i}`));
  assert.equal(history.undoStack.length, LIMIT);
  assert.equal(history.undoStack[0].label, "move 1");
  assert.equal(history.nextUndo, `move ${LIMIT}`);
});
