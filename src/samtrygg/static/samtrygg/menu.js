// The main menu behind a button on narrow screens (base.html). Without this file the button
// stays hidden and the menu is simply shown.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const header = document.querySelector("[data-site-header]");
  const button = header && header.querySelector("[data-menu-button]");
  if (!button) return;
  const narrow = window.matchMedia("(max-width: 47.99rem)");
  const set = (open) => {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.dataset.menu = open ? "open" : "closed";
  };
  const follow = () => set(!narrow.matches);
  button.hidden = false;
  follow();
  narrow.addEventListener("change", follow);
  button.addEventListener("click", () => set(button.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && narrow.matches && header.dataset.menu === "open") {
      set(false);
      button.focus();
    }
  });
});
