/* Moving ideas in the gathering view: dragging (mouse, touch and pen alike, through Pointer
 * Events) and the keyboard pick-up (Space on a focused idea, arrows, Enter, Escape).
 *
 * A drop on a list (or on a card, anywhere but its merge zone) moves the idea there; a drop
 * on the merge zone every other idea shows at its right end while a drag is on merges the
 * two. The changes go out through the page's `api.change` (gather.js), so each can be undone.
 */

import { api, truncate } from "./api.js";

const { t, el } = window.Cafe;

const DRAG_THRESHOLD = 5; // px before a press on the handle becomes a drag
const EDGE = 60; // px from a panel's or the window's edge where a drag scrolls it
const looseZone = document.getElementById("loose-zone");
const looseList = document.getElementById("loose");

let drag = null; // {card, pointerId, startX, startY, x, y, active, ghost, target}
let scrollFrame = 0;

function pointerDown(e, card) {
  if (drag || (e.pointerType === "mouse" && e.button !== 0)) return;
  e.preventDefault(); // no text selection, no scrolling: the handle is for dragging
  try {
    e.target.setPointerCapture(e.pointerId);
  } catch {
    /* capture is a nicety: events still reach the document */
  }
  drag = { card, pointerId: e.pointerId, startX: e.clientX, startY: e.clientY, x: e.clientX,
    y: e.clientY, active: false, ghost: null, target: null };
  document.addEventListener("pointermove", pointerMove);
  document.addEventListener("pointerup", pointerUp);
  document.addEventListener("pointercancel", endDrag);
  document.addEventListener("keydown", dragKey, true);
}

function pointerMove(e) {
  if (!drag || e.pointerId !== drag.pointerId) return;
  drag.x = e.clientX;
  drag.y = e.clientY;
  if (!drag.active) {
    if (Math.hypot(drag.x - drag.startX, drag.y - drag.startY) < DRAG_THRESHOLD) return;
    startDrag();
  }
  moveGhost();
  setTarget(hitTest(drag.x, drag.y));
  autoScroll();
}

function startDrag() {
  drag.active = true;
  drag.ghost = el("div", { class: "drag-ghost", "aria-hidden": "true", text: truncate(drag.card.item.text, 90) });
  document.body.append(drag.ghost);
  document.body.classList.add("dragging");
  drag.card.root.classList.add("drag-source");
}

function moveGhost() {
  // CSSOM, not a style attribute: allowed under the page's strict CSP.
  drag.ghost.style.transform = `translate(${drag.x + 14}px, ${drag.y + 10}px)`;
}

/** What is under the pointer: another idea's marked merge zone (merge), else a list
 *  (move, before the first shown idea whose middle is below the pointer). A drop on the
 *  rest of a card moves: merging by accident would take two ideas' places at once. */
function hitTest(x, y) {
  const under = document.elementFromPoint(x, y);
  if (!under) return null;
  const mergeZone = under.closest(".merge-zone");
  const itemNode = mergeZone && mergeZone.closest(".item");
  if (itemNode && itemNode !== drag.card.root) {
    return { kind: "merge", node: itemNode, into: parseInt(itemNode.dataset.item, 10) };
  }
  const zone = under.closest("[data-drop]");
  if (!zone) return null;
  const list = zone === looseZone ? looseList : zone.querySelector(".drop-list");
  const theme = zone === looseZone ? null : parseInt(zone.dataset.theme, 10);
  const cards = [...list.children].filter((node) => node.classList.contains("item") && node !== drag.card.root);
  // Ideas the filter hides take no room: the drop goes before the next shown one. The
  // index counts the whole list without the dragged idea, as the server does.
  const before = cards.find((node) => {
    if (node.hidden) return false;
    const box = node.getBoundingClientRect();
    return box.top + box.height / 2 >= y;
  });
  const index = before ? cards.indexOf(before) : cards.length;
  return { kind: "move", zone, list, theme, index, before: before || null };
}

function setTarget(target) {
  clearTargetMarks();
  drag.target = target;
  if (!target) return;
  if (target.kind === "merge") {
    target.node.classList.add("merge-target");
  } else {
    target.zone.classList.add("drop-active");
    if (target.before) target.before.classList.add("insert-before");
    else target.list.classList.add("insert-end");
  }
}

function clearTargetMarks() {
  for (const node of document.querySelectorAll(".merge-target, .drop-active, .insert-before, .insert-end")) {
    node.classList.remove("merge-target", "drop-active", "insert-before", "insert-end");
  }
}

/** Near the top or bottom edge of the panel under the pointer (each column scrolls on
 *  its own) or of the window, a drag scrolls it: long lists stay in reach. */
function autoScroll() {
  if (scrollFrame) return;
  const step = () => {
    scrollFrame = 0;
    if (!drag || !drag.active) return;
    const under = document.elementFromPoint(drag.x, drag.y);
    const panel = under && under.closest(".panel");
    const scrolls = panel && panel.scrollHeight > panel.clientHeight;
    const box = scrolls ? panel.getBoundingClientRect() : { top: 0, bottom: window.innerHeight };
    const edge = Math.min(EDGE, (box.bottom - box.top) / 4);
    let dy = 0;
    if (drag.y < box.top + edge) dy = -Math.ceil((box.top + edge - drag.y) / 4);
    else if (drag.y > box.bottom - edge) dy = Math.ceil((drag.y - (box.bottom - edge)) / 4);
    if (!dy) return;
    if (scrolls) panel.scrollBy(0, dy);
    else window.scrollBy(0, dy);
    setTarget(hitTest(drag.x, drag.y));
    scrollFrame = window.requestAnimationFrame(step);
  };
  scrollFrame = window.requestAnimationFrame(step);
}

