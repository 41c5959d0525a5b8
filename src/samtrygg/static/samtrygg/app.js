// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Switching municipality: go at once on change (the button still works without JS).
  for (const form of document.querySelectorAll("form[data-switch-municipality]")) {
    const select = form.querySelector("select");
    select.addEventListener("change", () => form.submit());
  }
});
