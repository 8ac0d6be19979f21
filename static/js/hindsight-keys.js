/* The hindsight workspace's task keys, after the ones every workspace shares (annotate-keys.js):
 * 1–7 rate the active row, arrows adjust, Enter reveals or submits, S skip, J justification, K/R keep or
 * return. Created by hindsight.js with its state and actions. */
window.HindsightKeys = (function () {
  "use strict";

  function create(ctx) {
    const Keys = window.VerdictKeys;
    const { app, els, state, keyWorkspace, focusRating, setValue, currentValue, onPrimary, openSkip, closeSkip, setKeep } = ctx;

    /** Keys on the task, after the ones every workspace shares (annotate-keys.js). */
    function onTaskKey(event) {
      if (app.dataset.state !== "task") {
        return;
      }
      if (state.skipOpen && Keys.skipPanelKey(keyWorkspace, event, focusRating)) {
        return;
      }
      if (/^[1-7]$/.test(event.key)) {
        event.preventDefault();
        setValue(state.task.scale.min + Number(event.key) - 1);
        return;
      }
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        event.preventDefault();
        const current = currentValue();
        const scale = state.task.scale;
        const start = current === null ? (scale.min < 0 ? 0 : Math.round((scale.min + scale.max) / 2)) : current + (event.key === "ArrowRight" ? 1 : -1);
        setValue(Math.min(scale.max, Math.max(scale.min, start)));
        return;
      }
      if (event.key === "Enter") {
        const target = event.target;
        if (event.repeat || (target.closest && target.closest("a, summary, button:not(.choice)") && target !== els.revealButton && target !== els.submit)) {
          return;
        }
        event.preventDefault();
        onPrimary();
        return;
      }
      const key = event.key.toLowerCase();
      const actions = {
        s: () => (state.skipOpen ? closeSkip() : openSkip()),
        j: () => state.stage === "hindsight" && els.justification.focus(),
        k: () => state.stage === "hindsight" && setKeep(true),
        r: () => state.stage === "hindsight" && setKeep(false),
      };
      if (actions[key]) {
        event.preventDefault();
        actions[key]();
      }
    }

    return onTaskKey;
  }

  return { create: create };
})();
