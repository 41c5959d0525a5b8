// The evaluation's monthly series: treated and comparison area, from the JSON on the page (the
// same figures are in the table below the chart).
"use strict";
(function () {
  document.addEventListener("DOMContentLoaded", () => {
    const source = document.getElementById("series-data");
    const canvas = document.getElementById("series-chart");
    if (!source || !canvas || !window.Chart) return;
    const series = JSON.parse(source.textContent);
    const treated = series.treated || [];
    const control = series.control || [];
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: treated.map((row) => row[0]),
        datasets: [
          { label: canvas.dataset.treated || "R", data: treated.map((row) => row[1]), borderColor: "#a4161a", backgroundColor: "#a4161a" },
          { label: canvas.dataset.control || "C", data: control.map((row) => row[1]), borderColor: "#0b4f8a", backgroundColor: "#0b4f8a" },
        ],
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
    });
  });
})();
