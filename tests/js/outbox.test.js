// The phone's outbox (static/js/outbox.js): what is kept, in which order it goes out, what
// an acknowledgement, a lost answer, a rate limit and a refusal each do to it, and that it
// survives a reload under its event's code.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Outbox, outboxKey } from "../../static/js/outbox.js";

/** The browser's storage as common.js's Cafe.store uses it: JSON under a key. */
class Storage {
  constructor() {
    this.data = new Map();
  }
  get(key, fallback) {
    return this.data.has(key) ? JSON.parse(this.data.get(key)) : fallback;
  }
  set(key, value) {
    this.data.set(key, JSON.stringify(value));
  }
}

/** The server's side of `post`: stores each id once; answers as scripted, else ok. */
class PostServer {
  constructor() {
    this.stored = new Map();
    this.received = [];
    this.script = []; // answers for the next posts: "timeout", "rate_limited", "too_long"
  }
  async post(item) {
    this.received.push(item.id);
    const next = this.script.shift();
    if (next === "timeout") return { ok: false, timeout: true, message: "error" };
    if (next === "rate_limited") return { ok: false, error: "rate_limited", message: "slow down" };
    if (next === "too_long") return { ok: false, error: "too_long", message: "too long" };
    const duplicate = this.stored.has(item.id);
    this.stored.set(item.id, item.text);
    return { ok: true, duplicate, post: { id: item.id, text: item.text, table: item.table } };
  }
}

const idea = (n) => ({ id: `id-${n}`, text: `idea ${n}`, core: false, table: 3 });

function phone(code = "ABC234") {
  const storage = new Storage();
  const server = new PostServer();
  const outbox = new Outbox(storage, code);
  const seen = { sent: [], held: [], refused: [], changed: 0 };
  let connected = true;
  const flush = () =>
    outbox.flush(
      (item) => server.post(item),
      () => connected,
      {
        sent: (item) => seen.sent.push(item.id),
        held: (item, ack) => seen.held.push([item.id, ack.error || "timeout"]),
        refused: (item, ack) => seen.refused.push([item.text, ack.message]),
        changed: () => (seen.changed += 1),
      }
    );
  return { storage, server, outbox, seen, flush, disconnect: () => (connected = false) };
}

test("posts go out oldest first and leave the outbox only when acknowledged", async () => {
  const { outbox, server, seen, flush, storage } = phone();
  outbox.add(idea(1));
  outbox.add(idea(2));
  outbox.add(idea(3));
  assert.deepEqual(storage.get(outboxKey("ABC234"), null).map((i) => i.id), ["id-1", "id-2", "id-3"]);
  await flush();
  assert.deepEqual(server.received, ["id-1", "id-2", "id-3"]);
  assert.deepEqual(seen.sent, ["id-1", "id-2", "id-3"]);
  assert.equal(outbox.size, 0);
  assert.deepEqual(storage.get(outboxKey("ABC234"), null), []);
});

test("a post with no answer stays first and the later ones wait behind it", async () => {
  const { outbox, server, seen, flush } = phone();
  outbox.add(idea(1));
  outbox.add(idea(2));
  server.script = ["timeout"];
  await flush();
  assert.deepEqual(server.received, ["id-1"], "nothing overtakes the unanswered post");
  assert.deepEqual(seen.held, [["id-1", "timeout"]]);
  assert.deepEqual(outbox.items.map((i) => i.id), ["id-1", "id-2"]);
  await flush(); // the timer's or the reconnect's try
  assert.deepEqual(server.received, ["id-1", "id-1", "id-2"]);
  assert.equal(outbox.size, 0);
  assert.deepEqual([...server.stored.keys()], ["id-1", "id-2"]);
});

test("a rate-limited post is kept for a later try", async () => {
  const { outbox, server, seen, flush } = phone();
  outbox.add(idea(1));
  server.script = ["rate_limited"];
  await flush();
  assert.deepEqual(seen.held, [["id-1", "rate_limited"]]);
  assert.equal(outbox.size, 1);
  await flush();
  assert.equal(outbox.size, 0);
});

