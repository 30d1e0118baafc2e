/* The shared summary on the board in the summary phase: set as large as fits, down to the
 * floor of the ideas' text, then shown page by page. */

import { dwell } from "./layout.js";
import { reducedMotion } from "./screen.js";

const { t } = window.Cafe;

/** The shared summary in the summary phase: set as large as fits (1.5 em down to the
 *  floor of the ideas' text); what does not fit at the floor is shown page by page. */
export function SummaryPager(box, counter) {
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

