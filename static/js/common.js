/* Shared helpers of the phone, board and control scripts. No framework, no build step. */
"use strict";

window.Cafe = (function () {
  // The script strings in the page's language, set by /i18n/<lang>.js (templates/base.html).
  const catalog = window.CAFE_CATALOG || {};

  /** A string from the server-rendered catalog, with %(name)s parameters filled in. */
  function t(key, params) {
    let text = catalog[key] || key;
    if (params) {
      text = text.replace(/%\((\w+)\)s/g, (m, name) => (name in params ? String(params[name]) : m));
    }
    return text;
  }

  /** The display name of a role tag (custom tags show as written). */
  function roleLabel(tag) {
    const key = "role_" + tag;
    return key in catalog ? catalog[key] : tag;
  }

  /** Build an element. Text always goes in through textContent: user text is never HTML. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("data-")) node.setAttribute(name, value);
      else if (name in node) node[name] = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** The kinds of personal data found, in the reader's language ("name, phone number"). */
  function findingKinds(findings) {
    const kinds = Array.from(new Set((findings || []).map((f) => f.kind)));
    return kinds.map((kind) => t("pd_" + kind)).join(", ");
  }

  /** A text element with the personal-data screen's findings wrapped in <mark>. Spans
   *  count Unicode code points (as Python does), not UTF-16 units, so an emoji before a
   *  name does not shift the mark. */
  function markedText(tag, attrs, text, findings) {
    const node = el(tag, attrs);
    const chars = Array.from(text);
    let at = 0;
    const spans = (findings || []).slice().sort((a, b) => a.start - b.start);
    for (const f of spans) {
      if (f.start < at || f.end > chars.length) continue;
      if (f.start > at) node.append(chars.slice(at, f.start).join(""));
      node.append(
        el("mark", { class: "pd", title: t("pd_" + f.kind), "data-kind": f.kind },
          chars.slice(f.start, f.end).join(""))
      );
      at = f.end;
    }
    if (at < chars.length) node.append(chars.slice(at).join(""));
    return node;
  }

  /** "Possible personal data: name (“Virtanen”), …" for a text the screen flagged; "" when
   *  clean. Shown beside texts facilitators write (cards, themes, the intro). */
  function findingsNote(text, findings) {
    if (!findings || !findings.length) return "";
    const chars = Array.from(text);
    const words = findings.map(
      (f) => `${t("pd_" + f.kind)} (“${chars.slice(f.start, f.end).join("")}”)`
    );
    return t("pd_found", { kinds: words.join(", ") });
  }

  /** Random hex from the browser's CSPRNG (works on plain-http LAN addresses too,
   *  where crypto.randomUUID is unavailable). */
  function randomHex(bytes) {
    const buf = new Uint8Array(bytes);
    crypto.getRandomValues(buf);
    return Array.from(buf, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** A version-4 UUID in canonical lower-case form. */
  function uuid4() {
    const h = randomHex(16).split("");
    h[12] = "4";
    h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    const s = h.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** localStorage that survives being unavailable (private mode) by falling back to memory. */
  const memory = {};
  const store = {
    get(key, fallback) {
      try {
        const raw = window.localStorage.getItem(key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch {
        return key in memory ? memory[key] : fallback;
      }
    },
    set(key, value) {
      memory[key] = value;
      try {
        window.localStorage.setItem(key, JSON.stringify(value));
      } catch {
        /* memory copy is kept */
      }
    },
  };

  /** A countdown display that follows the server's timer payloads. */
  function Countdown(node) {
    let timer = null;
    let offset = 0; // server clock minus local clock, in ms
    let handle = null;
    function render() {
      if (!timer || (timer.duration === 0 && !timer.running)) {
        node.hidden = true;
        return;
      }
      let left = timer.remaining;
      if (timer.running && timer.ends_at !== null) {
        left = Math.max(0, Math.round((timer.ends_at - (Date.now() + offset)) / 1000));
      }
      const m = Math.floor(left / 60);
      const s = left % 60;
      node.hidden = false;
      node.textContent = left > 0 ? `${m}:${String(s).padStart(2, "0")}` : t("timer_done");
      node.classList.toggle("running", timer.running);
      node.classList.toggle("done", left === 0);
      node.classList.toggle("ending", left > 0 && left <= 60);
    }
    return {
      set(payload) {
        timer = payload;
        offset = payload.server_now - Date.now();
        render();
        if (!handle) handle = window.setInterval(render, 250);
      },
    };
  }

  /* How every page reconnects (socket.io-client's settings; bench/load.py --restart copies
   * them). After a server restart all phones lose their connection at the same moment:
   * the first retry comes after 0.25-0.75 s, then each wait doubles, up to 2 s, each moved
   * by up to half of itself, so that a restarted server finds the herd spread over a few
   * seconds rather than all at once, and none waits longer than 2 s after it is back
   * (bench/README.md: with 3 s, 1,000 phones showed "connected" within 4.4 s of the
   * server's return, with 2 s within 3.3 s; a refused retry costs the server nothing). */
  const RECONNECTION = {
    reconnectionDelay: 500,
    reconnectionDelayMax: 2000,
    randomizationFactor: 0.5,
  };

  /* A websocket straight away: one connection carries the handshake and the namespace's
   * connect, where long-polling first takes 3-8 HTTP requests, each served in turn with
   * the rest of a restarted server's herd, before the page can say "connected". Where a
   * proxy or a network lets no websocket through, the client tries long-polling next
   * (`tryAllTransports`, socket.io-client 4.8; without it a failed websocket is retried
   * for ever and never falls back): such a page connects one failed attempt later. */
  const TRANSPORTS = { transports: ["websocket", "polling"], tryAllTransports: true };

  /** The page's socket on ``namespace``, with ``auth`` and the shared settings. */
  function connect(namespace, auth) {
    return io(namespace, Object.assign({ auth }, TRANSPORTS, RECONNECTION));
  }

  /** Show connection state in a status line. */
  function bindStatus(socket, node, onConnect) {
    node.textContent = t("connecting");
    socket.on("connect", () => {
      node.textContent = t("connected");
      node.classList.remove("offline");
      if (onConnect) onConnect();
    });
    socket.on("disconnect", () => {
      node.textContent = t("connecting");
      node.classList.add("offline");
    });
    socket.on("connect_error", (err) => {
      const message = err && err.data && err.data.message ? err.data.message : t("connecting");
      node.textContent = message;
      node.classList.add("offline");
    });
  }

  /* How long a page waits for the full state it asks for after every (re)connect (a phone's
   * `join`, a board's or control page's `sync`). A restarted server answers a whole herd
   * of these at once, each in turn: with the 8 s of other calls, a big herd would run out
   * of time together and ask again all at once (bench/README.md). */
  const STATE_TIMEOUT_MS = 20000;

  /** Emit with an acknowledgement and a timeout; resolves to the ack or {ok:false, timeout}. */
  function call(socket, event, payload, timeoutMs) {
    return new Promise((resolve) => {
      socket.timeout(timeoutMs || 8000).emit(event, payload || {}, (err, ack) => {
        if (err) resolve({ ok: false, timeout: true, message: t("error") });
        else resolve(ack || { ok: false, message: t("error") });
      });
    });
  }

  // The event's phases come from its workshop template (event.phases): a screen follows a
  // phase by its kind ("post", "gather", "summary", "feedback"…), not by its name.
  let phases = [];
  const BUILT_IN_KINDS = { opening: "opening", tables: "post", gathering: "gather", summary: "summary" };

  const embedded = document.getElementById("event-phases");
  if (embedded) phases = JSON.parse(embedded.textContent);

  /** Remember the event's phases (from the event payload). */
  function setPhases(list) {
    phases = Array.isArray(list) ? list : [];
  }
  function phaseInfo(phase) {
    return phases.find((p) => p.id === phase) || null;
  }
  /** A phase's label in this screen's language (a board's: the event's). */
  const phaseLabel = (phase) => (phaseInfo(phase) ? phaseInfo(phase).label : t("phase_" + phase));
  /** What a phase asks of the screens: opening, post, gather, summary or feedback. */
  const phaseKind = (phase) =>
    phaseInfo(phase) ? phaseInfo(phase).kind : BUILT_IN_KINDS[phase] || "opening";
  /** The prompt phones show in a phase ("" for none). */
  const phasePrompt = (phase) => (phaseInfo(phase) ? phaseInfo(phase).prompt : "");
  /** A workshop section's heading in this screen's language: the label of the first phase
   *  naming the section, as the server's section_labels picks it ("" if none does). */
  function sectionLabel(section) {
    const found = phases.find((p) => p.section === section);
    return found ? found.label : "";
  }

  /** A block of server-rendered summary HTML. The server renders the facilitator's
   *  Markdown and sanitises it with nh3 (a fixed list of tags, http/https/mailto links
   *  only), so this is the one place where HTML from a payload is inserted as HTML. */
  function sanitisedBlock(cls, html) {
    const node = el("div", { class: cls });
    node.innerHTML = html;
    return node;
  }

  /** Render the shared summary (the `summary` payload) into `container`: the opening
   *  paragraphs, then each theme's run-in paragraph, or its ideas while it has none.
   *  Returns whether there was anything to show. */
  function renderSummary(container, summary) {
    const parts = [];
    if (summary && summary.intro) parts.push(sanitisedBlock("summary-intro", summary.intro));
    let section = null;
    for (const theme of (summary && summary.themes) || []) {
      // A workshop's summary reads section by section, each under its question.
      if (theme.section_label && theme.section !== section) {
        // The payload's label is in the event's language; a phone shows its reader's.
        const label = sectionLabel(theme.section) || theme.section_label;
        parts.push(el("h3", { class: "summary-section", text: label }));
      }
      section = theme.section;
      const block = sanitisedBlock("summary-theme", theme.html);
      block.dataset.theme = theme.id;
      // The process section's themes are its numbered steps.
      if (theme.step) block.prepend(el("span", { class: "step-number", text: `${theme.step}. ` }));
      if (theme.items.length) {
        block.append(el("ul", { class: "summary-items" }, ...theme.items.map((x) => el("li", { text: x }))));
      }
      parts.push(block);
    }
    container.replaceChildren(...parts);
    return parts.length > 0;
  }

  return {
    t, roleLabel, el, uuid4, randomHex, store, Countdown, connect, bindStatus, call, STATE_TIMEOUT_MS,
    phaseLabel,
    renderSummary, setPhases, phaseKind, phasePrompt, sectionLabel, findingKinds, markedText,
    findingsNote,
  };
})();
