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

import { api } from "./api.js";
import { UndoHistory } from "./history.js";

const { t } = window.Cafe;

const undoButton = document.getElementById("undo");
const redoButton = document.getElementById("redo");
const history = new UndoHistory();

function refresh() {
  undoButton.disabled = !history.canUndo;
  redoButton.disabled = !history.canRedo;
  undoButton.title = history.nextUndo !== null ? t("g_undo_what", { what: history.nextUndo }) : t("g_nothing_to_undo");
  redoButton.title = history.nextRedo !== null ? t("g_redo_what", { what: history.nextRedo }) : t("g_nothing_to_redo");
}

/** A change was made here: keep its inverse; a new change ends what could be redone. */
api.record = (label, op) => {
  history.record(label, op);
  refresh();
};

const QUIET = ["changed_meanwhile", "unknown_item", "unknown_theme"];
const send = (event, data) => api.send(event, data, QUIET);

/** Take a step (`history.undo` or `history.redo`) and say how it went. */
async function step(take, doneKey, refusedKey) {
  const result = await take(send, refresh);
  if (!result) return;
  if (result.outcome === "done") api.announce(t(doneKey, { what: result.label }));
  else if (result.outcome === "refused") {
    api.showError(t(refusedKey, { what: result.label, reason: result.ack.message }));
  }
  refresh();
}

const undo = () => step((...args) => history.undo(...args), "g_undone", "g_undo_refused");
const redo = () => step((...args) => history.redo(...args), "g_redone", "g_redo_refused");
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
