/* Folding sections that stay as they were left: every <details data-remember> with an id
 * opens or closes as it was last time on this page (in this browser), so a facilitator
 * who keeps the feedback open during the feedback phase finds it open after a reload. */
"use strict";

(function () {
  const { store } = window.Cafe;
  const key = (details) => `cafe.fold.${window.location.pathname}.${details.id}`;
  for (const details of document.querySelectorAll("details[data-remember][id]")) {
    const open = store.get(key(details), null);
    if (open !== null) details.open = !!open;
    details.addEventListener("toggle", () => store.set(key(details), details.open));
  }
})();
