// The map component: the municipality boundary and its areas from GeoJSON, drawn by Leaflet
// with no tile server; base-map tiles are added only when the installation configures them.
"use strict";
(function () {
  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  async function initMap(element) {
    const map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
    element._samtryggMap = map;
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    const [boundary, areas] = await Promise.all([
      getJson(element.dataset.boundaryUrl), getJson(element.dataset.areasUrl),
    ]);
    const boundaryLayer = L.geoJSON(boundary, {
      style: { color: "#0b4f8a", weight: 3, fill: false },
      interactive: false,
    }).addTo(map);
    const areaLayer = L.geoJSON(areas, {
      style: { color: "#1b1f24", weight: 1, fillColor: "#5b8db8", fillOpacity: 0.15 },
      onEachFeature: (feature, layer) => layer.bindTooltip(feature.properties.name),
    }).addTo(map);
    const bounds = areaLayer.getLayers().length && element.dataset.areasUrl.includes("area=")
      ? areaLayer.getBounds() : boundaryLayer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
    else map.setView([62.0, 15.0], 4);
    element.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const element of document.querySelectorAll(".map[data-boundary-url]")) {
      initMap(element).catch((error) => {
        element.dataset.ready = "error";
        element.textContent = error.message;
      });
    }
  });
})();
