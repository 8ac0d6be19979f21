/* The annotator's workspace: a small client of the REST API (no framework, no build step).
 * Loaded after verdict-api.js (requests), annotate-render.js (task DOM), annotate-form.js (rating rows,
 * what is missing, the payload), annotate-revise.js (reopening earlier work), annotate-keys.js
 * (shortcuts) and annotate-shell.js (alert, timer, skip, help and guidelines panels). Tasks follow each other without page loads; the next one is prefetched.
 */
(function () {
  "use strict";

  const Api = window.VerdictApi;
  const Render = window.VerdictRender;

  const app = document.getElementById("annotate-app");
  if (!app) {
    return;
  }

  const byId = (id) => document.getElementById(id);
  const els = Object.assign(window.VerdictShell.elements(), {
    preference: byId("ws-preference"),
    prefRow: document.querySelector("#ws-preference .rate-row"),
    justificationRequired: byId("ws-justification-required"),
    neither: byId("ws-neither"),
    neitherLabel: byId("ws-neither-label"),
    unsafe: byId("ws-unsafe"),
    undo: byId("ws-undo"),
    revising: byId("ws-revising"),
    revisingCancel: byId("ws-revising-cancel"),
  });

  // A prefetched task whose lease ends sooner than this is fetched again rather than shown.
  const LEASE_MARGIN_MS = 30 * 1000;
  // Submit and skip are ignored this long after a task appears, until the annotator does something.
  const FRESH_TASK_MS = 400;

  const state = {
    task: null,
    clientId: null,
    shownAt: 0,
    preference: null,
    scores: {},
    submitting: false,
    skipOpen: false,
    activeRow: null,
    prefetch: null,
    progress: null,
    touched: false,
    // {id, from: "link" | "undo", timeSpent} while an earlier annotation is reopened for revision.
    revising: null,
    lastSubmitted: null,
  };

  const { showAlert, clearAlert, setView, tickTimer, openSkip, closeSkip, toggleHelp, toggleGuidelines, install: installShell } =
    window.VerdictShell.create(app, els, state);

  const { rows, highlightRow, activateRow, moveRow, rowValue, rowRange, setRowValue, nextRowAfter, justificationNeeded, updateJustificationHint, problems, payload } =
    window.VerdictForm.create(els, state);

  // ------------------------------------------------------------------ status

  function setProgress(progress) {
    if (!progress) {
      return;
    }
    state.progress = { done: progress.done, remaining: progress.remaining, remaining_capped: progress.remaining_capped };
    els.progressText.textContent =
      progress.done + " done by you · " + progress.remaining + (progress.remaining_capped ? "+" : "") + " items still open";
    const total = progress.done + progress.remaining;
    els.progressFill.style.width = (total ? (100 * progress.done) / total : 0).toFixed(1) + "%";
  }

  // ------------------------------------------------------------------ showing a task

  function resetPreferenceRow() {
    els.prefRow.querySelectorAll(".choice").forEach((button, index) => {
      button.setAttribute("aria-pressed", "false");
      button.tabIndex = index === 0 ? 0 : -1;
    });
    els.prefRow.classList.remove("answered", "missing", "is-active");
  }

  function show(task) {
    state.task = task;
    state.clientId = Api.newClientId();
    state.preference = null;
    state.scores = {};
    state.activeRow = null;
    state.touched = false;
    closeSkip();
    clearAlert();
    app.dataset.assignmentId = String(task.assignment_id);
    // Scores are keyed by slot ("A" = the response shown first), which is all the server reveals.
    task.responses.forEach((response) => {
      state.scores[String(response.id)] = {};
    });
    Render.renderMessages(els.messages, task);
    Render.renderResponses(els.responses, task);
    els.preference.hidden = !task.ask_preference;
    resetPreferenceRow();
    els.justification.value = "";
    els.justification.classList.remove("invalid");
    els.neither.checked = false;
    els.unsafe.checked = false;
    els.neitherLabel.textContent =
      task.responses.length > 1 ? "Neither response is acceptable" : "The response is not acceptable";
    showWordingFor(task);
    updateJustificationHint();
    setProgress(task.progress);
    setView("task");
    window.scrollTo(0, 0);
    const conversation = els.messages;
    conversation.scrollTop = conversation.scrollHeight;
    const first = rows()[0];
    if (first) {
      activateRow(first, true);
    }
    state.shownAt = performance.now();
    tickTimer();
    els.revising.hidden = !state.revising;
    els.skip.hidden = Boolean(state.revising);
    if (!state.revising) {
      prefetchAfter(task);
    }
  }

  const PAIRWISE_PLACEHOLDER = els.justification.getAttribute("placeholder");
  const LIKERT_PLACEHOLDER = "Optional: anything a reviewer should know about your ratings.";

  /** Pairwise wording (the −3…+3 scale, "@A and @B", the preference keys) only where a preference is asked. */
  function showWordingFor(task) {
    els.justification.setAttribute("placeholder", task.ask_preference ? PAIRWISE_PLACEHOLDER : LIKERT_PLACEHOLDER);
    document.querySelectorAll(".pref-only").forEach((element) => {
      element.hidden = !task.ask_preference;
    });
  }

  // ------------------------------------------------------------------ submit and skip

  /** A key pressed twice must not act on the task that just replaced the submitted one. */
  function justShown() {
    return !state.touched && performance.now() - state.shownAt < FRESH_TASK_MS;
  }

  function setBusy(busy) {
    state.submitting = busy;
    els.submit.disabled = busy;
    els.submit.setAttribute("aria-busy", busy ? "true" : "false");
    app.classList.toggle("busy", busy);
  }

  function showServerError(result, fallback) {
    const errors = (result.data && result.data.errors) || {};
    if (errors.justification) {
      els.justification.classList.add("invalid");
    }
    if (errors.preference_strength) {
      els.prefRow.classList.add("missing");
    }
    showAlert(Api.messageOf(result, fallback) + " Your answers are kept.", result.status === 409);
  }

  async function submit() {
    if (!state.task || state.submitting || justShown()) {
      return;
    }
    if (state.revising) {
      await submitRevision();
      return;
    }
    const found = problems();
    if (found.length) {
      showAlert(found.map((problem) => problem.text).join(" "));
      if (found[0].row) {
        activateRow(found[0].row);
      } else {
        found[0].field.focus();
      }
      return;
    }
    setBusy(true);
    let result;
    try {
      result = await Api.post(Api.taskUrl(app.dataset.submitUrl, state.task.assignment_id), payload());
    } catch (error) {
      setBusy(false);
      showAlert("Could not reach the server. Your answers are kept; press Enter to try again.");
      return;
    }
    if (result.status === 201 || result.status === 200) {
      state.lastSubmitted = result.data.id;
      els.undo.hidden = false;
      await advance(1);
    } else {
      showServerError(result, "The annotation was not saved.");
    }
    setBusy(false);
  }

  async function skip(reason) {
    if (!state.task || state.submitting || justShown()) {
      return;
    }
    setBusy(true);
    let result;
    try {
      const url = Api.taskUrl(app.dataset.skipUrl, state.task.assignment_id);
      result = await Api.post(url, { reason: reason, note: els.skipNote.value });
    } catch (error) {
      setBusy(false);
      showAlert("Could not reach the server; the task was not skipped.");
      return;
    }
    if (result.status === 200) {
      await advance(0);
    } else {
      showServerError(result, "The task was not skipped.");
    }
    setBusy(false);
  }

  // ------------------------------------------------------------------ revising (My annotations' "Edit", "Undo last submission")

  const { reopen, submitRevision, leaveRevision } = window.VerdictRevise.create({
    app: app, els: els, state: state, show: show, showAlert: showAlert, showNoTask: showNoTask, setBusy: setBusy,
    showServerError: showServerError, reloadTask: reloadTask, rows: rows, setRowValue: setRowValue,
    updateJustificationHint: updateJustificationHint, problems: problems, payload: payload,
  });

  // ------------------------------------------------------------------ task flow

  function prefetchAfter(task) {
    const forId = task.assignment_id;
    state.prefetch = { forId: forId, promise: Api.fetchNext(app.dataset.nextUrl, [forId]) };
  }

  function usable(result) {
    return result.kind === "task" && new Date(result.task.lease_expires_at).getTime() - Date.now() > LEASE_MARGIN_MS;
  }

  /** After a submit (`done` = 1) or a skip (0): show the prefetched task at once, else ask the server again. */
  async function advance(done) {
    const finished = state.task;
    const pending = state.prefetch && state.prefetch.forId === finished.assignment_id ? state.prefetch.promise : null;
    state.prefetch = null;
    let result = pending ? await pending : null;
    const prefetched = Boolean(result && usable(result));
    if (!prefetched) {
      result = await Api.fetchNext(app.dataset.nextUrl, []);
    }
    if (result.kind === "task") {
      const progress = state.progress || result.task.progress;
      show(result.task);
      if (prefetched) {
        // The prefetched payload predates the submit; the next prefetch brings fresh numbers.
        // A submit or a skip takes the finished task off the annotator's open items.
        setProgress({
          done: progress.done + done,
          remaining: progress.remaining_capped ? progress.remaining : Math.max(0, progress.remaining - 1),
          remaining_capped: progress.remaining_capped,
        });
      }
      state.prefetch.promise.then((next) => {
        if (next.kind === "task" && state.task && state.task.assignment_id === result.task.assignment_id) {
          setProgress(next.task.progress);
        }
      });
      return;
    }
    state.task = null;
    tickTimer();
    app.dataset.assignmentId = "";
    if (result.kind === "empty" && state.progress) {
      setProgress({ done: state.progress.done + done, remaining: 0 });
    }
    showNoTask(result);
  }

  function showNoTask(result) {
    if (result.kind === "problem") {
      els.doneTitle.textContent = "No task right now";
      els.doneText.textContent = result.message;
    }
    setView("done");
  }

  async function start() {
    setView("loading");
    const revise = new URLSearchParams(window.location.search).get("revise");
    if (revise && /^\d+$/.test(revise) && !state.task) {
      await reopen(revise, "link");
      if (state.revising) {
        return;
      }
    }
    const result = await Api.fetchNext(app.dataset.nextUrl, []);
    if (result.kind === "task") {
      show(result.task);
    } else {
      showNoTask(result);
    }
  }

  async function reloadTask() {
    clearAlert();
    state.task = null;
    state.prefetch = null;
    await start();
  }

  function jumpToResponse(index) {
    const column = els.responses.children[index];
    const row = column && column.querySelector(".rate-row");
    if (row) {
      activateRow(row);
    }
  }

  // ------------------------------------------------------------------ wiring

  window.VerdictKeys.install({
    els: els,
    state: state,
    rows: rows,
    activateRow: activateRow,
    moveRow: moveRow,
    nextRowAfter: nextRowAfter,
    rowValue: rowValue,
    rowRange: rowRange,
    setRowValue: setRowValue,
    submit: submit,
    skip: skip,
    openSkip: openSkip,
    closeSkip: closeSkip,
    toggleHelp: toggleHelp,
    toggleGuidelines: toggleGuidelines,
    jumpToResponse: jumpToResponse,
  });
  document.addEventListener("focusin", (event) => {
    const row = event.target.closest && event.target.closest(".rate-row");
    if (row && els.task.contains(row)) {
      highlightRow(row);
    }
  });
  els.task.addEventListener("click", (event) => {
    const button = event.target.closest(".choice");
    if (button) {
      const row = button.closest(".rate-row");
      setRowValue(row, Number(button.dataset.value));
      activateRow(row, true);
    }
  });
  els.task.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  els.task.addEventListener("change", () => {
    state.touched = true;
    clearAlert();
  });
  els.justification.addEventListener("input", () => {
    state.touched = true;
    els.justification.classList.remove("invalid");
  });
  els.skipPanel.querySelectorAll("button[data-reason]").forEach((button) => {
    button.addEventListener("click", () => skip(button.dataset.reason));
  });
  els.reload.addEventListener("click", reloadTask);
  els.undo.addEventListener("click", () => {
    if (state.lastSubmitted !== null) {
      reopen(state.lastSubmitted, "undo");
    }
  });
  els.revisingCancel.addEventListener("click", leaveRevision);
  installShell();
  start();
})();
