/* The gathering view's panels fill the window below the toolbar and scroll each on its own
 * (gather.css), so no panel sticks over another. The CSS needs to know where they start:
 * the title and toolbar above them change height (a message shown, the help opened, a
 * narrower window wrapping the toolbar), so this keeps `--grid-top` up to date.
 */

const grid = document.querySelector(".gather-grid");

function fit() {
  const top = grid.getBoundingClientRect().top + window.scrollY;
  // CSSOM, not a style attribute: allowed under the page's strict CSP.
  grid.style.setProperty("--grid-top", `${Math.round(top)}px`);
}

const watch = new ResizeObserver(fit);
for (let node = grid.previousElementSibling; node; node = node.previousElementSibling) watch.observe(node);
watch.observe(document.body);
window.addEventListener("resize", fit);
fit();
