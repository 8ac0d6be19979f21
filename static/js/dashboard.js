/* The project dashboard's charts, drawn with the vendored Chart.js from the figures the page was served
 * with (#dashboard-data, the stored payload that GET /api/projects/<slug>/stats/ also returns): no request
 * of its own. Preference strengths (platform and imported apart), annotations per day, side agreement by
 * day, per-annotator gold accuracy / reliability / consensus and position bias, and each Likert
 * attribute's scores. No inline script (CSP).
 */
(function () {
  "use strict";

  const source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const BLUE = "#2563eb", ORANGE = "#ea580c", GREEN = "#16a34a", PURPLE = "#7c3aed", GREY = "#9ca3af";

  function draw(canvas, type, title, labels, datasets, options) {
    if (!canvas) {
      return null;
    }
    const extra = options || {};
    return new window.Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { title: { display: true, text: title }, legend: { display: datasets.length > 1 } },
        scales: {
          x: { title: { display: Boolean(extra.x), text: extra.x || "" } },
          y: Object.assign({ beginAtZero: true, title: { display: Boolean(extra.y), text: extra.y || "" } }, extra.yRange || {}),
        },
      },
    });
  }

  function bars(label, values, colour) {
    return { label: label, data: values, backgroundColor: colour, borderColor: colour };
  }

  function line(label, values, colour) {
    return { label: label, data: values, borderColor: colour, backgroundColor: colour, pointRadius: 3, borderWidth: 2, spanGaps: true };
  }

  const byId = (id) => document.getElementById(id);
  const strengths = ["-3", "-2", "-1", "0", "1", "2", "3"];
  const distribution = data.strength_distribution || { platform: {}, imported: {} };
  draw(byId("chart-strengths"), "bar", "Preference strengths (−3 = response 1 much better)", strengths, [
    bars("platform", strengths.map((s) => distribution.platform[s] || 0), BLUE),
    bars("imported", strengths.map((s) => (distribution.imported || {})[s] || 0), GREY),
  ], { y: "judgements" });

  const perDay = data.annotations_per_day || {};
  const days = Object.keys(perDay).sort();
  draw(byId("chart-per-day"), "bar", "Platform annotations per day", days, [bars("annotations", days.map((d) => perDay[d]), BLUE)],
    { y: "annotations" });

  const agreement = (data.agreement && data.agreement.by_day) || [];
  draw(byId("chart-agreement"), "line", "Same preferred side, by day of the item's latest judgement", agreement.map((p) => p.day), [
    line("that day's items", agreement.map((p) => p.rate), ORANGE),
    line("running", agreement.map((p) => p.cumulative), BLUE),
  ], { y: "share of annotator pairs", yRange: { min: 0, max: 1 } });

  const annotators = data.annotators || [];
  const names = annotators.map((row) => row.annotator);
  const figure = (key) => annotators.map((row) => (row[key] === null || row[key] === undefined ? null : row[key]));
  draw(byId("chart-annotators"), "bar", "Per annotator", names, [
    bars("gold accuracy", figure("gold_accuracy"), GREEN),
    bars("reliability (Dawid–Skene)", figure("reliability"), PURPLE),
    bars("consensus agreement", figure("consensus_agreement"), BLUE),
  ], { yRange: { min: 0, max: 1 } });

  draw(byId("chart-position"), "bar", "Preferences for the response shown first (50 % = no position bias)", names, [
    bars("shown first", annotators.map((row) => (row.position_bias ? row.position_bias.rate : null)), ORANGE),
  ], { yRange: { min: 0, max: 1 } });

  const judges = data.judges || [];
  const buckets = ["1", "2", "3", "all"];
  const judgeColours = [BLUE, ORANGE, GREEN, PURPLE, GREY];
  draw(byId("chart-judges"), "bar", "Model judges: agreement with the people's side, by |human strength|",
    buckets.map((b) => (b === "all" ? "all" : "|strength| " + b)),
    judges.map((row, index) => bars(row.judge, buckets.map((b) => (row.by_strength[b] ? row.by_strength[b].rate : null)),
      judgeColours[index % judgeColours.length])),
    { yRange: { min: 0, max: 1 } });

  const attributes = (data.agreement && data.agreement.attribute_distributions) || {};
  document.querySelectorAll("canvas.chart-attribute").forEach((canvas) => {
    const counts = attributes[canvas.dataset.attribute] || {};
    const values = Object.keys(counts).sort((a, b) => Number(a) - Number(b));
    draw(canvas, "bar", canvas.dataset.attribute + " scores", values, [bars("responses", values.map((v) => counts[v]), GREEN)],
      { y: "ratings" });
  });
})();
