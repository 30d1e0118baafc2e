/* The review link's form: choosing a part fills the proposal box with that part's text now,
 * so a table host corrects it in place instead of retyping it. A proposal the host has
 * already changed is never overwritten. */
"use strict";

(function () {
  const part = document.getElementById("review-part");
  const box = document.getElementById("review-replacement");
  if (!part || !box) return;
  let filled = box.value;

  part.addEventListener("change", () => {
    if (box.value !== filled) return; // the host's own words stay
    const option = part.options[part.selectedIndex];
    filled = option ? option.dataset.text || "" : "";
    box.value = filled;
  });
})();
