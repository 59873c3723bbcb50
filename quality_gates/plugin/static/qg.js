// Quality gates pages: follow Airflow's light/dark theme, baseline actions, dataset charts.
// No inline scripts (the pages' Content-Security-Policy forbids them); data comes as JSON blocks.
(function () {
  "use strict";
  var base = document.body ? document.body.getAttribute("data-base") : "";

  // --- theme: Airflow (next-themes) puts "dark" or "light" on its <html>; the iframe is same-origin.
  function airflowTheme() {
    try {
      if (window.parent && window.parent !== window) {
        var cls = window.parent.document.documentElement.classList;
        if (cls.contains("dark")) return "dark";
        if (cls.contains("light")) return "light";
      }
    } catch (e) { /* not inside Airflow */ }
    return null;
  }
  function applyTheme() {
    var theme = airflowTheme();
    if (theme) document.documentElement.setAttribute("data-theme", theme);
    else document.documentElement.removeAttribute("data-theme");
    document.dispatchEvent(new CustomEvent("qg-theme"));
  }
  applyTheme();
  try {
    if (window.parent && window.parent !== window) {
      new MutationObserver(applyTheme).observe(window.parent.document.documentElement, { attributes: true, attributeFilter: ["class", "style"] });
    }
  } catch (e) { /* cross-origin parent: prefers-color-scheme applies */ }
  if (window.matchMedia) {
    var mq = window.matchMedia("(prefers-color-scheme: dark)");
    if (mq.addEventListener) mq.addEventListener("change", applyTheme);
  }

  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

  // --- baseline actions: a JSON POST (same origin, cookie auth); the page reloads to show who and when.
  function mark(button) {
    var box = button.closest(".qg-actions");
    var note = box ? box.querySelector(".qg-note") : null;
    var error = box ? box.querySelector(".qg-action-error") : null;
    var buttons = box ? box.querySelectorAll("button") : [button];
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    if (error) error.textContent = "";
    fetch(base + "/api/dataset/baseline-status", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({
        dataset: button.getAttribute("data-dataset"),
        partition_key: button.getAttribute("data-partition-key"),
        status: button.getAttribute("data-action"),
        note: note && note.value ? note.value : null
      })
    }).then(function (response) {
      if (response.ok) { window.location.reload(); return; }
      return response.json().catch(function () { return {}; }).then(function (body) {
        var detail = body && body.detail ? body.detail : response.statusText;
        throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
      });
    }).catch(function (err) {
      if (error) error.textContent = "Not saved: " + err.message;
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-action]") : null;
    if (button) mark(button);
  });
  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("qg-autosubmit")) event.target.form.submit();
  });

  // --- dataset charts (Plotly, served by this app from the installed plotly package).
  function drawCharts() {
    var block = document.getElementById("qg-series");
    if (!block || !window.Plotly) return;
    var data = JSON.parse(block.textContent);
    var keys = data.partition_keys, statuses = data.baseline_status;
    var urls = data.gate_run_ids.map(function (id) { return id === null ? null : data.gate_run_url.replace("{id}", String(id)); });
    var flagged = [], falseAlarm = [];
    statuses.forEach(function (s, i) { if (s === "excluded" || s === "confirmed_bad") flagged.push(i); else if (s === "false_alarm") falseAlarm.push(i); });
    var fg = css("--qg-fg"), muted = css("--qg-muted"), grid = css("--qg-border");
    data.metrics.forEach(function (m, index) {
      var el = document.getElementById("qg-chart-" + (index + 1));
      if (!el) return;
      function pick(list, idx) { return idx.map(function (i) { return list[i]; }); }
      var traces = [
        { x: keys, y: m.band_low, mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false, connectgaps: false },
        { x: keys, y: m.band_high, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: css("--qg-band"),
          name: "baseline band", hoverinfo: "skip", showlegend: false, connectgaps: false },
        { x: keys, y: m.values, mode: "lines+markers", name: m.metric, line: { color: css("--qg-line"), width: 1.5 },
          marker: { size: 4 }, customdata: urls, hovertemplate: "%{x}<br>" + m.metric + " = %{y}<extra></extra>" },
        { x: pick(keys, flagged), y: pick(m.values, flagged), mode: "markers", name: "flagged", customdata: pick(urls, flagged),
          marker: { color: css("--qg-failed"), size: 9, symbol: "x" }, hovertemplate: "%{x}: flagged<br>%{y}<extra></extra>" },
        { x: pick(keys, falseAlarm), y: pick(m.values, falseAlarm), mode: "markers", name: "false alarm", customdata: pick(urls, falseAlarm),
          marker: { color: css("--qg-false-alarm"), size: 9, symbol: "circle-open", line: { width: 2 } }, hovertemplate: "%{x}: false alarm<br>%{y}<extra></extra>" }
      ];
      var layout = {
        title: { text: m.metric, font: { size: 13, color: fg }, x: 0.02 },
        margin: { l: 50, r: 12, t: 30, b: 36 }, showlegend: false,
        paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
        font: { color: muted, size: 11 },
        xaxis: { type: "category", gridcolor: grid, tickangle: 0, nticks: 6, automargin: true },
        yaxis: { gridcolor: grid, zerolinecolor: grid, automargin: true }
      };
      window.Plotly.react(el, traces, layout, { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] });
      if (!el.dataset.qgClick) {
        el.dataset.qgClick = "1";
        el.on("plotly_click", function (event) {
          var point = event.points && event.points[0];
          if (point && point.customdata) window.location.href = point.customdata;
        });
      }
      el.setAttribute("data-rendered", "true");
    });
  }
  document.addEventListener("DOMContentLoaded", drawCharts);
  document.addEventListener("qg-theme", function () { if (document.readyState !== "loading") drawCharts(); });
})();
