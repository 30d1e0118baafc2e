/* A text saved as revisions, without the page: when to save, what a save on an old
 * revision does, and when the server's newer text may replace what the fields show.
 * gather/editor.js binds it to a theme's title and paragraph or to the intro; the unit
 * tests (tests/js/revisions.test.js) drive it with no browser.
 *
 * `base` is the revision the person started from; each save names it, and the server
 * refuses a save on a revision older than its newest ("summary_stale", with the current
 * text). The server's copy replaces what the fields show only while the person is not
 * in them and has nothing unsaved; otherwise it waits, and after a refused save both
 * texts stay side by side until the person keeps theirs (saved on the newer base) or
 * takes the newer one.
 *
 * The page is reached through ports, so that nothing here needs a DOM:
 *   read()                 the fields' values, {name: text}
 *   write(values)          put values in the fields (names not given are left alone)
 *   focused()              whether the person is in one of the fields
 *   send(values, base)     save; resolves to the server's ack
 *   show(state)            "g_unsaved", "g_saving", "g_saved", "g_not_saved"
 *   showConflict(c, msg)   the newer text {revision, …values} beside the form; null: none
 *   timers                 {setTimeout, clearTimeout} (the autosave after typing stops)
 */

/** Milliseconds after the last keystroke before an autosave. */
export const AUTOSAVE_MS = 1200;

export class RevisionText {
  constructor({ read, write, focused, send, show, showConflict, timers = globalThis, delay = AUTOSAVE_MS }) {
    Object.assign(this, { read, write, focused, send, show, showConflict, timers, delay });
    this.base = 0; // the revision the fields' text started from
    this.known = null; // the server's newest copy, {revision, …values}
    this.dirty = false; // the fields hold text not yet saved
    this.saving = false;
    this.again = false; // asked to save while a save was under way
    this.conflict = null; // the newer text a save was refused for, while shown
    this.conflictMessage = "";
    this.timer = 0;
  }

  /** Unsaved text or a save under way (leaving the page would lose it). */
  get pending() {
    return this.dirty || this.saving;
  }

  /** The person typed: unsaved, saved once typing stops. */
  edited() {
    this.dirty = true;
    this.show("g_unsaved");
    this.schedule();
  }

  schedule() {
    this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.save(), this.delay);
  }

  /** The person left the fields: save now, or take in what arrived meanwhile. */
  left() {
    if (this.dirty) this.save();
    else this.applyKnown();
  }

  /** The server's copy arrived (sync or broadcast). */
  receive(server) {
    this.known = server;
    if (this.conflict && server.revision > this.conflict.revision) {
      // Saved again elsewhere while the person compares: compare with the newest.
      this.conflict = { ...this.conflict, ...server };
      this.showConflict(this.conflict, this.conflictMessage);
    }
    this.applyKnown();
  }

  /** Show the server's copy, unless that would take away what the person is doing. */
  applyKnown() {
    if (!this.known || this.dirty || this.saving || this.conflict || this.focused()) return;
    this.write(this.known);
    this.base = this.known.revision;
  }

  async save() {
    this.timers.clearTimeout(this.timer);
    if (!this.dirty || this.conflict) return;
    if (this.saving) {
      this.again = true;
      return;
    }
    this.saving = true;
    this.show("g_saving");
    const sent = this.read();
    const ack = await this.send(sent, this.base);
    this.saving = false;
    if (ack.ok) {
      this.base = ack.revision;
      if (sameValues(this.read(), sent)) {
        this.dirty = false;
        this.show("g_saved");
      } else if (!this.again) {
        this.schedule(); // typed on while it was saving
      }
    } else if (ack.error === "summary_stale") {
      this.again = false;
      // A broadcast may already have brought an even newer text: compare with that.
      const known = this.known && this.known.revision > ack.current.revision ? this.known : {};
      this.conflict = { ...ack.current, ...known };
      this.conflictMessage = ack.message;
      this.showConflict(this.conflict, ack.message);
      this.show("g_not_saved");
    } else {
      this.show("g_not_saved");
    }
    if (this.again) {
      this.again = false;
      this.save();
    }
    this.applyKnown();
  }

  /** After a refused save: take the newer text, dropping the person's. */
  useNewer() {
    this.write(this.conflict);
    this.base = this.conflict.revision;
    this.dirty = false;
    this.closeConflict();
    this.show("g_saved");
    this.applyKnown();
  }

  /** After a refused save: save the person's text over the newer one, knowingly. */
  keepMine() {
    this.base = this.conflict.revision;
    this.closeConflict();
    this.save();
  }

  closeConflict() {
    this.conflict = null;
    this.showConflict(null, "");
  }

  /** Text put in by the page (a draft): unsaved until the person saves or leaves. */
  setDraft(values) {
    this.write(values);
    this.dirty = true;
    this.show("g_unsaved");
  }

  /** After a reconnect: a save lost with the connection goes out again. */
  retry() {
    if (this.dirty && !this.saving && !this.conflict) this.save();
  }

  dispose() {
    this.timers.clearTimeout(this.timer);
  }
}

function sameValues(a, b) {
  return Object.keys(b).every((name) => a[name] === b[name]);
}