function pointerUp(e) {
  if (!drag || e.pointerId !== drag.pointerId) return;
  if (drag.active) {
    // Decide from where the pointer was let go, not from the last move.
    drag.x = e.clientX;
    drag.y = e.clientY;
    const target = hitTest(drag.x, drag.y);
    const item = drag.card.item;
    endDrag();
    suppressClick();
    drop(item, target);
  } else {
    endDrag();
  }
}

function dragKey(e) {
  if (e.key === "Escape" && drag) {
    e.preventDefault();
    e.stopPropagation();
    endDrag();
    api.announce(t("g_cancelled"));
  }
}

function endDrag() {
  if (!drag) return;
  if (drag.ghost) drag.ghost.remove();
  drag.card.root.classList.remove("drag-source");
  document.body.classList.remove("dragging");
  clearTargetMarks();
  document.removeEventListener("pointermove", pointerMove);
  document.removeEventListener("pointerup", pointerUp);
  document.removeEventListener("pointercancel", endDrag);
  document.removeEventListener("keydown", dragKey, true);
  window.cancelAnimationFrame(scrollFrame);
  scrollFrame = 0;
  drag = null;
}

/** The click that ends a drag is not meant for whatever it was released over. */
function suppressClick() {
  const stop = (e) => {
    e.stopPropagation();
    e.preventDefault();
  };
  document.addEventListener("click", stop, true);
  window.setTimeout(() => document.removeEventListener("click", stop, true), 0);
}

/** Send a drop: a merge, or a move unless the idea would land where it already is. */
function drop(item, target) {
  if (!target) return;
  if (target.kind === "merge") {
    api.focusAfter(target.into);
    api.change("item_merge", { item: item.id, into: target.into }, api.what("g_did_merge", item));
    return;
  }
  const node = api.cards().has(item.id) ? api.cards().get(item.id).root : null;
  const same = item.theme === target.theme;
  const current = same && node ? [...target.list.children].indexOf(node) : -1;
  if (same && current === target.index) return;
  api.change("item_move", { item: item.id, theme: target.theme, index: target.index }, api.what("g_did_move", item));
}

// --- keyboard pick-up: Space, arrows, Enter, Escape on a focused idea -------------------

let picked = null; // {item, targets, at}

function pickupKey(e, card) {
  if (e.target !== card.root) return; // keys inside the card's own controls are theirs
  if (!picked) {
    if (e.key === " ") {
      e.preventDefault();
      startPickup(card);
    } else if (e.key === "Enter") {
      e.preventDefault();
      card.setOpen(!card.open);
    }
    return;
  }
  if (["ArrowDown", "ArrowRight", "ArrowUp", "ArrowLeft"].includes(e.key)) {
    e.preventDefault();
    const step = e.key === "ArrowDown" || e.key === "ArrowRight" ? 1 : -1;
    picked.at = (picked.at + step + picked.targets.length) % picked.targets.length;
    showPickTarget();
  } else if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    const target = picked.targets[picked.at];
    const item = card.item;
    cancelPickup();
    if (target.kind === "merge") drop(item, target);
    else if (target.theme !== item.theme) {
      api.focusAfter(item.id);
      api.change("item_move", { item: item.id, theme: target.theme, index: null }, api.what("g_did_move", item));
    }
  } else if (e.key === "Escape") {
    e.preventDefault();
    cancelPickup(t("g_cancelled"));
  }
}

function startPickup(card) {
  const targets = [{ kind: "move", theme: null, zone: looseZone, label: t("g_without_theme") }];
  for (const theme of api.gathering().themes) {
    targets.push({ kind: "move", theme: theme.id, zone: api.themeZone(theme.id), label: theme.title });
  }
  for (const [id, other] of api.cards()) {
    if (id !== card.id && !other.root.hidden) {
      targets.push({ kind: "merge", into: id, node: other.root, label: truncate(other.item.text, 60) });
    }
  }
  picked = { item: card.id, targets, at: 0 };
  card.root.classList.add("picked");
  api.announce(t("g_picked_up", { text: truncate(card.item.text, 60) }));
  showPickTarget();
}

function showPickTarget() {
  clearTargetMarks();
  const target = picked.targets[picked.at];
  const node = target.kind === "merge" ? target.node : target.zone;
  node.classList.add(target.kind === "merge" ? "merge-target" : "drop-active");
  node.scrollIntoView({ block: "nearest" });
  api.announce(
    target.kind === "merge"
      ? t("g_target_merge", { text: target.label })
      : t("g_target_move", { name: target.label })
  );
}

function cancelPickup(message) {
  if (!picked) return;
  const card = api.cards().get(picked.item);
  if (card) card.root.classList.remove("picked");
  picked = null;
  clearTargetMarks();
  if (message) api.announce(message);
}

api.drag = {
  pointerDown,
  key: pickupKey,
  /** An idea that loses the focus while picked up is put down where it was. */
  blurred(card) {
    if (picked && picked.item === card.id) cancelPickup(t("g_cancelled"));
  },
};
// An idea merged or hidden meanwhile cannot stay picked up.
api.rendered.push(() => {
  if (picked && !api.cards().has(picked.item)) cancelPickup();
});
