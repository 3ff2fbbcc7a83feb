// The report's four charts, drawn with ECharts from the series the page embeds as JSON.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-charts").textContent);
  var titles = JSON.parse(document.getElementById("report-chart-titles").textContent);
  var red = "#c8161d", blue = "#2f6fb2";
  var title = function (key) { return { text: titles[key], left: "center", textStyle: { fontSize: 14 } }; };
  var options = {
    pyramid: {
      title: title("pyramid"),
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: function (v) { return Math.abs(v); } },
      legend: { bottom: 0, data: [titles.men, titles.women] },
      grid: { left: 90, right: 20, top: 36, bottom: 40 },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return Math.abs(v); } } },
      yAxis: { type: "category", data: data.pyramid.bands, axisTick: { show: false } },
      series: [
        { name: titles.men, type: "bar", stack: "all", color: blue,
          data: data.pyramid.men.map(function (v) { return -v; }) },
        { name: titles.women, type: "bar", stack: "all", color: red, data: data.pyramid.women }
      ]
    },
    education: {
      title: title("education"), tooltip: {}, grid: { left: 50, right: 20, top: 36, bottom: 30 },
      xAxis: { type: "category", data: data.education.labels, axisLabel: { interval: 0 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", color: red, data: data.education.values, label: { show: true, position: "top" } }]
    },
    years: {
      title: title("years"), tooltip: { trigger: "axis" }, grid: { left: 60, right: 20, top: 36, bottom: 30 },
      xAxis: { type: "category", data: data.years.labels, axisLabel: { interval: 0, fontSize: 10 } },
      yAxis: { type: "value", scale: true },
      series: [{ type: "line", color: red, data: data.years.values, label: { show: true } }]
    },
    kinds: {
      title: title("kinds"), tooltip: {}, grid: { left: 50, right: 20, top: 36, bottom: 30 },
      xAxis: { type: "category", data: data.kinds.labels, axisLabel: { interval: 0, fontSize: 11 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", color: blue, data: data.kinds.values, label: { show: true, position: "top" } }]
    }
  };
  var charts = [];
  document.querySelectorAll(".dj-chart").forEach(function (element) {
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(options[element.dataset.chart]);
    element.dataset.ready = "true";
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
