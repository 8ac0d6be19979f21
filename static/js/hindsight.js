/* The hindsight workspace (templates/hindsight/annotate.html): rate now, reveal the
 * simulated outcome, rate again. A small client of the hindsight API; the server enforces the order
 * (the foresight rating locks at the reveal, no hindsight before it), this page only follows it.
 *
 * Built on the main workspace's modules, loaded before it: verdict-api.js (requests),
 * annotate-render.js (model text only from the server-sanitised `html` fields; everything else with
 * createElement/textContent), annotate-keys.js (the shared keys) and annotate-shell.js (alert,
 * timer, skip, help and guidelines panels), and on its own hindsight-render.js (rating rows, outcomes)
 * and hindsight-keys.js (its task keys). Keys follow the main workspace: digits rate, arrows
 * adjust, Enter acts.
 */
(function () {
  "use strict";

  const Api = window.VerdictApi;
  const Render = window.VerdictRender;
  const Keys = window.VerdictKeys;
  const { buildScale, markValue } = window.HindsightRender;

  const app = document.getElementById("hindsight-app");
  if (!app) {
    return;
  }

  const byId = (id) => document.getElementById(id);
  const els = Object.assign(window.VerdictShell.elements(), {
    foresight: byId("hs-foresight"),
    foresightRow: document.querySelector('#hs-foresight .rate-row'),
    foresightQuestion: byId("hs-foresight-question"),
    foresightHint: byId("hs-foresight-hint"),
    foresightLocked: byId("hs-foresight-locked"),
    revealActions: byId("hs-reveal-actions"),
    revealButton: byId("hs-reveal"),
    revealPanel: byId("hs-reveal-panel"),
    outcomes: byId("hs-outcomes"),
    hidden: byId("hs-hidden"),
    hiddenBody: byId("hs-hidden-body"),
    hindsight: byId("hs-hindsight"),
    hindsightRow: document.querySelector('#hs-hindsight .rate-row'),
    hindsightQuestion: byId("hs-hindsight-question"),
    hindsightHint: byId("hs-hindsight-hint"),
    keep: byId("hs-keep"),
    keepQuestion: byId("hs-keep-question"),
  });

  // Enter and skip are ignored this long after a task or the reveal appears, until the annotator acts.
  const FRESH_MS = 400;

  const state = {
    task: null,
    stage: null,
    clientId: null,
    shownAt: 0,
    stageAt: 0,
    foresight: null,
    hindsight: null,
    keep: null,
    busy: false,
    skipOpen: false,
    touched: false,
  };

  const { showAlert, clearAlert, setView, tickTimer, openSkip, closeSkip, toggleHelp, toggleGuidelines, install: installShell } =
    window.VerdictShell.create(app, els, state);

  function taskUrl(template) {
    return Api.taskUrl(template, state.task.assignment_id);
  }

  // ------------------------------------------------------------------ status

  function setProgress(progress) {
    if (!progress || progress.done === undefined) {
      return;
    }
    els.progressText.textContent =
      progress.done + " done · " + progress.remaining + (progress.remaining_capped ? "+" : "") + " remaining";
    const total = progress.done + progress.remaining;
    els.progressFill.style.width = (total ? (100 * progress.done) / total : 0).toFixed(1) + "%";
  }

  // ------------------------------------------------------------------ rendering

  function markKeep() {
    els.keep.querySelectorAll("[data-keep]").forEach((button) => {
      const pressed = state.keep !== null && String(state.keep) === button.dataset.keep;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
    });
  }

  function keepApplies() {
    return state.task && (state.task.variant !== "pairwise" || (state.foresight !== null && state.foresight !== 0));
  }

  function updateKeepQuestion() {
    const task = state.task;
    if (task.variant === "pairwise") {
      const picked = state.foresight < 0 ? "A" : "B";
      els.keepQuestion.textContent = "Before the reveal you preferred response " + picked + ". Would you keep what it got you, or return it? (optional)";
    } else {
      els.keepQuestion.textContent = "Would you keep what you got, or return it? (optional)";
    }
    els.keep.hidden = !keepApplies();
  }

  function setStage(stage) {
    state.stage = stage;
    state.stageAt = performance.now();
    state.touched = false;
    app.dataset.stage = stage;
    document.querySelectorAll(".hs-steps li").forEach((step) => {
      const order = ["foresight", "reveal", "hindsight"];
      const current = stage === "foresight" ? 0 : 2;
      const index = order.indexOf(step.dataset.step);
      step.classList.toggle("is-current", index === current);
      step.classList.toggle("is-done", index < current);
    });
    const locked = stage !== "foresight";
    els.foresight.classList.toggle("is-locked", locked);
    els.foresightLocked.hidden = !locked;
    els.revealActions.hidden = locked;
    els.foresightRow.querySelectorAll(".choice").forEach((button) => {
      button.disabled = locked;
    });
    els.hindsight.hidden = stage !== "hindsight";
    els.revealPanel.hidden = stage === "foresight";
    els.foresightRow.classList.toggle("is-active", stage === "foresight");
    els.hindsightRow.classList.toggle("is-active", stage === "hindsight");
  }

  function show(task) {
    state.task = task;
    state.clientId = Api.newClientId();
    state.foresight = task.foresight ? task.foresight.rating : null;
    state.hindsight = null;
    state.keep = null;
    state.shownAt = performance.now();
    closeSkip();
    clearAlert();
    app.dataset.assignmentId = String(task.assignment_id);
    Render.renderMessages(els.messages, task);
    els.messages.scrollTop = els.messages.scrollHeight;
    Render.renderResponses(els.responses, task, { bareSingleTitle: true });
    const pairwise = task.variant === "pairwise";
    const foresightText = pairwise ? "Which response is better, as far as you can tell now?" : "How satisfied would you be with this response right now?";
    els.foresightQuestion.textContent = foresightText;
    els.hindsightQuestion.textContent = pairwise
      ? "Knowing what happened, which response is better?"
      : "Knowing what happened, how satisfied are you with the response?";
    const hint = pairwise ? "keys 1–7" : "keys 1–5";
    els.foresightHint.textContent = hint + ", then Enter";
    els.hindsightHint.textContent = hint;
    buildScale(els.foresightRow, task);
    buildScale(els.hindsightRow, task);
    markValue(els.foresightRow, state.foresight);
    els.justification.value = "";
    els.justification.classList.remove("invalid");
    markKeep();
    setProgress(task.progress);
    setView("task");
    window.scrollTo(0, 0);
    if (task.stage === "foresight") {
      setStage("foresight");
      activeRow().querySelector('.choice[tabindex="0"]').focus({ preventScroll: true });
    } else {
      window.HindsightRender.renderReveal(els, task.reveal);
      updateKeepQuestion();
      setStage("hindsight");
      focusHindsight();
    }
    tickTimer();
  }

  function activeRow() {
    return state.stage === "hindsight" ? els.hindsightRow : els.foresightRow;
  }

  function focusHindsight() {
    els.hindsightRow.classList.add("is-active");
    els.foresightRow.classList.remove("is-active");
    const target = els.hindsightRow.querySelector('.choice[tabindex="0"]');
    target.focus({ preventScroll: true });
    els.revealPanel.scrollIntoView({ block: "start", behavior: "instant" });
  }

  // ------------------------------------------------------------------ values

  function setValue(value) {
    const scale = state.task.scale;
    if (value < scale.min || value > scale.max) {
      return;
    }
    state.touched = true;
    if (state.stage === "foresight") {
      state.foresight = value;
      markValue(els.foresightRow, value);
    } else {
      state.hindsight = value;
      markValue(els.hindsightRow, value);
    }
    const pressed = activeRow().querySelector('.choice[aria-pressed="true"]');
    if (pressed) {
      pressed.focus({ preventScroll: true });
    }
    clearAlert();
  }

  function currentValue() {
    return state.stage === "foresight" ? state.foresight : state.hindsight;
  }

  function setKeep(value) {
    if (!keepApplies()) {
      return;
    }
    state.touched = true;
    state.keep = state.keep === value ? null : value;
    markKeep();
  }

  // ------------------------------------------------------------------ actions

  function fresh() {
    return !state.touched && performance.now() - state.stageAt < FRESH_MS;
  }

  function setBusy(busy) {
    state.busy = busy;
    els.submit.disabled = busy;
    els.revealButton.disabled = busy;
    app.classList.toggle("busy", busy);
  }

  async function reveal() {
    if (!state.task || state.busy || state.stage !== "foresight" || fresh()) {
      return;
    }
    if (state.foresight === null) {
      els.foresightRow.classList.add("missing");
      showAlert("Rate the response first (keys " + (state.task.variant === "pairwise" ? "1–7" : "1–5") + "), then reveal the outcome.");
      return;
    }
    setBusy(true);
    try {
      const saved = await Api.post(taskUrl(app.dataset.foresightUrl), { rating: state.foresight });
      if (saved.status !== 200) {
        showAlert(Api.messageOf(saved, "Your rating was not saved."), saved.status === 409);
        return;
      }
      const revealed = await Api.post(taskUrl(app.dataset.revealUrl), {});
      if (revealed.status !== 200) {
        showAlert(Api.messageOf(revealed, "The outcome could not be revealed."), false);
        return;
      }
      state.task = revealed.data;
      state.foresight = revealed.data.foresight.rating;
      window.HindsightRender.renderReveal(els, revealed.data.reveal);
      updateKeepQuestion();
      setStage("hindsight");
      focusHindsight();
    } catch (error) {
      showAlert("Could not reach the server. Your rating is kept here; press Enter to try again.");
    } finally {
      setBusy(false);
    }
  }

  async function submit() {
    if (!state.task || state.busy || state.stage !== "hindsight" || fresh()) {
      return;
    }
    const problems = [];
    if (state.hindsight === null) {
      els.hindsightRow.classList.add("missing");
      problems.push("Rate again now that you know the outcome.");
    }
    if (!els.justification.value.trim()) {
      els.justification.classList.add("invalid");
      problems.push("Write a justification (J).");
    }
    if (problems.length) {
      showAlert(problems.join(" "));
      return;
    }
    setBusy(true);
    try {
      const result = await Api.post(taskUrl(app.dataset.submitUrl), {
        client_id: state.clientId,
        rating: state.hindsight,
        justification: els.justification.value,
        keep: keepApplies() ? state.keep : null,
        time_spent_seconds: Math.round((performance.now() - state.shownAt) / 100) / 10,
      });
      if (result.status === 201 || result.status === 200) {
        await next();
      } else {
        const errors = (result.data && result.data.errors) || {};
        if (errors.justification) {
          els.justification.classList.add("invalid");
        }
        showAlert(Api.messageOf(result, "Your rating was not saved.") + " Your answers are kept.", result.status === 409);
      }
    } catch (error) {
      showAlert("Could not reach the server. Your answers are kept; press Enter to try again.");
    } finally {
      setBusy(false);
    }
  }

  async function skip(reason) {
    if (!state.task || state.busy) {
      return;
    }
    setBusy(true);
    try {
      const result = await Api.post(taskUrl(app.dataset.skipUrl), { reason: reason, note: els.skipNote.value });
      if (result.status === 200) {
        await next();
      } else {
        showAlert(Api.messageOf(result, "The task was not skipped."), result.status === 409);
      }
    } catch (error) {
      showAlert("Could not reach the server; the task was not skipped.");
    } finally {
      setBusy(false);
    }
  }

  async function next() {
    setView("loading");
    const result = await Api.fetchNext(app.dataset.nextUrl, []);
    if (result.kind === "task") {
      show(result.task);
      return;
    }
    state.task = null;
    app.dataset.assignmentId = "";
    tickTimer();
    if (result.kind === "problem") {
      els.doneTitle.textContent = "No task right now";
      els.doneText.textContent = result.message;
    }
    setView("done");
  }

  // ------------------------------------------------------------------ keyboard

  function focusRating() {
    activeRow().querySelector('.choice[tabindex="0"]').focus({ preventScroll: true });
  }

  function onPrimary() {
    if (state.stage === "foresight") {
      reveal();
    } else {
      submit();
    }
  }

  const keyWorkspace = {
    els: els,
    state: state,
    submit: onPrimary,
    skip: skip,
    closeSkip: closeSkip,
    toggleHelp: toggleHelp,
    toggleGuidelines: toggleGuidelines,
  };

  const onTaskKey = window.HindsightKeys.create({
    app: app, els: els, state: state, keyWorkspace: keyWorkspace, focusRating: focusRating, setValue: setValue,
    currentValue: currentValue, onPrimary: onPrimary, openSkip: openSkip, closeSkip: closeSkip, setKeep: setKeep,
  });

  // ------------------------------------------------------------------ wiring

  Keys.listen(keyWorkspace, onTaskKey, focusRating);
  els.task.addEventListener("click", (event) => {
    const choice = event.target.closest(".hs-scale .choice");
    if (choice && !choice.disabled && choice.closest(".rate-row") === activeRow()) {
      setValue(Number(choice.dataset.value));
      return;
    }
    const keep = event.target.closest("[data-keep]");
    if (keep) {
      setKeep(keep.dataset.keep === "true");
    }
  });
  els.task.addEventListener("submit", (event) => {
    event.preventDefault();
    onPrimary();
  });
  els.revealButton.addEventListener("click", () => {
    state.touched = true;
    reveal();
  });
  els.justification.addEventListener("input", () => {
    state.touched = true;
    els.justification.classList.remove("invalid");
  });
  els.skipPanel.querySelectorAll("button[data-reason]").forEach((button) => {
    button.addEventListener("click", () => skip(button.dataset.reason));
  });
  els.reload.addEventListener("click", () => {
    clearAlert();
    next();
  });
  installShell();
  next();
})();
