// The weekly report: pick each incident's place on a small map (or use the phone's position),
// and add more incident forms without reloading. The form works without this script too
// (the area list is the fallback for the place).
"use strict";
(function () {
  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  // Name the place chosen: its area and the nearest address of the kommun's own register
  // (looked up on the server, no outside service); an empty area list follows the map.
  async function describePlace(block, latlng, status) {
    const element = block.querySelector(".pick-map");
    if (!element || !element.dataset.lookupUrl) return;
    const url = element.dataset.lookupUrl + "?lat=" + latlng.lat.toFixed(6) + "&lon=" + latlng.lng.toFixed(6);
    try {
      const place = await getJson(url);
      status.textContent = place.text;
      const select = block.querySelector("select[name$='-area']");
      if (select && place.area && !select.value) select.value = String(place.area.id);
    } catch (error) {
      // Offline or the look-up failed: the point is kept all the same.
    }
  }

  function setPlace(block, map, marker, latlng, status) {
    block.querySelector("input[data-lat]").value = latlng.lat.toFixed(6);
    block.querySelector("input[data-lon]").value = latlng.lng.toFixed(6);
    marker.setLatLng(latlng).addTo(map);
    status.textContent = block.dataset.placeChosen || "✓";
    describePlace(block, latlng, status);
  }

  async function initPicker(block) {
    const element = block.querySelector(".pick-map");
    if (!element || element.dataset.ready) return;
    element.dataset.ready = "loading";
    const map = L.map(element, { zoomSnap: 0.25 });
    if (element.dataset.tileUrl) L.tileLayer(element.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    const [boundary, areas] = await Promise.all([
      getJson(element.dataset.boundaryUrl), getJson(element.dataset.areasUrl),
    ]);
    const outline = L.geoJSON(boundary, { style: { color: "#0b4f8a", weight: 2, fill: false }, interactive: false }).addTo(map);
    L.geoJSON(areas, { style: { color: "#1b1f24", weight: 1, fillOpacity: 0.05 }, interactive: false }).addTo(map);
    map.fitBounds(outline.getBounds(), { padding: [4, 4] });
    const marker = L.circleMarker([0, 0], { radius: 8, color: "#a4161a", weight: 3 });
    const status = block.querySelector("[data-place-status]");
    const lat = block.querySelector("input[data-lat]").value;
    const lon = block.querySelector("input[data-lon]").value;
    if (lat && lon) marker.setLatLng([+lat, +lon]).addTo(map);
    map.on("click", (event) => setPlace(block, map, marker, event.latlng, status));
    const button = block.querySelector("[data-my-position]");
    if (button && navigator.geolocation) {
      button.addEventListener("click", () => navigator.geolocation.getCurrentPosition(
        (pos) => {
          const here = L.latLng(pos.coords.latitude, pos.coords.longitude);
          setPlace(block, map, marker, here, status);
          map.setView(here, 16);
        },
        () => { status.textContent = button.dataset.failed || "–"; },
      ));
    } else if (button) {
      button.hidden = true;
    }
    element.dataset.ready = "true";
  }

  // Each category says which optional questions it asks (cost, reported to the police).
  function initAsks(block, asks) {
    const select = block.querySelector("select[name$='-category']");
    if (!select) return;
    const update = () => {
      const chosen = asks[select.value];
      block.querySelectorAll("[data-asks]").forEach((group) => {
        group.hidden = Boolean(chosen) && !chosen[group.dataset.asks];
      });
    };
    select.addEventListener("change", update);
    update();
  }

  // "Same as last week": tick last week's quiet areas and choose its assessments in place, so
  // nothing typed in the form is lost (without the script the link reloads the form pre-filled).
  function initSameAsLastWeek() {
    const link = document.querySelector("[data-same-as-last-week]");
    const dataElement = document.getElementById("last-week");
    if (!link || !dataElement) return;
    const lastWeek = JSON.parse(dataElement.textContent);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      lastWeek.quiet.forEach((pk) => {
        const box = document.getElementById("quiet-" + pk);
        if (box) box.checked = true;
      });
      Object.entries(lastWeek.levels).forEach(([pk, level]) => {
        const select = document.getElementById("assess-" + pk);
        if (select) select.value = level;
      });
      const status = document.querySelector("[data-same-status]");
      if (status) status.textContent = status.dataset.done;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
    initSameAsLastWeek();
    const container = document.getElementById("incident-forms");
    if (!container) return;
    const asksElement = document.getElementById("category-asks");
    const asks = asksElement ? JSON.parse(asksElement.textContent) : {};
    container.querySelectorAll(".incident-form").forEach((block) => {
      initPicker(block);
      initAsks(block, asks);
    });
    const total = document.querySelector("input[name$='-TOTAL_FORMS']");
    const template = document.getElementById("incident-template");
    document.querySelector("[data-add-incident]").addEventListener("click", () => {
      const index = Number(total.value);
      const html = template.innerHTML.replaceAll("__prefix__", String(index))
        .replaceAll("__number__", String(index + 1));
      container.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const block = container.lastElementChild;
      initPicker(block);
      initAsks(block, asks);
      block.querySelector("select, input:not([type=hidden])").focus();
    });
  });
})();
