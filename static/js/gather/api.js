/* What the gathering view's modules share: one object, `api`, that each of them imports.
 *
 * gather.js fills in the connection (`send`, `change`, `announce`, `showError`) and keeps
 * `page` up to date from every `gathering` broadcast; the cards (gather/item-card.js,
 * gather/theme-card.js) register here by id, and drag, undo and filter hook in through
 * `rendered`, `record` and `drag`. Module code runs once, in import order, before
 * gather.js's own body: everything here is looked up when called, not when imported.
 */

const { t, roleLabel, sectionLabel: phaseSectionLabel } = window.Cafe;

const root = document.getElementById("gather");

/** The server's limits on what is typed (the page's data attributes). */
export const limits = {
  title: parseInt(root.dataset.maxTitle, 10),
  body: parseInt(root.dataset.maxBody, 10),
  intro: parseInt(root.dataset.maxIntro, 10),
  item: parseInt(root.dataset.maxItem, 10),
};

/** The last `gathering` payload and lookups built from it (gather.js's render). */
export const page = {
  gathering: null,
  itemsById: new Map(), // item id → item
  tableNames: new Map(), // table id → name
  focusItemAfter: null, // an item whose card gets the focus once it is rendered
};

export const itemNodes = new Map(); // item id → item card (gather/item-card.js)
export const themeNodes = new Map(); // theme id → theme card (gather/theme-card.js)

export const api = {
  /** Emit with an ack; a refusal is shown unless its code is in `quiet` (gather.js). */
  send: null,
  /** Send a change the person can undo (gather.js). */
  change: null,
  announce: null,
  showError: null,
  gathering: () => page.gathering,
  cards: () => itemNodes,
  /** Called with the payload after every render. */
  rendered: [],
  /** Set by undo.js: keeps a change's inverse (`ack.undo`) under a label. */
  record: null,
  /** Set by drag.js: {pointerDown, key, blurred} for each idea card. */
  drag: null,
  /** The card of item `id` takes the focus once the next render shows it. */
  focusAfter(id) {
    page.focusItemAfter = id;
  },
  /** The drop zone (a theme's card) of theme `id`. */
  themeZone: (id) => themeNodes.get(id).root,
  /** How the undo buttons name a change to an idea. */
  what: (key, item) => t(key, { text: truncate(item.text, 40) }),
};

export function truncate(text, n) {
  return text.length > n ? text.slice(0, n - 1).trimEnd() + "…" : text;
}

/** "Pöytä 1 · Pöytä 3 · kokemusasiantuntija" */
export function traceText(item) {
  return [...item.tables, ...item.roles.map(roleLabel)].join(" · ");
}

/** A workshop section's label ("" in a Cafe Social, which has one summary), in this
 *  page's language (the broadcast's labels are in the event's). */
export function sectionLabel(section) {
  const found = page.gathering && page.gathering.sections.find((x) => x.id === section);
  return found ? phaseSectionLabel(section) || found.label : "";
}

/** Put `nodes` into `parent` in this order, moving only what is out of place: a node
 *  that stays where it is keeps its focus and its scroll position. */
export function placeChildren(parent, nodes) {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}
