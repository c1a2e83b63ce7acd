/* schoolpl behaviours. No inline script anywhere: pages mark elements with data- attributes and this file
   wires them up (the Content-Security-Policy allows only scripts from this site). */
(function () {
  "use strict";

  function initCharts(root) {
    if (typeof window.Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.chartReady) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var config = JSON.parse(source.textContent);
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
      if (config.options.indexAxis === "y" && config.data && config.data.labels) {
        // one readable row per bar: every bar keeps its label, and the box grows with the number of bars
        var scales = config.options.scales = config.options.scales || {};
        scales.y = scales.y || {};
        scales.y.ticks = Object.assign({ autoSkip: false }, scales.y.ticks || {});
        var box = canvas.parentElement;
        if (box) box.style.height = Math.max(240, config.data.labels.length * 22 + 90) + "px";
      }
      new window.Chart(canvas, config);
      canvas.dataset.chartReady = "1";
    });
  }

  function initBehaviours(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      if (el.dataset.autosubmitReady) return;
      el.dataset.autosubmitReady = "1";
      el.addEventListener("change", function () { el.form && el.form.requestSubmit(); });
    });
    root.querySelectorAll("[data-print]").forEach(function (el) {
      if (el.dataset.printReady) return;
      el.dataset.printReady = "1";
      el.addEventListener("click", function () { window.print(); });
    });
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      if (form.dataset.confirmReady) return;
      form.dataset.confirmReady = "1";
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
    initCharts(root);
  }

  document.addEventListener("DOMContentLoaded", function () { initBehaviours(document); });
  document.addEventListener("htmx:load", function (event) { initBehaviours(event.target); });
  window.schoolpl = { initBehaviours: initBehaviours };
})();
