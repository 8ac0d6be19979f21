/* Revising an earlier annotation in the workspace: My annotations' "Edit" (?revise=<id>) and "Undo last
 * submission" reopen it as the task was shown, answers filled in, and save the revision with PATCH.
 * Created by annotate.js, which passes its state and the task-flow functions it owns. */
window.VerdictRevise = (function () {
  "use strict";

  function create(ctx) {
    const Api = window.VerdictApi;
    const { app, els, state, show, showAlert, showNoTask, setBusy, showServerError, reloadTask } = ctx;
    const { rows, setRowValue, updateJustificationHint, problems, payload } = ctx;

    /** Reopen one of the annotator's annotations as they were shown the task, their answers filled in. */
    async function reopen(annotationId, from) {
      if (state.submitting) {
        return;
      }
      let result;
      try {
        result = await Api.get(Api.taskUrl(app.dataset.annotationTaskUrl, annotationId));
      } catch (error) {
        result = { status: 0, data: null };
      }
      if (result.status !== 200) {
        showAlert(Api.messageOf(result, "Could not reopen that annotation."));
        if (!state.task) {
          showNoTask({ kind: "problem", message: Api.messageOf(result, "Could not reopen that annotation.") });
        }
        return;
      }
      const annotation = result.data.annotation;
      state.prefetch = null;
      state.revising = { id: annotation.id, from: from, timeSpent: annotation.time_spent_seconds || 0 };
      show(result.data.task);
      fill(annotation);
    }

    function fill(annotation) {
      if (annotation.preference_strength !== null) {
        setRowValue(els.prefRow, annotation.preference_strength);
      }
      rows().filter((row) => row.dataset.row === "attribute").forEach((row) => {
        const value = ((annotation.attribute_scores || {})[row.dataset.response] || {})[row.dataset.attribute];
        if (value !== undefined) {
          setRowValue(row, value);
        }
      });
      els.justification.value = annotation.justification;
      els.neither.checked = annotation.neither_acceptable;
      els.unsafe.checked = annotation.flagged_unsafe;
      updateJustificationHint();
    }

    async function submitRevision() {
      const found = problems();
      if (found.length) {
        showAlert(found.map((problem) => problem.text).join(" "));
        return;
      }
      const body = payload();
      delete body.client_id;
      body.time_spent_seconds = Math.round((state.revising.timeSpent + body.time_spent_seconds) * 10) / 10;
      setBusy(true);
      let result;
      try {
        result = await Api.patch(Api.taskUrl(app.dataset.annotationUrl, state.revising.id), body);
      } catch (error) {
        setBusy(false);
        showAlert("Could not reach the server. Your answers are kept; press Enter to try again.");
        return;
      }
      setBusy(false);
      if (result.status !== 200) {
        showServerError(result, "The revision was not saved.");
        return;
      }
      await leaveRevision();
    }

    /** Back to where the revision came from: My annotations for "Edit", the task queue for "Undo". */
    async function leaveRevision() {
      const from = state.revising.from;
      state.revising = null;
      if (from === "link") {
        window.location.assign(app.dataset.mineUrl);
        return;
      }
      await reloadTask();
    }

    return { reopen: reopen, submitRevision: submitRevision, leaveRevision: leaveRevision };
  }

  return { create: create };
})();
