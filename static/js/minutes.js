/* The live preview of the minutes and report editors: the server renders the form's
 * Markdown with the same sanitiser as every export, so the preview is exactly what will
 * be published. */
"use strict";

(function () {
  const root = document.getElementById("minutes");
  const form = document.getElementById("minutes-form");
  const preview = document.getElementById("preview");
  const errorBox = document.getElementById("preview-error");
  let timer = null;
  let sequence = 0;

  async function refresh() {
    const mine = ++sequence;
    const body = new FormData(form);
    let answer;
    try {
      const response = await fetch(root.dataset.preview, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": body.get("csrf_token") },
        credentials: "same-origin",
      });
      answer = await response.json();
    } catch {
      return; // offline for a moment: the next keystroke tries again
    }
    if (mine !== sequence) return; // an older answer overtaken by a newer request
    errorBox.hidden = answer.ok;
    errorBox.textContent = answer.ok ? "" : answer.message;
    // Sanitised on the server (nh3); the one HTML insertion of this page.
    if (answer.ok) preview.innerHTML = answer.html;
    if (answer.ok && answer.findings) showFindings(answer.findings);
  }

  /** What the screen finds in the text as typed (not yet saved): named and linked to its
   *  field. Masking and "not personal data" act on the saved text, after a save. */
  function showFindings(findings) {
    const list = document.getElementById("findings");
    if (!list) return;
    const { t, el } = window.Cafe;
    document.getElementById("findings-none").hidden = findings.length > 0;
    document.getElementById("findings-card").classList.toggle("has-findings", findings.length > 0);
    list.replaceChildren(
      ...findings.map((f) =>
        el(
          "li",
          {},
          el("span", { class: "pd-kind", text: t("pd_" + f.kind) }),
          el("mark", { class: "pd", text: f.words }),
          el("a", { href: "#f-" + f.field, class: "small", text: t("pd_show") })
        )
      )
    );
  }

  form.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
})();
