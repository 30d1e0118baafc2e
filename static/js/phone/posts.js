/* Writing and reading at a table: the composer, the outbox it feeds (outbox.js: nothing
 * posted is lost), the table's ideas and core ideas as they arrive, and editing, deleting
 * or rewriting one's own.
 *
 * phone.js creates it: `Posts(phone)`; `listed` touches no page (tests/js/phone.test.js).
 */
import { Outbox } from "../outbox.js";

/** The longest idea the server takes (cafe/domain/text.py). */
export const MAX = 500;

export const mineKey = (code) => `cafe.mine.${code}`;

/** How many of one's own post ids the phone remembers (its "mine" tags). */
const MINE_KEPT = 500;

/**
 * What the table's lists show: the posts the server sent (`posts`, id → post) oldest
 * first, then the ones still waiting in the outbox (`waiting`) that were written at this
 * seat's table and are not back yet, marked `pending`. Split into {core, ideas}.
 */
export function listed(posts, waiting, seat) {
  const all = Array.from(posts.values());
  all.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
  const pending = waiting
    .filter((p) => seat && p.table === seat.table && !posts.has(p.id))
    .map((p) => ({ id: p.id, text: p.text, core: p.core, role: seat.role, pending: true }));
  const items = all.concat(pending);
  return { core: items.filter((p) => p.core), ideas: items.filter((p) => !p.core) };
}

/** The composer and the lists. `phone` is phone.js's shared state (`seat`, `event`,
 *  `isHost`, `posts`); `phone.renderStatus()` is told when the outbox changes. */
