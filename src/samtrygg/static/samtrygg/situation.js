// The situation map. Its whole state (filters, layers, zoom and centre, rate colouring) is in
// the address, so copying the URL shares the view. Layers come as JSON from the server, already
// filtered, scoped to the user and with small counts suppressed for viewers; every layer is
// also a table on the page (folded away under "Visa som tabell").
"use strict";
(function () {
  const HOT = { 3: "#b2182b", 2: "#ef8a62", 1: "#fddbc7" };
  const COLD = { 3: "#2166ac", 2: "#67a9cf", 1: "#d1e5f0" };
  const LEVEL = { green: "#1e6b34", yellow: "#d4a106", red: "#a4161a" };

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  function params() { return new URLSearchParams(window.location.search); }

  function setParam(name, value) {
    const query = params();
    if (value === null || value === "") query.delete(name); else query.set(name, value);
    window.history.replaceState(null, "", "?" + query.toString());
    const hidden = document.querySelector("#situation-filters input[name=layers]");
    if (hidden && name === "layers") hidden.value = value || "";
  }

  function filterQuery() {
    const query = params();
    ["z", "lat", "lng", "layers", "rate"].forEach((key) => query.delete(key));
    return query.toString();
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function shade(value, max) {
    if (value === null || value === undefined) return "#cccccc";
    const t = max > 0 ? Math.min(value / max, 1) : 0;
    const light = Math.round(95 - 60 * t);
    return "hsl(210, 60%, " + light + "%)";
  }

  async function init(element) {
    const map = L.map(element, { zoomSnap: 0.25, keyboard: true, maxZoom: 19, minZoom: 5 });
    element._samtryggMap = map;
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    const [boundary, areaShapes] = await Promise.all([
      getJson(element.dataset.boundaryUrl), getJson(element.dataset.areasUrl),
    ]);
    const outline = L.geoJSON(boundary, { style: { color: "#0b4f8a", weight: 3, fill: false }, interactive: false }).addTo(map);
    const query = params();
    if (query.get("z") && query.get("lat") && query.get("lng")) {
      map.setView([+query.get("lat"), +query.get("lng")], +query.get("z"));
    } else {
      map.fitBounds(outline.getBounds(), { padding: [10, 10] });
    }
    map.on("moveend", () => {
      const c = map.getCenter();
      setParam("z", map.getZoom().toFixed(2));
      setParam("lat", c.lat.toFixed(5));
      setParam("lng", c.lng.toFixed(5));
    });

    const drawn = {};
    const status = document.getElementById("map-status");
    const loaders = {
      async areas() {
        const data = await getJson(element.dataset.layerAreas + "?" + filterQuery());
        const byId = Object.fromEntries(data.areas.map((a) => [String(a.id), a]));
        const useRate = params().get("rate") === "1";
        const values = data.areas.map((a) => (useRate ? a.rate : a.count)).filter((v) => v !== null);
        const max = Math.max(0, ...values);
        return L.geoJSON(areaShapes, {
          style: (feature) => {
            const row = byId[String(feature.id ?? feature.properties.id)] || {};
            return { color: "#1b1f24", weight: 1, fillColor: shade(useRate ? row.rate : row.count, max), fillOpacity: 0.55 };
          },
          onEachFeature: (feature, layer) => {
            const row = byId[String(feature.id ?? feature.properties.id)] || {};
            const count = row.count === null || row.count === undefined ? element.dataset.labelHidden : row.count;
            layer.bindPopup("<strong>" + escapeHtml(feature.properties.name) + "</strong><br>" +
              element.dataset.labelCount + ": " + count +
              (row.rate_text ? "<br>" + element.dataset.labelRate + ": " + row.rate_text : ""));
          },
        });
      },
      async hotspots() {
        const data = await getJson(element.dataset.layerHotspots + "?" + filterQuery());
        return L.geoJSON(data, {
          style: (f) => {
            const level = Number(f.properties.confidence === "99" ? 3 : f.properties.confidence === "95" ? 2 : 1);
            const colour = f.properties.kind === "hot" ? HOT[level] : COLD[level];
            return { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.75 };
          },
          onEachFeature: (f, layer) => {
            const p = f.properties;
            let html = "<strong>" + escapeHtml(p.kind === "hot" ? element.dataset.labelHot : element.dataset.labelCold) +
              " " + p.confidence + " %</strong><br>" + escapeHtml(p.area || "") + "<br>z = " + p.z +
              "<br>" + element.dataset.labelCount + ": " + (p.count === null ? element.dataset.labelHidden : p.count);
            if (element.dataset.problemUrl && p.kind === "hot") {
              const query = new URLSearchParams(params());
              const link = new URLSearchParams();
              link.set("title", (p.area || "") + ": " + element.dataset.labelHot.toLowerCase());
              link.set("evidence", window.location.pathname + "?" + query.toString());
              if (p.area_id) link.append("area", p.area_id);
              params().getAll("category").forEach((c) => link.append("category", c));
              html += '<br><a class="make-problem" href="' + element.dataset.problemUrl + "?" + link.toString() + '">' +
                escapeHtml(element.dataset.labelProblem) + "</a>";
            }
            layer.bindPopup(html);
            layer.on("add", () => {
              const path = layer.getElement();
              if (path) path.classList.add("hotspot", "hotspot-" + p.kind);
            });
          },
        });
      },
      async grid() {
        const data = await getJson(element.dataset.layerGrid + "?" + filterQuery());
        const max = Math.max(1, ...data.cells.map((c) => c[4] || 0));
        const renderer = L.canvas();
        const group = L.featureGroup();
        for (const [s, w, n, e, count] of data.cells) {
          L.rectangle([[s, w], [n, e]], { renderer, color: "#555", weight: 0.5, fillColor: shade(count, max), fillOpacity: 0.7 })
            .bindPopup(element.dataset.labelCount + ": " + (count === null ? element.dataset.labelHidden : count))
            .addTo(group);
        }
        return group;
      },
      async heat() {
        const data = await getJson(element.dataset.layerHeat + "?" + filterQuery());
        // The density has a long tail: most places are far below the peak. The square root
        // lifts them into sight; the layer's canvas lies above the area fills (app.css) and
        // never stays fainter than minOpacity where there is any incident.
        const points = data.points.map(([lat, lng, v]) => [lat, lng, Math.sqrt(v)]);
        return L.heatLayer(points, {
          radius: 25, blur: 18, max: 1.0, minOpacity: 0.35,
          gradient: { 0.2: "#2c7bb6", 0.45: "#00a6ca", 0.65: "#f9d057", 0.85: "#f29e2e", 1.0: "#d7191c" },
        });
      },
      async points() {
        if (!element.dataset.layerPoints) return null;
        const data = await getJson(element.dataset.layerPoints + "?" + filterQuery());
        const cluster = L.markerClusterGroup({ showCoverageOnHover: false });
        for (const f of data.features) {
          const [lng, lat] = f.geometry.coordinates;
          const marker = L.circleMarker([lat, lng], { radius: 6, color: "#a4161a", weight: 2 });
          marker.bindPopup("<strong>" + escapeHtml(f.properties.category) + "</strong><br>" + escapeHtml(f.properties.when) +
            '<br><a href="' + element.dataset.incidentUrl + f.properties.id + '/">' + element.dataset.labelOpen + "</a>");
          cluster.addLayer(marker);
        }
        if (data.total > data.shown) status.textContent = element.dataset.labelPointsLimited.replace("{shown}", data.shown).replace("{total}", data.total);
        return cluster;
      },
      async assessments() {
        const data = await getJson(element.dataset.layerAssessments + "?" + filterQuery());
        return L.geoJSON(areaShapes, {
          filter: (f) => data.areas[String(f.id ?? f.properties.id)] !== undefined,
          style: (f) => ({ color: LEVEL[data.areas[String(f.id ?? f.properties.id)]], weight: 4, fill: false, dashArray: "6 4" }),
          onEachFeature: (f, layer) => layer.bindPopup(escapeHtml(f.properties.name) + ": " + data.areas[String(f.id ?? f.properties.id)]),
        });
      },
    };

    async function show(name, on) {
      if (drawn[name]) { map.removeLayer(drawn[name]); delete drawn[name]; }
      if (!on || !loaders[name]) return;
      const layer = await loaders[name]();
      if (layer) { drawn[name] = layer.addTo(map); }
    }

    function activeLayers() {
      return [...document.querySelectorAll("[data-layer-toggle]")].filter((b) => b.checked).map((b) => b.value);
    }

    for (const box of document.querySelectorAll("[data-layer-toggle]")) {
      box.addEventListener("change", async () => {
        setParam("layers", activeLayers().join(","));
        await show(box.value, box.checked);
        element.dataset.layers = activeLayers().join(",");
      });
    }
    const rate = document.querySelector("[data-rate-toggle]");
    if (rate) {
      rate.addEventListener("change", async () => {
        setParam("rate", rate.checked ? "1" : null);
        if (activeLayers().includes("areas")) await show("areas", true);
      });
    }
    await Promise.all(activeLayers().map((name) => show(name, true)));
    element.dataset.layers = activeLayers().join(",");
    element.dataset.ready = "true";
  }

  // A typed date chooses "Chosen dates"; another period empties the dates (the server reads a
  // typed date the same way, so the form works without this script too).
  function linkDatesToPeriod() {
    const period = document.getElementById("period");
    const dates = [document.getElementById("from"), document.getElementById("to")].filter(Boolean);
    if (!period || !dates.length) return;
    for (const input of dates) {
      input.addEventListener("change", () => { if (input.value) period.value = "custom"; });
    }
    period.addEventListener("change", () => {
      if (period.value !== "custom") for (const input of dates) input.value = "";
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    linkDatesToPeriod();
    const element = document.getElementById("situation-map");
    if (!element) return;
    init(element).catch((error) => {
      element.dataset.ready = "error";
      element.dataset.error = String(error && (error.stack || error.message || error));
      console.error(error);
    });
  });
})();
