/* The project's online DPO rounds page: fetches the rounds API (data-url on #rounds-chart) and draws
 * one chart per figure across rounds — held-out reward (with the starting policy's), win rate against
 * the previous policy, KL to the reference, mean response length, RM–human mismatch rate — with the
 * vendored Chart.js. Refreshes every 10 s while a round is active. No inline script (CSP).
 */
(function () {
  "use strict";

  const root = document.getElementById("rounds-chart");
  if (!root || typeof window.Chart === "undefined") {
    return;
  }
  const ACTIVE = new Set(["queued", "running", "waiting"]);
  const charts = {};

  // Each canvas fills a fixed-height box (.chart-box in verdict.css): at Chart.js's default 2:1 ratio a
  // grid cell made charts ~150 px tall, too short for a rotated axis title. The chart's title names the
  // figure; the y axis says the unit in a word.
  function chart(canvasId, title, series, yRange, yTitle) {
    const canvas = document.getElementById(canvasId);
    if (!canvas) {
      return;
    }
    const data = { labels: series.labels, datasets: series.datasets };
    if (charts[canvasId]) {
      charts[canvasId].data = data;
      charts[canvasId].update("none");
      return;
    }
    charts[canvasId] = new window.Chart(canvas, {
      type: "line",
      data: data,
      options: {
        animation: false,
        spanGaps: true,
        maintainAspectRatio: false,
        clip: false,
        layout: { padding: { top: 4, right: 12 } },
        plugins: { title: { display: true, text: title }, legend: { display: series.datasets.length > 1 } },
        scales: {
          x: { title: { display: true, text: "round" }, offset: true },
          y: Object.assign({ title: { display: true, text: yTitle || title } }, yRange || {}),
        },
      },
    });
  }

  function line(label, values, colour) {
    return { label: label, data: values, borderColor: colour, backgroundColor: colour, pointRadius: 4, borderWidth: 2 };
  }

  /* Proxy and independent judge reward (with their 95 % intervals as error bars drawn as whiskers:
   * one short segment per point) against KL to the run's starting policy: a proxy that keeps rising
   * while the judge flattens or falls is over-optimisation. On a round page (data-run) only that run. */
  function overoptimisation(figures) {
    const canvas = document.getElementById("chart-overoptimisation");
    if (!canvas) {
      return;
    }
    const run = root.dataset.run ? Number(root.dataset.run) : null;
    const proxy = [], judge = [], whiskers = [];
    figures.rounds.forEach(function (number, i) {
      const x = figures.kl_to_start[i];
      if (x === null || x === undefined || (run !== null && figures.runs[i] !== run)) {
        return;
      }
      const intervals = figures.intervals[i] || {};
      proxy.push({ x: x, y: figures.mean_reward[i], round: number });
      if (intervals.mean_reward) {
        whiskers.push({ label: "proxy 95 %", data: [{ x: x, y: intervals.mean_reward[0] }, { x: x, y: intervals.mean_reward[1] }], borderColor: "#93c5fd", pointRadius: 0, showLine: true, borderWidth: 2 });
      }
      if (figures.judge_mean_reward[i] !== null && figures.judge_mean_reward[i] !== undefined) {
        judge.push({ x: x, y: figures.judge_mean_reward[i], round: number });
        if (intervals.judge_mean_reward) {
          whiskers.push({ label: "judge 95 %", data: [{ x: x, y: intervals.judge_mean_reward[0] }, { x: x, y: intervals.judge_mean_reward[1] }], borderColor: "#86efac", pointRadius: 0, showLine: true, borderWidth: 2 });
        }
      }
    });
    const datasets = [
      { label: "proxy reward", data: proxy, borderColor: "#2563eb", backgroundColor: "#2563eb", showLine: true, pointRadius: 4 },
      { label: "independent judge", data: judge, borderColor: "#16a34a", backgroundColor: "#16a34a", showLine: true, pointRadius: 4 },
    ].concat(whiskers);
    const data = { datasets: datasets };
    if (charts.overoptimisation) {
      charts.overoptimisation.data = data;
      charts.overoptimisation.update("none");
      return;
    }
    charts.overoptimisation = new window.Chart(canvas, {
      type: "scatter",
      data: data,
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          title: { display: true, text: "reward against KL to the starting policy" },
          legend: { labels: { filter: function (item) { return item.text.indexOf("95 %") < 0; } } },
        },
        scales: { x: { title: { display: true, text: "KL to the starting policy" } }, y: { title: { display: true, text: "held-out reward" } } },
      },
    });
  }

  function render(payload) {
    const figures = payload.chart;
    const empty = document.getElementById("rounds-chart-empty");
    if (empty) {
      empty.hidden = figures.rounds.length > 0;
    }
    const labels = figures.rounds.map(String);
    chart("chart-reward", "held-out mean reward", {
      labels: labels,
      datasets: [line("new policy", figures.mean_reward, "#2563eb"), line("policy it started from", figures.previous_mean_reward, "#9ca3af")],
    }, null, "reward");
    chart("chart-win-rate", "win rate vs previous policy", { labels: labels, datasets: [line("win rate", figures.win_rate, "#16a34a")] }, { min: 0, max: 1 }, "share");
    chart("chart-kl", "KL to the reference", { labels: labels, datasets: [line("KL", figures.kl, "#9333ea")] }, null, "nats");
    chart("chart-length", "mean response length", { labels: labels, datasets: [line("length", figures.mean_length, "#ea580c")] }, null, "tokens");
    chart("chart-mismatch", "RM–human mismatch rate", { labels: labels, datasets: [line("mismatch", figures.mismatch_rate, "#dc2626")] }, { min: 0, max: 1 }, "share");
    overoptimisation(figures);
    return payload.rounds.some(function (round) { return ACTIVE.has(round.status); });
  }

  function load() {
    fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (payload) {
        if (render(payload)) {
          window.setTimeout(load, 10000);
        }
      })
      .catch(function () { /* the table above still shows every figure */ });
  }

  load();
})();
