// The board's paging arithmetic (static/js/pages/layout.js): pages of whole ideas, the
// grid of tables, and how long a page stays.
import assert from "node:assert/strict";
import { test } from "node:test";

import { dwell, gridFor, pack } from "../../static/js/pages/layout.js";

const pick = ({ cols, rows, perGroup }) => ({ cols, rows, perGroup });

test("ideas are packed into pages of whole ideas that fit, gaps counted", () => {
  assert.deepEqual(pack([100, 100, 100], 300, 0), [[0, 3]]);
  // With 10 px gaps the third no longer fits: 100 + 10 + 100 + 10 + 100 = 320.
  assert.deepEqual(pack([100, 100, 100], 300, 10), [[0, 2], [2, 3]]);
  assert.deepEqual(pack([], 300, 10), []);
});

test("an idea taller than the box gets a page of its own", () => {
  assert.deepEqual(pack([50, 400, 50], 300, 0), [[0, 1], [1, 2], [2, 3]]);
  assert.deepEqual(pack([400, 50], 300, 0), [[0, 1], [1, 2]], "never an empty page");
});

test("a page stays long enough to be read aloud, within 6 to 18 seconds", () => {
  assert.equal(dwell(0), 6000);
  assert.equal(dwell(100), 8000);
  assert.equal(dwell(10000), 18000);
  assert.ok(dwell(200) > dwell(100));
});

test("the tables take turns only when their cells would be too small to read", () => {
  const em = 28;
  const [width, height, gap] = [1840, 900, 16];
  // Cells of at least 13.5 × 11 em: 4 columns and 2 rows at most in this box.
  assert.deepEqual(pick(gridFor(6, width, height, em, gap)), { cols: 3, rows: 2, perGroup: 6 });
  assert.deepEqual(pick(gridFor(8, width, height, em, gap)), { cols: 4, rows: 2, perGroup: 8 });
  // 15 tables: two turns of 8 rather than cells too small to read.
  assert.deepEqual(pick(gridFor(15, width, height, em, gap)), { cols: 4, rows: 2, perGroup: 8 });
  for (let n = 1; n <= 40; n++) {
    const grid = gridFor(n, width, height, em, gap);
    const turns = Math.ceil(n / grid.perGroup);
    assert.ok(turns * grid.perGroup >= n, `${n} tables all shown`);
    assert.ok(grid.cols * grid.rows >= grid.perGroup, `${n}: a cell for each table of a turn`);
    assert.ok((width - (grid.cols - 1) * gap) / grid.cols >= 13.5 * em, `${n}: cells wide enough`);
    assert.ok((height - (grid.rows - 1) * gap) / grid.rows >= 11 * em, `${n}: cells tall enough`);
  }
});

test("a narrow box takes one column rather than cells too thin to read", () => {
  const grid = gridFor(3, 500, 2000, 20, 10);
  assert.equal(grid.cols, 1);
  assert.equal(grid.rows, 3);
});
