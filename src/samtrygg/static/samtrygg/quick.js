// The quick report: "Använd min position" fills the hidden lat/lon and names the place (the
// area and the nearest address, looked up on the server). Without this script the form still
// posts, and the server asks for the position.
"use strict";
(function () {
  for (const form of document.querySelectorAll("[data-quick-report]")) {
    const button = form.querySelector("[data-quick-position]");
    const status = form.querySelector("[data-quick-status]");
    if (!button) continue;
    if (!navigator.geolocation) { button.hidden = true; continue; }
    button.addEventListener("click", () => navigator.geolocation.getCurrentPosition(
      async (pos) => {
        const lat = pos.coords.latitude.toFixed(6);
        const lon = pos.coords.longitude.toFixed(6);
        form.querySelector("input[name=lat]").value = lat;
        form.querySelector("input[name=lon]").value = lon;
        status.textContent = "✓";
        const lookup = form.dataset.lookupUrl;
        if (!lookup) return;
        try {
          const response = await fetch(lookup + "?lat=" + lat + "&lon=" + lon, { credentials: "same-origin" });
          if (response.ok) status.textContent = (await response.json()).text;
        } catch (error) {
          // Offline: the position is kept all the same.
        }
      },
      () => { status.textContent = button.dataset.failed; },
    ));
  }
})();
