// The map component: the municipality boundary and its areas from GeoJSON, drawn by Leaflet
// with no tile server; base-map tiles are added only when the installation configures them.
"use strict";
(function () {
  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  // Points from a JSON script element (data-markers = its id): "focus" (the case, centred) and
  // "nearby" (small dots, each with a link to its case). Used by the case page.
  function drawMarkers(map, element) {
    const source = document.getElementById(element.dataset.markers);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const points = [];
    for (const n of data.nearby || []) {
      L.circleMarker([n.lat, n.lon], { radius: 6, color: "#1b1f24", weight: 1, fillColor: "#5b8db8", fillOpacity: 0.9 })
        .bindPopup(escapeHtml(n.label) + '<br><a href="' + encodeURI(n.url) + '">' + escapeHtml(data.labelOpen) + "</a>")
        .addTo(map);
      points.push([n.lat, n.lon]);
    }
    if (data.focus) {
      L.circleMarker([data.focus.lat, data.focus.lon], { radius: 10, color: "#a4161a", weight: 3, fillColor: "#a4161a", fillOpacity: 0.6 })
        .bindTooltip(escapeHtml(data.focus.label)).addTo(map);
      points.push([data.focus.lat, data.focus.lon]);
      if (points.length > 1) map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 17 });
      else map.setView([data.focus.lat, data.focus.lon], 16);
    }
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
    if (element.dataset.markers) drawMarkers(map, element);
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
