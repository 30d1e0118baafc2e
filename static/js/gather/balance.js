/* The gathering view's voice balance: per table and per role tag, posts → core ideas →
 * ideas that reached a theme (a role carried by too few phones comes with no figures). */

const { t, el, roleLabel } = window.Cafe;

export function renderBalance(balance) {
  const cell = (value) => el("td", { class: "num", text: value === undefined ? "–" : String(value) });
  const head = (...names) => el("thead", {}, el("tr", {}, ...names.map((name, i) =>
    el("th", { scope: "col", class: i ? "num" : "", text: name }))));
  const counts = [t("g_posts"), t("g_core_ideas"), t("g_themed")];
  const byTable = el("table", { class: "balance" },
    el("caption", { text: t("g_by_table") }),
    head(t("g_table"), ...counts),
    el("tbody", {}, ...balance.tables.map((row) =>
      el("tr", {}, el("th", { scope: "row", text: row.name }), cell(row.posts), cell(row.core), cell(row.themed)))));
  const byRole = el("table", { class: "balance" },
    el("caption", { text: t("g_by_role") }),
    head(t("g_role"), ...counts),
    el("tbody", {}, ...balance.roles.map((row) =>
      el("tr", {},
        el("th", { scope: "row", text: row.role === null ? t("g_no_role") : roleLabel(row.role) }),
        ...(row.counts === null
          ? [el("td", { colSpan: 3, class: "muted", text: t("g_role_hidden") })]
          : [cell(row.counts.posts), cell(row.counts.core), cell(row.counts.themed)])))));
  document.getElementById("balance").replaceChildren(byTable, byRole);
}
