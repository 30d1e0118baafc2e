/* Paging for the projected board. A projector never scrolls and its text never shrinks
 * below a floor readable from the back of the room (28 px at 1080p), so what does not fit
 * is shown in turns, and the board always says which part is on screen ("4–6 of 20").
 *
 *   pack()          split measured heights into pages that each fit a box
 *   gridFor()       how many columns and rows the tables take, and how many at a time
 *   TablePager      one table's core ideas, page after page, live updates keep the place
 *   SummaryPager    the shared summary, fitted down to the floor, then paged
 */
"use strict";

window.CafePages = (function () {
  const { t, el, roleLabel } = window.Cafe;

  /** Whether the room's screen asked for no motion: pages still turn, without a fade. */
  const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  /** Below 900 px the board is a scrolling page, not a projection (app.css). */
  const narrow = () => window.matchMedia("(max-width: 900px)").matches;

  /** How long a page stays: time to read its text aloud in the room, within 6–18 s. */
  function dwell(chars) {
    return Math.min(18000, Math.max(6000, 2500 + 55 * chars));
  }

  /** Split items of ``heights`` (px) into pages of consecutive items that each fit
   *  ``capacity`` px with ``gap`` px between items. Returns [start, end) pairs; an item
   *  taller than the box gets a page of its own (the caller shows it in parts). */
  function pack(heights, capacity, gap) {
    const pages = [];
    let start = 0;
    let used = 0;
    heights.forEach((height, i) => {
      const need = i === start ? height : used + gap + height;
      if (i > start && need > capacity) {
        pages.push([start, i]);
        start = i;
        used = height;
      } else {
        used = need;
      }
    });
    if (heights.length) pages.push([start, heights.length]);
    return pages;
  }

  // A table's cell must hold lines of about 24 characters (Finnish compounds are long and
  // the board does not hyphenate) and five lines of ideas between its name and its counter
  // (about 4 em); smaller cells would cut most ideas into parts, so beyond that many
  // tables the board shows them in turns. Sizes are in em of the board's type.
  const CELL_MIN_WIDTH = 13.5;
  const CELL_MIN_HEIGHT = 11;
  const CELL_CHROME = 4;
  const CHAR_WIDTH = 0.55; // an average glyph of the system sans, in em
  const LINE = 1.3;

  /** The grid for ``n`` tables in a box of ``width`` × ``height`` px (``em`` px to the
   *  em, ``gap`` px between cells): {cols, rows, perGroup}. Among the layouts that keep
   *  cells at least the minimum size, the one whose cells hold the most readable text
   *  (lines × characters per line, a line longer than 40 characters counting as 40). */
  function gridFor(n, width, height, em, gap) {
    const maxCols = Math.max(1, Math.floor((width + gap) / (CELL_MIN_WIDTH * em + gap)));
    const maxRows = Math.max(1, Math.floor((height + gap) / (CELL_MIN_HEIGHT * em + gap)));
    const groups = Math.max(1, Math.ceil(n / (maxCols * maxRows)));
    const perGroup = Math.max(1, Math.ceil(n / groups));
    let best = null;
    for (let cols = 1; cols <= Math.min(perGroup, maxCols); cols++) {
      const rows = Math.ceil(perGroup / cols);
      if (rows > maxRows) continue;
      const cellW = (width - (cols - 1) * gap) / cols;
      const cellH = (height - (rows - 1) * gap) / rows;
      const chars = (cellW - 2.2 * em) / (CHAR_WIDTH * em);
      const lines = (cellH - CELL_CHROME * em) / (LINE * em);
      const score = Math.min(chars, 40) * Math.max(lines, 0) * Math.min(1, (chars / 24) ** 3);
      if (!best || score > best.score) best = { cols, rows, perGroup, score };
    }
    return best || { cols: maxCols, rows: maxRows, perGroup };
  }

  /** One table's core ideas in a board cell (``article``), oldest first, as many whole
   *  ideas per page as fit; the pages turn by themselves at reading pace. */
  function TablePager(article) {
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

  /** The shared summary in the summary phase: set as large as fits (1.5 em down to the
   *  floor of the ideas' text); what does not fit at the floor is shown page by page. */
  function SummaryPager(box, counter) {
    let pieces = []; // top-level blocks: intro paragraphs, section titles, themes
    let pages = []; // [start, end) into pieces
    let at = 0;
    let timer = null;
    let running = false;

    const overflows = () =>
      box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1;

    function place(start, end) {
      box.replaceChildren(...pieces.slice(start, end));
    }

    // The block at the top of the page on screen, by a key that survives a new summary
    // (every change re-renders the blocks): a theme's id, else its place.
    let anchor = null;
    const keyOf = (node, index) => (node.dataset.theme ? "theme:" + node.dataset.theme : "at:" + index);

    function fit() {
      if (box.clientHeight <= 0) return;
      box.replaceChildren(...pieces);
      let size = 1.5;
      box.style.fontSize = size + "em";
      while (size > 1 && overflows()) {
        size = Math.max(1, size - 0.05);
        box.style.fontSize = size.toFixed(2) + "em";
      }
      // Still too much at the floor: as many whole blocks per page as fit.
      pages = [];
      let start = 0;
      while (start < pieces.length) {
        let end = start + 1;
        place(start, end);
        while (end < pieces.length) {
          box.append(pieces[end]);
          if (overflows()) {
            pieces[end].remove();
            break;
          }
          end++;
        }
        // A section's title never ends a page: it goes with its first theme.
        if (end - start > 1 && end < pieces.length && pieces[end - 1].classList.contains("summary-section")) end--;
        pages.push([start, end]);
        start = end;
      }
      const found = anchor ? pieces.findIndex((node, i) => keyOf(node, i) === anchor.key) : -1;
      const index = found >= 0 ? found : anchor ? Math.min(anchor.index, pieces.length - 1) : 0;
      at = Math.max(0, pages.findIndex(([start, end]) => index >= start && index < end));
      show();
    }

    function show() {
      const page = pages[at] || [0, 0];
      place(page[0], page[1]);
      counter.hidden = pages.length <= 1;
      counter.textContent = t("b_summary_page", { n: at + 1, total: pages.length });
      counter.dataset.page = String(at + 1);
      counter.dataset.pages = String(pages.length);
      if (pieces[page[0]]) anchor = { key: keyOf(pieces[page[0]], page[0]), index: page[0] };
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = null;
      if (!running || pages.length <= 1) return;
      const page = pages[at];
      const chars = pieces.slice(page[0], page[1]).reduce((n, node) => n + node.textContent.length, 0);
      // A page of summary is read, not glanced at: twice an idea's pace, up to a minute.
      timer = window.setTimeout(turn, Math.min(60000, Math.max(15000, 2 * dwell(chars))));
    }

    function turn() {
      at = (at + 1) % pages.length;
      show();
      if (!reducedMotion()) {
        box.classList.remove("turned");
        void box.offsetWidth;
        box.classList.add("turned");
      }
      schedule();
    }

    return {
      /** New summary content (the blocks renderSummary made), keeping the page shown. */
      set(blocks) {
        pieces = blocks;
        fit();
        // A facilitator typing sends a new summary every few seconds: the page's own time
        // goes on, or the board would never turn.
        if (!timer || pages.length <= 1) schedule();
      },
      resize() {
        fit();
        schedule();
      },
      run(on) {
        running = on;
        if (on) fit();
        schedule();
      },
    };
  }

  return { pack, gridFor, dwell, reducedMotion, narrow, TablePager, SummaryPager };
})();
