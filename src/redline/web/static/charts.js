/* Draw every <div data-chart="ID"> from <script type="application/json" id="ID">,
   an ECharts option built server-side. Loaded after vendor/echarts.min.js. */
(function () {
  "use strict";
  if (!window.echarts) return;
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var src = document.getElementById(el.getAttribute("data-chart"));
    if (!src) return;
    var option = JSON.parse(src.textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
