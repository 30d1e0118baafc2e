// The gathering view's revision editor (static/js/gather/revisions.js): when it saves,
// what a save on an old revision does, and when the server's newer text may replace what
// the person sees. Driven as the page drives it, against a server that numbers revisions
// and refuses a stale base the way cafe/domain/summary.py's check_base_revision does.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { RevisionText } from "../../static/js/gather/revisions.js";

/** Revisions as the server keeps them: a save on anything but the newest is refused. */
class RevisionServer {
  constructor() {
    this.revision = 0;
    this.values = { title: "", body: "" };
    this.saves = []; // [{values, base}] in the order they arrived
    this.held = null; // while set, answers wait until release()
    this.offline = false;
  }

  /** The answer is made when the save arrives; while held, it is on its way back. */
  async save(values, base) {
    this.saves.push({ values: { ...values }, base });
    const answer = this.answer(values, base);
    if (this.held) await this.held.promise;
    return answer;
  }

  answer(values, base) {
    if (this.offline) return { ok: false, timeout: true, message: "error" };
    if (base !== this.revision) {
      return {
        ok: false,
        error: "summary_stale",
        message: "modified in the meantime",
        current: { revision: this.revision, ...this.values },
      };
    }
    this.values = { ...this.values, ...values };
    this.revision += 1;
    return { ok: true, revision: this.revision };
  }

  /** Someone else saves: returns the broadcast every page receives. */
  saveElsewhere(values) {
    this.values = { ...this.values, ...values };
    this.revision += 1;
    return { revision: this.revision, ...this.values };
  }

  hold() {
    let release;
    const promise = new Promise((resolve) => (release = resolve));
    this.held = { promise, release };
  }

  release() {
    const { release } = this.held;
    this.held = null;
    release();
  }
}

/** Timers the test runs by hand. */
class ManualTimers {
  constructor() {
    this.next = 1;
    this.pending = new Map();
  }
  setTimeout(fn) {
    const id = this.next++;
    this.pending.set(id, fn);
    return id;
  }
  clearTimeout(id) {
    this.pending.delete(id);
  }
  runAll() {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const fn of due) fn();
  }
}

/** Lets pending promise callbacks (the awaited answers) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A theme's title and paragraph on a page, with a person who types into them. */
function editorOn(server) {
  const fields = { title: "", body: "" };
  const page = { fields, focus: false, states: [], conflict: null, message: "" };
  const timers = new ManualTimers();
  const text = new RevisionText({
    read: () => ({ ...fields }),
    write(values) {
      for (const name of Object.keys(fields)) if (name in values) fields[name] = values[name];
    },
    focused: () => page.focus,
    send: (values, base) => server.save(values, base),
    show: (state) => page.states.push(state),
    showConflict(current, message) {
      page.conflict = current && { ...current };
      page.message = message;
    },
    timers,
  });
  const type = (name, value) => {
    page.focus = true;
    fields[name] = value;
    text.edited();
  };
  return { text, page, fields, timers, type };
}

describe("saving", () => {
  test("typing saves once typing stops, on the revision it started from", async () => {
    const server = new RevisionServer();
    const { text, page, timers, type } = editorOn(server);
    text.receive({ revision: 0, title: "", body: "" });
    type("title", "Päihteet");
    type("title", "Päihteet ja alkoholi");
    assert.equal(server.saves.length, 0, "no save while typing");
    assert.equal(text.pending, true);
    timers.runAll();
    await settle();
    assert.deepEqual(server.saves, [{ values: { title: "Päihteet ja alkoholi", body: "" }, base: 0 }]);
    assert.deepEqual(page.states.slice(-2), ["g_saving", "g_saved"]);
    assert.equal(text.pending, false);
    assert.equal(text.base, 1);
  });

  test("leaving the field saves at once; nothing unsaved sends nothing", async () => {
    const server = new RevisionServer();
    const { text, timers, type } = editorOn(server);
    type("body", "Kappale");
    text.left();
    await settle();
    assert.equal(server.saves.length, 1);
    timers.runAll(); // the autosave timer was cancelled by the save
    text.left();
    await settle();
    assert.equal(server.saves.length, 1);
    assert.equal(server.values.body, "Kappale");
  });

  test("a save asked for while one is on its way goes out after it, on the new base", async () => {
    const server = new RevisionServer();
    const { text, type } = editorOn(server);
    server.hold();
    type("body", "first");
    text.save();
    await settle();
    type("body", "first and second");
    text.save(); // the Save button while the first save waits for its answer
    await settle();
    assert.equal(server.saves.length, 1, "one save at a time");
    server.release();
    await settle();
    await settle();
    assert.deepEqual(
      server.saves.map((s) => [s.values.body, s.base]),
      [["first", 0], ["first and second", 1]]
    );
    assert.equal(server.values.body, "first and second");
    assert.equal(text.pending, false);
  });

  test("text typed while a save was on its way stays unsaved and is saved next", async () => {
    const server = new RevisionServer();
    const { text, timers, type } = editorOn(server);
    server.hold();
    type("body", "one");
    text.save();
    await settle();
    type("body", "one two");
    server.release();
    await settle();
    assert.equal(text.pending, true, "what was typed meanwhile is not saved yet");
    timers.runAll();
    await settle();
    assert.equal(server.values.body, "one two");
    assert.equal(text.pending, false);
  });

  test("a save lost with the connection is kept and goes out again after a reconnect", async () => {
    const server = new RevisionServer();
    const { text, page, type } = editorOn(server);
    server.offline = true;
    type("body", "written offline");
    text.left();
    await settle();
    assert.equal(page.states.at(-1), "g_not_saved");
    assert.equal(text.pending, true);
    server.offline = false;
    text.retry();
    await settle();
    assert.equal(server.values.body, "written offline");
    assert.equal(page.states.at(-1), "g_saved");
  });
});

