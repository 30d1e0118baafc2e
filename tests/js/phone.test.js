// The phone's pure parts: what it remembers across reloads (static/js/phone/seat.js) and
// what the table's lists show, posts the server has and ones still in the outbox
// (static/js/phone/posts.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { listed } from "../../static/js/phone/posts.js";
import { DEVICE_KEY, pickKey, remembered, seatKey } from "../../static/js/phone/seat.js";

/** The browser's storage as common.js's Cafe.store uses it: JSON under a key. */
class Storage {
  constructor(entries = {}) {
    this.data = new Map(Object.entries(entries).map(([k, v]) => [k, JSON.stringify(v)]));
  }
  get(key, fallback) {
    return this.data.has(key) ? JSON.parse(this.data.get(key)) : fallback;
  }
  set(key, value) {
    this.data.set(key, JSON.stringify(value));
  }
}

const hex = (n) => "a".repeat(n * 2);
const DEVICE = "0123456789abcdef0123456789abcdef";

test("a phone makes its device id once and keeps it for every event", () => {
  const storage = new Storage();
  const first = remembered(storage, "ABC234", NaN, hex);
  assert.equal(first.device, hex(24));
  assert.equal(storage.get(DEVICE_KEY), hex(24));
  const again = remembered(storage, "XYZ789", NaN, () => assert.fail("made again"));
  assert.equal(again.device, hex(24));
  // A stored id too short (or not a string) to be one is made anew.
  const broken = new Storage({ [DEVICE_KEY]: 42 });
  assert.equal(remembered(broken, "ABC234", NaN, hex).device, hex(24));
});

test("a seated phone finds its seat and the choice under way again, per event", () => {
  const storage = new Storage({
    [DEVICE_KEY]: DEVICE,
    [seatKey("ABC234")]: { table: 3, role: "asiakas" },
    [pickKey("ABC234")]: { table: 4, role: null },
  });
  const kept = remembered(storage, "ABC234", NaN, hex);
  assert.deepEqual(kept, { device: DEVICE, seat: { table: 3, role: "asiakas" }, pick: { table: 4, role: null } });
  assert.deepEqual(remembered(storage, "XYZ789", NaN, hex), { device: DEVICE, seat: null, pick: null });
});

test("another table's QR code keeps the role but asks first, and drops the choice under way", () => {
  const storage = new Storage({
    [DEVICE_KEY]: DEVICE,
    [seatKey("ABC234")]: { table: 3, role: "asiakas" },
    [pickKey("ABC234")]: { table: 4, role: null },
  });
  const moved = remembered(storage, "ABC234", 5, hex);
  assert.deepEqual(moved.seat, { table: 5, role: "asiakas", fresh: true });
  assert.equal(moved.pick, null);
  // The QR code of the table it sits at changes nothing.
  assert.deepEqual(remembered(storage, "ABC234", 3, hex).seat, { table: 3, role: "asiakas" });
  assert.deepEqual(remembered(storage, "ABC234", 4, hex).pick, { table: 4, role: null });
  // A first visit from a QR code.
  assert.deepEqual(remembered(new Storage(), "ABC234", 2, hex).seat, { table: 2, role: null, fresh: true });
});

test("a stored seat that names no table is forgotten", () => {
  for (const seat of [{ table: "3" }, [3], "3", { role: "asiakas" }]) {
    const storage = new Storage({ [DEVICE_KEY]: DEVICE, [seatKey("ABC234")]: seat });
    assert.equal(remembered(storage, "ABC234", NaN, hex).seat, null, JSON.stringify(seat));
  }
});

const post = (id, created, extra = {}) => ({ id, text: `idea ${id}`, created, core: false, table: 3, ...extra });

test("the lists show the server's posts oldest first, then the unsent ones of this table", () => {
  const posts = new Map([
    ["b", post("b", "2026-12-02T10:02:00")],
    ["a", post("a", "2026-12-02T10:01:00", { core: true })],
    ["c", post("c", "2026-12-02T10:03:00")],
  ]);
  const waiting = [
    { id: "w1", text: "unsent", core: false, table: 3 },
    { id: "c", text: "sent, answer lost", core: false, table: 3 },
    { id: "w2", text: "written at table 1", core: false, table: 1 },
    { id: "w3", text: "unsent core", core: true, table: 3 },
  ];
  const { core, ideas } = listed(posts, waiting, { table: 3, role: "asiakas" });
  assert.deepEqual(core.map((p) => p.id), ["a", "w3"]);
  assert.deepEqual(ideas.map((p) => p.id), ["b", "c", "w1"]);
  assert.deepEqual(ideas[2], { id: "w1", text: "unsent", core: false, role: "asiakas", pending: true });
  assert.equal(ideas[1].pending, undefined, "the server's copy, not the outbox's");
});

test("a phone with no seat lists no unsent posts", () => {
  const { core, ideas } = listed(new Map(), [{ id: "w1", text: "x", core: false, table: 3 }], null);
  assert.deepEqual([core, ideas], [[], []]);
});
