/* Undo and redo in the gathering view: Ctrl+Z, Ctrl+Shift+Z (or Ctrl+Y) and two buttons.
 *
 * Every change this page makes that can be undone (move, merge, separate, new theme,
 * deleted theme) is answered by the server with its inverse: an ordinary gathering event
 * with its payload (docs/protocol.md, "Undo and redo"). Undoing sends the newest inverse
 * as it is; the answer's own inverse is then the redo. So an undo is a change like any
 * other, broadcast to every facilitator, board and phone, through the one code path.
 *
 * The history is this page's own: another facilitator's changes are never undone from
 * here. Each inverse says how the ideas and themes looked right after the change; if
 * someone has changed them since, the server refuses it ("changed_meanwhile") and that
 * step is dropped with a message, never applied over their work.
 */

const api = window.CafeGather;
const { t } = window.Cafe;

/** Steps kept: an afternoon's worth of sorting, not the whole event. */
const LIMIT = 200;

const undoButton = document.getElementById("undo");
const redoButton = document.getElementById("redo");
const undoStack = []; // [{label, op: {event, data}}], newest last
const redoStack = [];
let busy = false;

function refresh() {
  const last = (stack) => stack[stack.length - 1];
  undoButton.disabled = busy || !undoStack.length;
  redoButton.disabled = busy || !redoStack.length;
  undoButton.title = undoStack.length ? t("g_undo_what", { what: last(undoStack).label }) : t("g_nothing_to_undo");
  redoButton.title = redoStack.length ? t("g_redo_what", { what: last(redoStack).label }) : t("g_nothing_to_redo");
}

/** A change was made here: keep its inverse; a new change ends what could be redone. */
api.record = (label, op) => {
  undoStack.push({ label, op });
  if (undoStack.length > LIMIT) undoStack.shift();
  redoStack.length = 0;
  refresh();
};

/** Send the newest step of `from`; its answer's inverse goes onto `to`. */
async function step(from, to, doneKey, refusedKey) {
  if (busy || !from.length) return;
  busy = true;
  refresh();
  const entry = from.pop();
  const ack = await api.send(entry.op.event, entry.op.data, ["changed_meanwhile", "unknown_item", "unknown_theme"]);
  busy = false;
  if (ack.ok) {
    to.push({ label: entry.label, op: ack.undo });
    api.announce(t(doneKey, { what: entry.label }));
  } else if (ack.timeout) {
    from.push(entry); // no answer (offline): the step stays for another try
  } else {
    // Changed by someone else since (or gone): this step can no longer be taken.
    api.showError(t(refusedKey, { what: entry.label, reason: ack.message }));
  }
  refresh();
}

const undo = () => step(undoStack, redoStack, "g_undone", "g_undo_refused");
const redo = () => step(redoStack, undoStack, "g_redone", "g_redo_refused");
undoButton.addEventListener("click", undo);
redoButton.addEventListener("click", redo);

/** In a text field Ctrl+Z is the field's own undo of typing. */
function typing(node) {
  return node && (node.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(node.tagName));
}

document.addEventListener("keydown", (e) => {
  if (!(e.ctrlKey || e.metaKey) || e.altKey || typing(e.target)) return;
  const key = e.key.toLowerCase();
  if (key === "z" && !e.shiftKey) {
    e.preventDefault();
    undo();
  } else if ((key === "z" && e.shiftKey) || key === "y") {
    e.preventDefault();
    redo();
  }
});

refresh();
