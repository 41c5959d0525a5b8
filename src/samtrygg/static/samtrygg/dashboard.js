// The dashboard's charts: drawn from the JSON the page already holds (no extra request), each
// with its table on the page for screen readers and for copying. The weekday × hour table is
// shaded by value.
"use strict";
(function () {
  const COLOURS = ["#0b4f8a", "#a4161a", "#1e6b34", "#6b4f00", "#5b2a86", "#444444"];

  function drawTrend() {
    const source = document.getElementById("trend-data");
    const canvas = document.getElementById("trend-chart");
    if (!source || !canvas || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    const datasets = [];
    data.series.forEach((series, index) => {
      const colour = COLOURS[index % COLOURS.length];
      datasets.push({
        label: series.category, data: series.counts, borderColor: colour, backgroundColor: colour,
        pointRadius: series.counts.map((_, k) => (series.alerts.includes(k) ? 6 : 0)),
        pointStyle: "triangle", tension: 0.2, spanGaps: false,
      });
      if (index === 0) {
        datasets.push({ label: series.category + " – " + canvas.dataset.labelBaseline, data: series.baseline, borderColor: colour,
          borderDash: [4, 4], pointRadius: 0, fill: false });
        datasets.push({ label: series.category + " – " + canvas.dataset.labelUpper, data: series.upper, borderColor: "rgba(0,0,0,0)",
          backgroundColor: "rgba(11,79,138,0.12)", pointRadius: 0, fill: "-1" });
      }
    });
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.weeks, datasets },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        scales: { y: { beginAtZero: true } }, plugins: { legend: { position: "bottom" } } },
    });
  }

  function shadeTable() {
    for (const cell of document.querySelectorAll(".heat-table td[data-value]")) {
      const value = Number(cell.dataset.value || 0);
      const max = Number(cell.dataset.max || 0);
      if (!cell.dataset.value || max <= 0) continue;
      const t = value / max;
      cell.style.backgroundColor = "hsl(210, 60%, " + Math.round(96 - 50 * t) + "%)";
      if (t > 0.6) cell.style.color = "#ffffff";
    }
  }

  document.addEventListener("DOMContentLoaded", () => { drawTrend(); shadeTable(); });
})();
