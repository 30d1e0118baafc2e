/* One table's core ideas in a board cell, page after page at reading pace: as many whole
 * ideas per page as fit, an idea too long for the cell in parts of whole lines, and an
 * idea arriving live shown at the table's next turn without moving the page being read. */

import { dwell, pack } from "./layout.js";
import { narrow, reducedMotion } from "./screen.js";

const { t, el, roleLabel } = window.Cafe;

/** One table's core ideas in a board cell (``article``), oldest first, as many whole
 *  ideas per page as fit; the pages turn by themselves at reading pace. */
export function TablePager(article) {
  const list = article.querySelector(".cores");
  const counter = article.querySelector(".pager");
  let items = []; // posts, oldest first
  let views = []; // {start, end, part, parts}: what one turn shows
  let at = 0; // index into views
  // The idea at the top of the page on screen ({id, index, part}): kept while the cell is
  // out of view or has no size, so the reader's place survives every new layout.
  let anchor = null;
  let measured = false;
  let timer = null;
  let running = false;
  let shownAt = 0; // when the page on screen came on
  let read = false; // whether it stayed long enough to be read before the cell left
  const pending = []; // ids of ideas that arrived live and are not yet shown

  function card(post) {
    return el(
      "li",
      { class: "core", "data-id": post.id },
      el(
        "div",
        { class: "core-body" },
        el("span", { class: "text", text: post.text }),
        post.role ? el("span", { class: "role", text: roleLabel(post.role) }) : null
      )
    );
  }

  /** Lay every idea out at the cell's width and split them into views. */
  function measure() {
    const cards = Array.from(list.children);
    for (const li of cards) {
      li.hidden = false;
      li.classList.remove("long", "tight");
      li.style.height = "";
      li.firstElementChild.style.transform = "";
    }
    const capacity = list.clientHeight;
    measured = capacity > 0;
    // On a narrow screen (a laptop's half window, a phone) the board scrolls like a page.
    if (!cards.length || capacity <= 0 || narrow()) {
      views = cards.length ? [{ start: 0, end: cards.length, part: 0, parts: 1 }] : [];
      return;
    }
    const gap = parseFloat(getComputedStyle(list).rowGap) || 0;
    // An idea taller than the cell is first set at the floor size, then shown in parts.
    for (const li of cards) {
      if (li.offsetHeight > capacity) li.classList.add("tight");
    }
    const heights = cards.map((li) => li.offsetHeight);
    views = [];
    for (const [start, end] of pack(heights, capacity, gap)) {
      if (end - start === 1 && heights[start] > capacity) {
        const li = cards[start];
        li.classList.add("long");
        const padding = li.offsetHeight - li.firstElementChild.offsetHeight;
        const parts = partsOf(li.firstElementChild, capacity - padding);
        parts.forEach((w, part) =>
          views.push({ start, end, part, parts: parts.length, offset: w.top, height: w.height + padding })
        );
      } else {
        views.push({ start, end, part: 0, parts: 1 });
      }
    }
  }

  /** Windows of whole lines of ``body`` that each fit ``room`` px: {top, height}. The
   *  lines are read from the layout, so a taller glyph or the role tag is counted. */
  function partsOf(body, room) {
    const range = document.createRange();
    range.selectNodeContents(body);
    const origin = body.getBoundingClientRect().top;
    const lines = [];
    for (const rect of Array.from(range.getClientRects())) {
      if (!rect.height) continue;
      const top = rect.top - origin;
      const bottom = rect.bottom - origin;
      const line = lines.find((l) => top < l.bottom - 1 && bottom > l.top + 1);
      if (line) {
        line.top = Math.min(line.top, top);
        line.bottom = Math.max(line.bottom, bottom);
      } else {
        lines.push({ top, bottom });
      }
    }
    lines.sort((a, b) => a.top - b.top);
    const windows = [];
    let first = 0;
    while (first < lines.length) {
      let last = first;
      while (last + 1 < lines.length && lines[last + 1].bottom - lines[first].top <= room) last++;
      windows.push({ top: lines[first].top, height: lines[last].bottom - lines[first].top });
      first = last + 1;
    }
    return windows.length ? windows : [{ top: 0, height: room }];
  }

  function viewOf(index, part) {
    const found = views.findIndex((v) => v.start <= index && index < v.end && v.part === (part || 0));
    return found < 0 ? 0 : found;
  }

  /** Show view ``at``: its ideas, the part of a long one, and the counter. */
  function show(turned) {
    const cards = Array.from(list.children);
    const view = views[at];
    cards.forEach((li, i) => {
      li.hidden = !view || i < view.start || i >= view.end;
    });
    if (view && view.parts > 1) {
      // One window of whole lines of the long idea: the card is as tall as the window.
      const li = cards[view.start];
      li.style.height = view.height + "px";
      li.firstElementChild.style.transform = `translateY(${-view.offset}px)`;
    }
    for (let i = pending.length - 1; i >= 0; i--) {
      const index = items.findIndex((p) => p.id === pending[i]);
      if (index < 0 || (measured && view && index >= view.start && index < view.end)) pending.splice(i, 1);
    }
    if (view && measured) {
      const moved = !anchor || anchor.id !== items[view.start].id || anchor.part !== view.part;
      anchor = { id: items[view.start].id, index: view.start, part: view.part };
      if (moved) shownAt = Date.now();
    }
    showCounter(view);
    if (turned && !reducedMotion()) {
      list.classList.remove("turned");
      void list.offsetWidth; // restart the fade
      list.classList.add("turned");
    }
  }

  function showCounter(view) {
    const total = items.length;
    counter.hidden = total === 0;
    let text;
    if (!view || views.length <= 1) text = t("b_core_count", { n: total });
    else if (view.parts > 1)
      text = t("b_core_part", { n: view.start + 1, total, part: view.part + 1, parts: view.parts });
    else if (view.end - view.start === 1) text = t("b_core_one", { n: view.start + 1, total });
    else text = t("b_core_range", { first: view.start + 1, last: view.end, total });
    counter.textContent = text;
    // The same figures for tests and assistive technology, in one place.
    counter.dataset.first = view ? String(view.start + 1) : "0";
    counter.dataset.last = view ? String(view.end) : "0";
    counter.dataset.total = String(total);
    counter.dataset.part = view ? `${view.part + 1}/${view.parts}` : "";
    article.querySelector(".empty").hidden = total > 0;
  }

  function chars(view) {
    if (!view) return 0;
    const text = items.slice(view.start, view.end).reduce((n, p) => n + p.text.length, 0);
    return text / view.parts;
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = null;
    if (running && views.length > 1) timer = window.setTimeout(turn, dwell(chars(views[at])));
  }

  /** The next page; an idea that arrived live comes first, then the turns go on from it. */
  function turn() {
    if (pending.length) {
      at = viewOf(items.findIndex((p) => p.id === pending[0]));
    } else {
      at = (at + 1) % views.length;
    }
    show(true);
    schedule();
  }

  /** Lay out again (new size, new ideas), keeping the idea at the top of the page on
   *  screen there; if it is gone, the one that came after it. */
  function relayout() {
    measure();
    let index = anchor ? items.findIndex((p) => p.id === anchor.id) : 0;
    let part = anchor ? anchor.part : 0;
    if (index < 0) {
      index = Math.min(anchor.index, Math.max(items.length - 1, 0));
      part = 0;
    }
    at = viewOf(index, part);
    show(false);
  }

  return {
    /** Replace the table's ideas (``fresh``: the id of one that just arrived). */
    set(posts, fresh) {
      const hadPages = views.length > 1;
      const old = new Map(items.map((p) => [p.id, p]));
      items = posts.slice().sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
      // Keep the cards whose idea did not change: only new or edited ones are rebuilt.
      const byId = new Map(Array.from(list.children, (li) => [li.dataset.id, li]));
      list.replaceChildren(
        ...items.map((p) => {
          const kept = byId.get(p.id);
          const before = old.get(p.id);
          return kept && before && before.text === p.text && before.role === p.role ? kept : card(p);
        })
      );
      relayout();
      if (fresh) {
        const li = list.querySelector(`li[data-id="${CSS.escape(fresh)}"]`);
        if (li) {
          // The highlight plays once, when the idea first comes on screen.
          li.classList.add("fresh");
          li.addEventListener("animationend", () => li.classList.remove("fresh"), { once: true });
        }
        // Not on the page on screen (or the cell is out of view): it comes next.
        if (li && (li.hidden || !measured) && !pending.includes(fresh)) pending.push(fresh);
      }
      if (!hadPages || !timer) schedule();
    },
    /** The cell changed size (window, grid or the cell came into view). */
    resize() {
      relayout();
      schedule();
    },
    /** Turn pages only while the cell is on screen; ``next``: the page it showed last
     *  time was read then, so it comes back with the next one. */
    run(on, next) {
      if (running === on) return;
      running = on;
      // A page that was on screen for less than half its time is shown again.
      if (!on) read = Date.now() - shownAt >= dwell(chars(views[at])) / 2;
      if (on && next && read && views.length > 1) turn();
      else schedule();
    },
  };
}

