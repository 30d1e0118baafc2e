/* The gathering view's texts that autosave as revisions (a theme's title and paragraph,
 * the intro): the fields, the save state and the "modified meanwhile" comparison on the
 * page, around the state machine of gather/revisions.js. */

import { RevisionText } from "./revisions.js";

const { t, el } = window.Cafe;

/** Every autosaving text on the page (a reconnect retries them; leaving asks first). */
export const editors = new Set();

/**
 * A text of `opts.fields` ({name: input}) saved through `opts.send(values, base)`, its
 * state shown in `opts.state`, a refused save's newer text in `opts.conflict` (beside the
 * fields; `opts.saveButton` saves now).
 */
export function Editor(opts) {
  const fields = Object.entries(opts.fields);
  const inputs = fields.map(([, input]) => input);

  const text = new RevisionText({
    read: () => Object.fromEntries(fields.map(([name, input]) => [name, input.value])),
    write(values) {
      for (const [name, input] of fields) if (name in values) input.value = values[name];
    },
    focused: () => inputs.includes(document.activeElement),
    send: opts.send,
    show(key) {
      opts.state.textContent = key ? t(key) : "";
      opts.state.dataset.state = key || "";
    },
    showConflict: (current, message) => (current ? renderConflict(current, message) : closeConflict()),
    timers: window,
  });

  for (const input of inputs) {
    input.addEventListener("input", () => text.edited());
    input.addEventListener("blur", () => text.left());
  }
  opts.saveButton.addEventListener("click", () => text.save());

  function renderConflict(current, message) {
    const useNewer = el("button", { type: "button", class: "primary small", text: t("g_use_newer") });
    const keepMine = el("button", { type: "button", class: "secondary small", text: t("g_keep_mine") });
    useNewer.addEventListener("click", () => text.useNewer());
    keepMine.addEventListener("click", () => text.keepMine());
    opts.conflict.replaceChildren(
      el("p", { class: "conflict-message", text: message }),
      el("h4", { text: t("g_newer_text") }),
      "title" in opts.fields ? el("p", { class: "conflict-title" }, el("strong", { text: current.title })) : null,
      el("p", { class: "conflict-body", text: current.body || "—" }),
      el("div", { class: "row-tight" }, useNewer, keepMine)
    );
    opts.conflict.hidden = false;
    opts.conflict.parentElement.classList.add("has-conflict");
  }

  function closeConflict() {
    opts.conflict.hidden = true;
    opts.conflict.replaceChildren();
    opts.conflict.parentElement.classList.remove("has-conflict");
  }

  const editor = {
    receive: (server) => text.receive(server),
    /** Text put in by the page (a draft): unsaved until the person saves or leaves. */
    setDraft: (values) => text.setDraft(values),
    /** After a reconnect: a save lost with the connection goes out again. */
    retry: () => text.retry(),
    pending: () => text.pending,
    dispose() {
      text.dispose();
      editors.delete(editor);
    },
  };
  editors.add(editor);
  return editor;
}

// Leaving with unsaved text: the browser asks first.
window.addEventListener("beforeunload", (e) => {
  if ([...editors].some((editor) => editor.pending())) e.preventDefault();
});
