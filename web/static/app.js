// The console's own script: it draws the reports' charts from their
// canvases' data-chart attribute (Chart.js) and asks before a dangerous
// button posts. Everything else is plain HTML forms and htmx attributes.
"use strict";

function drawCharts(root) {
  if (typeof Chart === "undefined") {
    return;
  }
  root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    if (canvas.dataset.drawn) {
      return;
    }
    try {
      new Chart(canvas, JSON.parse(canvas.dataset.chart));
      canvas.dataset.drawn = "1";
    } catch (e) {
      console.warn("chart not drawn", e);
    }
  });
}

document.addEventListener("DOMContentLoaded", function () {
  drawCharts(document);
  document.addEventListener("submit", function (ev) {
    var b = ev.submitter;
    if (b && b.classList.contains("danger") && !window.confirm(b.textContent.trim() + "?")) {
      ev.preventDefault();
    }
  });
});