describe("the server's newer text", () => {
  test("waits while the person is in the field, then replaces the text when they leave", () => {
    const server = new RevisionServer();
    const { text, fields, page } = editorOn(server);
    page.focus = true;
    text.receive(server.saveElsewhere({ title: "Toisen otsikko" }));
    assert.equal(fields.title, "", "not pulled from under the person's fingers");
    page.focus = false;
    text.left();
    assert.equal(fields.title, "Toisen otsikko");
    assert.equal(text.base, 1);
  });

  test("never replaces unsaved text", () => {
    const server = new RevisionServer();
    const { text, fields, page, type } = editorOn(server);
    type("body", "my words");
    page.focus = false;
    text.receive(server.saveElsewhere({ body: "their words" }));
    assert.equal(fields.body, "my words");
    assert.equal(text.base, 0);
  });
});

describe("a save on an old revision", () => {
  async function refused() {
    const server = new RevisionServer();
    const editor = editorOn(server);
    editor.text.receive({ revision: 0, title: "", body: "" });
    server.saveElsewhere({ body: "their words" }); // its broadcast has not arrived yet
    editor.type("body", "my words");
    editor.text.left();
    await settle();
    return { server, ...editor };
  }

  test("is refused and shows the newer text beside the person's, which stays", async () => {
    const { text, fields, page, server } = await refused();
    assert.equal(server.revision, 1, "nothing stored over the other save");
    assert.deepEqual(page.conflict, { revision: 1, title: "", body: "their words" });
    assert.equal(page.message, "modified in the meantime");
    assert.equal(fields.body, "my words");
    assert.equal(page.states.at(-1), "g_not_saved");
    assert.equal(text.pending, true);
  });

  test("sends nothing more while the two texts are compared", async () => {
    const { text, timers, type, server } = await refused();
    type("body", "my words, edited");
    timers.runAll();
    text.retry();
    await settle();
    assert.equal(server.saves.length, 1);
  });

  test("keeping mine saves it over the newer text, knowingly", async () => {
    const { text, page, server } = await refused();
    text.keepMine();
    await settle();
    assert.equal(page.conflict, null);
    assert.deepEqual(server.saves.at(-1), { values: { title: "", body: "my words" }, base: 1 });
    assert.equal(server.values.body, "my words");
    assert.equal(server.revision, 2);
  });

  test("taking the newer text drops mine and saves nothing", async () => {
    const { text, fields, page, server } = await refused();
    text.useNewer();
    await settle();
    assert.equal(fields.body, "their words");
    assert.equal(text.pending, false);
    assert.equal(text.base, 1);
    assert.equal(page.conflict, null);
    assert.equal(server.saves.length, 1);
  });

  test("compares with the newest text when another save arrives meanwhile", async () => {
    const { text, page, server } = await refused();
    text.receive(server.saveElsewhere({ body: "their second words" }));
    assert.deepEqual(page.conflict, { revision: 2, title: "", body: "their second words" });
    text.keepMine();
    await settle();
    assert.equal(server.saves.at(-1).base, 2);
    assert.equal(server.values.body, "my words");
  });

  test("compares with a broadcast newer than the refusal's copy", async () => {
    const server = new RevisionServer();
    const { text, page, type } = editorOn(server);
    server.saveElsewhere({ body: "second" });
    server.hold();
    type("body", "mine");
    text.left(); // refused with revision 1 ("second"), the answer on its way…
    await settle();
    // …when the broadcast of yet another save (revision 2) arrives first.
    text.receive(server.saveElsewhere({ body: "third" }));
    server.release();
    await settle();
    assert.deepEqual(page.conflict, { revision: 2, title: "", body: "third" });
  });
});