export function Posts(phone) {
  const { t, roleLabel, el, uuid4, store, call, findingKinds, markedText } = window.Cafe;
  const $ = (id) => document.getElementById(id);
  const { socket, code, posts } = phone;
  const idea = $("idea");
  const counter = $("counter");
  const composeError = $("compose-error");
  const asCore = $("as-core");
  const mine = new Set(store.get(mineKey(code), []));
  // Posts not yet acknowledged, kept across reloads.
  const outbox = new Outbox(store, code);

  function updateCounter() {
    const left = MAX - idea.value.length;
    counter.textContent = t("chars_left", { n: left });
    counter.classList.toggle("warn", left < 50);
  }
  idea.addEventListener("input", updateCounter);
  updateCounter();

  function showError(message) {
    composeError.textContent = message;
    composeError.hidden = !message;
    if (message) showNotice("");
  }

  function showNotice(message) {
    const notice = $("compose-notice");
    notice.textContent = message;
    notice.hidden = !message;
  }

  $("compose").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = idea.value.trim();
    if (!text) {
      showError(t("error"));
      return;
    }
    showError("");
    showNotice("");
    // The table and phase it was written in travel with it: a post that waits in the
    // outbox through a reconnect still lands at that table, in that phase's section.
    const item = {
      id: uuid4(),
      text,
      core: phone.isHost && asCore.checked,
      table: phone.seat.table,
      phase: document.body.dataset.phase || undefined,
    };
    outbox.add(item);
    mine.add(item.id);
    store.set(mineKey(code), Array.from(mine).slice(-MINE_KEPT));
    idea.value = "";
    asCore.checked = false;
    updateCounter();
    render();
    phone.renderStatus();
    flush();
  });

  function flush() {
    return outbox.flush(
      (item) => call(socket, "post", item, 8000),
      () => socket.connected && !!phone.seat && !!phone.event,
      {
        sent(item, ack) {
          if (ack.post.table === phone.seat.table) posts.set(ack.post.id, ack.post);
          // Held back by the personal-data screen: say so where the writer is looking.
          if (ack.post.review === "flagged" && !ack.duplicate) showNotice(t("held_notice"));
        },
        held(item, ack) {
          // Kept; retried by the timer below or on reconnect.
          if (ack.error === "rate_limited") showError(ack.message);
        },
        refused(item, ack) {
          // Refused for good (too long, say): out of the outbox, but the text goes back
          // to the writer, so nothing they wrote is lost.
          if (!idea.value) idea.value = item.text;
          updateCounter();
          showError(ack.message);
        },
        changed() {
          render();
          phone.renderStatus();
        },
      }
    );
  }
  window.setInterval(() => {
    if (outbox.size) flush();
  }, 5000);

  socket.on("post", (post) => {
    if (!phone.seat || post.table !== phone.seat.table) return;
    posts.set(post.id, post);
    render();
  });
  socket.on("post_removed", (data) => {
    posts.delete(data.id);
    render();
  });

  // --- the lists -------------------------------------------------------------------------
  function render() {
    const { core, ideas } = listed(posts, outbox.items, phone.seat);
    fill($("core-list"), core, t("no_core"));
    fill($("post-list"), ideas, t("no_ideas"));
  }

  function fill(list, items, emptyText) {
    const editing = list.querySelector("li.editing");
    if (editing) return; // do not pull the text box from under the writer's fingers
    list.replaceChildren(
      ...(items.length ? items.map(renderPost) : [el("li", { class: "empty", text: emptyText })])
    );
  }

  /** A button that sends `name` with `payload` about one post: the post in the answer
   *  (marked, sent for review) takes its place; an answer without one (deleted) removes it. */
  function action(attrs, name, payload, confirm) {
    const button = el("button", { type: "button", ...attrs });
    button.addEventListener("click", async () => {
      if (confirm && !window.confirm(confirm)) return;
      const ack = await call(socket, name, payload);
      if (!ack.ok) return showError(ack.message);
      if (ack.post) posts.set(ack.post.id, ack.post);
      else posts.delete(payload.id);
      render();
    });
    return button;
  }

  function renderPost(post) {
    // Only the writer's phone is ever sent a held post (with its review state).
    const held = !!post.review;
    const own = held || mine.has(post.id);
    const meta = el("p", { class: "meta" });
    if (post.role) meta.append(el("span", { class: "role", text: roleLabel(post.role) }));
    if (own) meta.append(el("span", { class: "mine", text: t("mine") }));
    if (post.edited) meta.append(el("span", { text: t("edited") }));
    if (post.pending) meta.append(el("span", { class: "pending", text: t("sending") }));
    const actions = el("div", { class: "actions" });
    if (phone.isHost && !post.pending && !held) {
      const text = post.core ? t("unmark_core") : t("mark_core");
      actions.append(action({ class: "link small", text }, "mark_core", { id: post.id, core: !post.core }));
    }
    const classes = ["post"];
    if (post.core) classes.push("core");
    if (post.pending) classes.push("pending");
    if (held) classes.push("held");
    const text = held
      ? markedText("p", { class: "text" }, post.text, post.findings)
      : el("p", { class: "text", text: post.text });
    const item = el("li", { class: classes.join(" "), "data-id": post.id }, text);
    if (held) {
      // Only the writer's phone ever gets a held post: say why, and the two ways on.
      const note =
        post.review === "flagged"
          ? t("held_flagged", { kinds: findingKinds(post.findings) })
          : t("held_queued");
      item.append(el("p", { class: "held-note", text: note }));
    }
    item.append(meta, actions);
    if (own && !post.pending) {
      const edit = el("button", {
        type: "button",
        class: held ? "secondary small" : "link small",
        text: held ? t("rewrite") : t("edit"),
      });
      edit.addEventListener("click", () => startEdit(item, post));
      actions.append(edit);
      if (held && post.review === "flagged") {
        actions.append(action({ class: "link small", text: t("send_for_review") }, "request_review", { id: post.id }));
      }
      const del = { class: "link small danger", text: t("delete") };
      actions.append(action(del, "delete", { id: post.id }, t("confirm_delete")));
    }
    return item;
  }

  function startEdit(item, post) {
    item.classList.add("editing");
    const box = el("textarea", {
      rows: 3, maxLength: MAX, value: post.text, "aria-label": t("idea_label"),
    });
    const error = el("p", { class: "error", role: "alert", hidden: true });
    const save = el("button", { type: "button", class: "primary small", text: t("save") });
    const cancel = el("button", { type: "button", class: "secondary small", text: t("cancel") });
    const done = () => {
      item.classList.remove("editing");
      render();
    };
    cancel.addEventListener("click", done);
    save.addEventListener("click", async () => {
      const ack = await call(socket, "edit", { id: post.id, text: box.value });
      if (!ack.ok) {
        error.textContent = ack.message;
        error.hidden = false;
        return;
      }
      posts.set(ack.post.id, ack.post);
      done();
    });
    item.replaceChildren(box, el("div", { class: "actions" }, save, cancel), error);
    box.focus();
  }

  return {
    render,
    flush,
    showError,
    /** How many posts wait in the outbox. */
    get waiting() {
      return outbox.size;
    },
  };
}
