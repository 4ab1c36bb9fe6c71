/* The back office's sales dashboard: draws its four charts with Chart.js (vendored under
   static/vendor/chartjs/) from the JSON the page embeds (#dashboard-data, json_script).
   No inline script, so a strict Content-Security-Policy can forbid them. Each canvas gets
   data-drawn="true" once its chart has rendered (the browser test waits for it). */
(function () {
  "use strict";

  var PALETTE = ["#c8102e", "#2b6cb0", "#2f855a", "#b7791f", "#6b46c1", "#dd6b20", "#319795", "#718096",
                 "#d53f8c", "#4a5568"];

  function numbers(values) {
    // Amounts arrive as decimal strings; floats are fine for drawing, never for sums.
    return values.map(function (value) { return Number(value); });
  }

  function money(value) {
    return "¥" + Number(value).toLocaleString(undefined, {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }

  var markDrawn = {
    id: "markDrawn",
    afterRender: function (chart) { chart.canvas.dataset.drawn = "true"; }
  };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    config.plugins = (config.plugins || []).concat([markDrawn]);
    config.options = Object.assign({responsive: true, maintainAspectRatio: false, animation: false}, config.options);
    new window.Chart(canvas, config);
  }

  function showEmpty(id, text) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    var note = document.createElement("p");
    note.className = "dashboard-empty";
    note.textContent = text;
    canvas.parentNode.appendChild(note);
  }

  function doughnut(id, data, text) {
    if (!data.labels.length) {
      showEmpty(id, text.empty);
    }
    draw(id, {
      type: "doughnut",
      data: {
        labels: data.labels,
        datasets: [{data: numbers(data.revenue), backgroundColor: PALETTE, borderWidth: 1}]
      },
      options: {
        plugins: {
          legend: {position: "right"},
          tooltip: {callbacks: {label: function (item) { return item.label + ": " + money(item.raw); }}}
        }
      }
    });
  }

  function start() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    var text = data.text;
    var styles = getComputedStyle(document.body);
    window.Chart.defaults.color = styles.getPropertyValue("--body-quiet-color").trim() || "#666";
    window.Chart.defaults.font.family = styles.fontFamily;

    draw("chart-daily", {
      type: "line",
      data: {
        labels: data.daily.labels,
        datasets: [
          {label: text.revenue, data: numbers(data.daily.revenue), yAxisID: "revenue",
           borderColor: PALETTE[0], backgroundColor: "rgba(200, 16, 46, 0.12)", fill: true, tension: 0.25,
           pointRadius: 0},
          {label: text.orders, data: data.daily.orders, yAxisID: "orders",
           borderColor: PALETTE[1], backgroundColor: PALETTE[1], tension: 0.25, pointRadius: 0}
        ]
      },
      options: {
        interaction: {mode: "index", intersect: false},
        scales: {
          revenue: {type: "linear", position: "left", beginAtZero: true, title: {display: true, text: text.revenue}},
          orders: {type: "linear", position: "right", beginAtZero: true, grid: {drawOnChartArea: false},
                   title: {display: true, text: text.orders}, ticks: {precision: 0}}
        },
        plugins: {
          tooltip: {callbacks: {label: function (item) {
            return item.dataset.label + ": " + (item.dataset.yAxisID === "revenue" ? money(item.raw) : item.raw);
          }}}
        }
      }
    });

    if (!data.products.labels.length) {
      showEmpty("chart-products", text.empty);
    }
    draw("chart-products", {
      type: "bar",
      data: {
        labels: data.products.labels,
        datasets: [{label: text.revenue, data: numbers(data.products.revenue), backgroundColor: PALETTE[0]}]
      },
      options: {
        indexAxis: "y",
        plugins: {
          legend: {display: false},
          tooltip: {callbacks: {label: function (item) { return money(item.raw); }}}
        },
        scales: {x: {beginAtZero: true}}
      }
    });

    doughnut("chart-categories", data.categories, text);
    doughnut("chart-providers", data.providers, text);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
