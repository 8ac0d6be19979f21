/* A training job's live page: polls the job's JSON endpoint (data-state-url) every data-poll-ms
 * milliseconds and updates the progress bar, ETA, stage, log tail, error, final metrics and the
 * loss / validation-accuracy charts (Chart.js, vendored in static/vendor/chartjs). No inline script:
 * the site's Content-Security-Policy allows only our own static files.
 */
(function () {
  "use strict";

  const root = document.getElementById("job-live");
  if (!root) {
    return;
  }
  const url = root.dataset.stateUrl;
  const pollMs = Number(root.dataset.pollMs) || 2000;
  const initialStatus = root.dataset.status;
  const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
  const STATUS_LABELS = {
    queued: "Queued",
    running: "Running",
    waiting: "Waiting for human labels",
    succeeded: "Succeeded",
    failed: "Failed",
    cancelled: "Cancelled",
  };
  const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563", "#ca8a04"];
  const byId = (id) => document.getElementById(id);

  function lineChart(canvasId, yTitle, yRange) {
    const canvas = byId(canvasId);
    if (!canvas || typeof window.Chart === "undefined") {
      return null;
    }
    return new window.Chart(canvas, {
      type: "line",
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        scales: {
          x: { type: "linear", title: { display: true, text: "step" } },
          y: Object.assign({ title: { display: true, text: yTitle } }, yRange || {}),
        },
        plugins: { legend: { display: true } },
      },
    });
  }

  const charts = {
    loss: lineChart("chart-loss", "loss"),
    accuracy: lineChart("chart-accuracy", "pairwise accuracy", { min: 0, max: 1 }),
  };

  // One line per ensemble member (points carry "member" when the job trains several). A line of one
  // point (a one-step job, the first logging window) is drawn as a dot: a line needs two points.
  function series(points, key, label, options) {
    const members = new Map();
    points.forEach(function (point) {
      if (typeof point[key] !== "number") {
        return;
      }
      const member = typeof point.member === "number" ? point.member : null;
      if (!members.has(member)) {
        members.set(member, []);
      }
      members.get(member).push({ x: point.step, y: point[key] });
    });
    return Array.from(members.entries()).map(function (entry, index) {
      const colour = COLOURS[index % COLOURS.length];
      return {
        label: entry[0] === null ? label : label + " · member " + (entry[0] + 1),
        data: entry[1],
        borderColor: colour,
        backgroundColor: colour,
        pointRadius: (options && options.points) || entry[1].length === 1 ? 3 : 0,
        borderWidth: 2,
        borderDash: options && options.dashed ? [6, 4] : undefined,
        clip: false, // a point on the last step sits on the chart's edge: draw it whole
      };
    });
  }

  function stepsText(step, total) {
    return total ? step + " / " + total + " steps" : "steps not counted yet";
  }

  // Both charts span step 0 … total steps, so a loss and an accuracy at the same step line up.
  function updateChart(chart, datasets, totalSteps) {
    if (!chart) {
      return;
    }
    chart.data.datasets = datasets;
    chart.options.scales.x.min = 0;
    chart.options.scales.x.max = totalSteps || undefined;
    chart.update("none");
  }

  function formatSeconds(seconds) {
    if (typeof seconds !== "number") {
      return "–";
    }
    const total = Math.round(seconds);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const rest = total % 60;
    if (hours) {
      return hours + " h " + minutes + " min";
    }
    return minutes ? minutes + " min " + rest + " s" : rest + " s";
  }

  function setText(id, text) {
    const element = byId(id);
    if (element) {
      element.textContent = text;
    }
  }

  function renderMetrics(metrics) {
    const body = document.querySelector("#job-metrics tbody");
    const names = Object.keys(metrics || {}).sort();
    if (!body || !names.length) {
      return;
    }
    body.replaceChildren();
    names.forEach(function (name) {
      const row = document.createElement("tr");
      const key = document.createElement("td");
      const value = document.createElement("td");
      key.className = "mono";
      key.textContent = name;
      value.textContent = typeof metrics[name] === "number" ? metrics[name].toFixed(4) : "–";
      row.append(key, value);
      body.append(row);
    });
  }

  function render(state) {
    setText("job-status", STATUS_LABELS[state.status] || state.status);
    // A queued job says why it has not started (which queue, behind what); a started one, its stage.
    setText("job-stage", state.status === "queued" && state.wait_reason ? state.wait_reason : state.stage || "");
    const progress = byId("job-progress");
    if (progress) {
      progress.value = state.fraction_done || 0;
    }
    setText("job-steps", stepsText(state.progress_step, state.progress_total));
    setText("job-eta", formatSeconds(state.eta_seconds));
    setText("job-log", state.log_tail || "");
    const errorCard = byId("job-error-card");
    if (errorCard && state.error) {
      errorCard.hidden = false;
      setText("job-error", state.error);
      setText("job-traceback", state.traceback || "");
    }
    const metrics = state.metrics || {};
    // The loss chart: the running loss of each logging window and, at each epoch's end, the epoch's mean
    // (a job shorter than one logging window has only the latter).
    const lossLines = series(metrics.train || [], "loss", "train loss").concat(
      series(metrics.validation || [], "loss", "epoch mean loss", { points: true, dashed: true })
    );
    updateChart(charts.loss, lossLines, state.progress_total);
    updateChart(charts.accuracy, series(metrics.validation || [], "val_accuracy", "validation accuracy", { points: true }), state.progress_total);
    renderMetrics((state.summary || {}).metrics);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        render(state);
        if (!FINISHED.has(state.status)) {
          window.setTimeout(poll, pollMs);
        } else if (!FINISHED.has(initialStatus)) {
          // The buttons (cancel → restart) and the registry link are server-rendered: reload once.
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(poll, pollMs * 2);
      });
  }

  poll();
})();
