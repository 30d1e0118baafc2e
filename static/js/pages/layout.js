/* The projected board's layout, pure arithmetic (no DOM): how long a page stays, how
 * measured heights split into pages, and the grid the tables take. The unit tests
 * (tests/js/layout.test.js) run it without a browser. */

/** How long a page stays: time to read its text aloud in the room, within 6–18 s. */
export function dwell(chars) {
  return Math.min(18000, Math.max(6000, 2500 + 55 * chars));
}

/** Split items of ``heights`` (px) into pages of consecutive items that each fit
 *  ``capacity`` px with ``gap`` px between items. Returns [start, end) pairs; an item
 *  taller than the box gets a page of its own (the caller shows it in parts). */
export function pack(heights, capacity, gap) {
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
export function gridFor(n, width, height, em, gap) {
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

