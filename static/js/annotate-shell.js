/* What surrounds a task in both workspaces (annotate.js, hindsight.js): the alert, the view switch,
 * the task timer, the skip panel and the help and guidelines panels. The `ws-*` elements are the
 * same on both pages (templates/annotation/_workspace_toolbar.html and the pages themselves). */
window.VerdictShell = (function () {
  "use strict";

  /** The `ws-*` elements that every workspace page has, by the names the scripts use. */
  function elements() {
    const byId = (id) => document.getElementById(id);
    return {
      task: byId("ws-task"),
      loading: byId("ws-loading"),
      done: byId("ws-done"),
      doneTitle: byId("ws-done-title"),
      doneText: byId("ws-done-text"),
      alert: byId("ws-alert"),
      alertText: byId("ws-alert-text"),
      reload: byId("ws-reload"),
      messages: byId("ws-messages"),
      responses: byId("ws-responses"),
      justification: byId("ws-justification-input"),
      submit: byId("ws-submit"),
      skip: byId("ws-skip"),
      skipPanel: byId("ws-skip-panel"),
      skipNote: byId("ws-skip-note"),
      timer: byId("ws-timer"),
      progressText: byId("ws-progress-text"),
      progressFill: byId("ws-progress-fill"),
      help: byId("ws-help"),
      helpToggle: byId("ws-help-toggle"),
      helpClose: byId("ws-help-close"),
      guidelines: byId("ws-guidelines"),
      guidelinesToggle: byId("ws-guidelines-toggle"),
    };
  }

  /** `els` holds the page's `ws-*` elements (`elements()` and its own); `state` the task state (task, shownAt, skipOpen, touched). */
  function create(app, els, state) {
    const guidelinesKey = "verdict.guidelines." + app.dataset.project;

    function showAlert(text, offerReload) {
      els.alertText.textContent = text;
      els.alert.hidden = false;
      els.reload.hidden = !offerReload;
    }

    function clearAlert() {
      els.alert.hidden = true;
      els.alertText.textContent = "";
      els.reload.hidden = true;
    }

    function setView(view) {
      app.dataset.state = view;
      els.loading.hidden = view !== "loading";
      els.done.hidden = view !== "done";
      els.task.hidden = view !== "task";
    }

    function tickTimer() {
      if (!state.task) {
        els.timer.textContent = "";
        return;
      }
      const seconds = Math.floor((performance.now() - state.shownAt) / 1000);
      els.timer.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0") + " on this task";
    }

    function openSkip() {
      state.skipOpen = true;
      state.touched = true;
      els.skipPanel.hidden = false;
      els.skip.setAttribute("aria-expanded", "true");
      els.skipPanel.querySelector("button[data-reason]").focus();
    }

    function closeSkip() {
      state.skipOpen = false;
      els.skipPanel.hidden = true;
      els.skip.setAttribute("aria-expanded", "false");
      els.skipNote.value = "";
    }

    function toggleHelp(open) {
      const visible = open === undefined ? els.help.hidden : open;
      els.help.hidden = !visible;
      els.helpToggle.setAttribute("aria-expanded", visible ? "true" : "false");
    }

    function toggleGuidelines(open) {
      const visible = open === undefined ? !app.classList.contains("guidelines-open") : open;
      app.classList.toggle("guidelines-open", visible);
      els.guidelines.hidden = !visible;
      els.guidelinesToggle.setAttribute("aria-expanded", visible ? "true" : "false");
      try {
        window.localStorage.setItem(guidelinesKey, visible ? "open" : "closed");
      } catch (error) {
        // Storage can be disabled; the panel then just opens by default next time.
      }
    }

    /** Wire the skip, help and guidelines buttons, reopen the guidelines as last left, start the timer. */
    function install() {
      els.skip.addEventListener("click", () => (state.skipOpen ? closeSkip() : openSkip()));
      els.helpToggle.addEventListener("click", () => toggleHelp());
      els.helpClose.addEventListener("click", () => toggleHelp(false));
      els.guidelinesToggle.addEventListener("click", () => toggleGuidelines());
      let storedGuidelines = null;
      try {
        storedGuidelines = window.localStorage.getItem(guidelinesKey);
      } catch (error) {
        storedGuidelines = null;
      }
      toggleGuidelines(storedGuidelines !== "closed");
      window.setInterval(tickTimer, 1000);
    }

    return {
      showAlert: showAlert,
      clearAlert: clearAlert,
      setView: setView,
      tickTimer: tickTimer,
      openSkip: openSkip,
      closeSkip: closeSkip,
      toggleHelp: toggleHelp,
      toggleGuidelines: toggleGuidelines,
      install: install,
    };
  }

  return { elements: elements, create: create };
})();