test("a post refused for good leaves the outbox, its text handed back; the rest go on", async () => {
  const { outbox, server, seen, flush } = phone();
  outbox.add(idea(1));
  outbox.add(idea(2));
  server.script = ["too_long"];
  await flush();
  assert.deepEqual(seen.refused, [["idea 1", "too long"]]);
  assert.deepEqual(seen.sent, ["id-2"]);
  assert.equal(outbox.size, 0);
  assert.equal(seen.changed, 2);
});

test("nothing is sent while offline, and a flush under way is not started twice", async () => {
  const offline = phone();
  offline.outbox.add(idea(1));
  offline.disconnect();
  await offline.flush();
  assert.deepEqual(offline.server.received, []);
  assert.equal(offline.outbox.size, 1);

  const { outbox, server, flush } = phone();
  outbox.add(idea(1));
  outbox.add(idea(2));
  await Promise.all([flush(), flush()]);
  assert.deepEqual(server.received, ["id-1", "id-2"], "each post sent once");
});

test("a post added while a flush is under way goes out in the same flush", async () => {
  const { outbox, server, flush } = phone();
  outbox.add(idea(1));
  const sending = flush();
  outbox.add(idea(2));
  await sending;
  assert.deepEqual(server.received, ["id-1", "id-2"]);
});

test("the outbox survives a reload under its event's code, and only there", async () => {
  const { storage, outbox } = phone("ABC234");
  outbox.add(idea(1));
  const reloaded = new Outbox(storage, "ABC234");
  assert.deepEqual(reloaded.items, [idea(1)]);
  const otherEvent = new Outbox(storage, "XYZ789");
  assert.equal(otherEvent.size, 0);
  assert.notEqual(outboxKey("ABC234"), outboxKey("XYZ789"));
});

test("a stored outbox that is not a list starts empty", () => {
  const storage = new Storage();
  storage.set(outboxKey("ABC234"), { broken: true });
  assert.equal(new Outbox(storage, "ABC234").size, 0);
});

test("put keeps one item in place of the waiting ones it replaces, and an answer to an older one does not take it out", async () => {
  const { outbox, server, seen } = phone();
  const same = (a) => (b) => b.item === a.item;
  outbox.put({ id: "t1", item: "x", text: "1" }, same({ item: "x" }));
  outbox.put({ id: "t2", item: "y", text: "1" }, same({ item: "y" }));
  outbox.put({ id: "t3", item: "x", text: "2" }, same({ item: "x" }));
  assert.deepEqual(outbox.items.map((i) => i.id), ["t2", "t3"]);
  let answer = null;
  const sending = outbox.flush(
    (item) => (answer ? server.post(item) : new Promise((resolve) => (answer = () => resolve(server.post(item))))),
    () => true,
    { sent: (item) => seen.sent.push(item.id) }
  );
  outbox.put({ id: "t4", item: "y", text: "2" }, same({ item: "y" })); // t2 is on its way
  answer();
  await sending;
  assert.deepEqual(server.received, ["t2", "t3", "t4"]);
  assert.deepEqual(seen.sent, ["t2", "t3", "t4"]);
  assert.equal(outbox.size, 0);
});

test("an outbox under another key is another outbox; stored items without an id are dropped", () => {
  const storage = new Storage();
  const votes = new Outbox(storage, "ABC234", "cafe.votes.ABC234");
  votes.add(idea(1));
  assert.equal(new Outbox(storage, "ABC234").size, 0);
  assert.deepEqual(storage.get("cafe.votes.ABC234", null), [idea(1)]);
  storage.set(outboxKey("ABC234"), [idea(2), null, "text", { id: 7 }, idea(3)]);
  assert.deepEqual(new Outbox(storage, "ABC234").items.map((i) => i.id), ["id-2", "id-3"]);
});
