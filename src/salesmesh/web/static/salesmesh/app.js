// Behaviour for every page, kept out of inline scripts so a strict
// Content-Security-Policy can forbid them.
(function () {
  "use strict";

  function renderCharts(root) {
    if (typeof window.Plotly === "undefined") return;
    root.querySelectorAll("[data-plotly]").forEach(function (el) {
      var source = document.getElementById(el.dataset.plotly);
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, figure.data, figure.layout, {
        responsive: true,
        displaylogo: false,
      });
      el.dataset.rendered = "true";
    });
  }

  function wireAutosubmit(root) {
    root.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    renderCharts(document);
    wireAutosubmit(document);
  });
  // Partials swapped in by htmx may carry charts too.
  document.addEventListener("htmx:afterSettle", function (event) {
    renderCharts(event.target);
  });
})();
