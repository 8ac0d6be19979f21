/* The task form of the annotator's workspace: its rating rows (the preference row and one row per
 * response and attribute), their values, what is still missing before a submit, and the payload sent.
 * Used by annotate.js, which owns the task flow; `state` is its shared state object. */
window.VerdictForm = (function () {
  "use strict";

  function create(els, state) {
    const Render = window.VerdictRender;

    function rows() {
      return Array.from(els.task.querySelectorAll(".rate-row")).filter((row) => !row.closest("[hidden]"));
    }

    function highlightRow(row) {
      if (state.activeRow && state.activeRow !== row) {
        state.activeRow.classList.remove("is-active");
      }
      state.activeRow = row;
      row.classList.add("is-active");
    }

    /** Make `row` the active row and move keyboard focus to its selected (or first) button. */
    function activateRow(row, preventScroll) {
      highlightRow(row);
      const target = row.querySelector('.choice[tabindex="0"]') || row.querySelector(".choice");
      if (document.activeElement !== target) {
        target.focus({ preventScroll: true });
      }
      if (!preventScroll) {
        row.scrollIntoView({ block: "nearest" });
      }
    }

    function moveRow(step) {
      const all = rows();
      if (!all.length) {
        return;
      }
      const index = all.indexOf(state.activeRow);
      const next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
      activateRow(all[next]);
    }

    function rowValue(row) {
      if (row.dataset.row === "preference") {
        return state.preference;
      }
      const value = state.scores[row.dataset.response][row.dataset.attribute];
      return value === undefined ? null : value;
    }

    function rowRange(row) {
      if (row.dataset.row === "preference") {
        return [-3, 3];
      }
      const attribute = Render.attributeOf(row);
      return [attribute.min, attribute.max];
    }

    function setRowValue(row, value) {
      const [low, high] = rowRange(row);
      if (value < low || value > high) {
        return false;
      }
      state.touched = true;
      if (row.dataset.row === "preference") {
        state.preference = value;
        updateJustificationHint();
      } else {
        state.scores[row.dataset.response][row.dataset.attribute] = value;
        const meaning = (Render.attributeOf(row).levels || {})[String(value)];
        const level = row.querySelector(".attr-level");
        level.textContent = meaning ? value + " — " + meaning : String(value);
        level.title = level.textContent;
      }
      row.querySelectorAll(".choice").forEach((button) => {
        const pressed = Number(button.dataset.value) === value;
        button.setAttribute("aria-pressed", pressed ? "true" : "false");
        button.tabIndex = pressed ? 0 : -1;
      });
      row.classList.add("answered");
      row.classList.remove("missing");
      return true;
    }

    function nextRowAfter(row) {
      const all = rows();
      return all[all.indexOf(row) + 1] || null;
    }

    function justificationNeeded() {
      return Boolean(
        state.task && state.task.ask_preference && state.preference !== null &&
        Math.abs(state.preference) >= state.task.justification_min_strength
      );
    }

    function updateJustificationHint() {
      const needed = justificationNeeded();
      els.justificationRequired.hidden = !needed;
      els.justification.setAttribute("aria-required", needed ? "true" : "false");
      if (!needed) {
        els.justification.classList.remove("invalid");
      }
    }

    function problems() {
      const found = [];
      const task = state.task;
      if (task.ask_preference && state.preference === null && !els.neither.checked) {
        els.prefRow.classList.add("missing");
        found.push({ row: els.prefRow, text: "Choose a preference (keys 1–7 on the preference row) or mark neither acceptable (N)." });
      }
      const missing = rows().filter((row) => row.dataset.row === "attribute" && rowValue(row) === null);
      missing.forEach((row) => row.classList.add("missing"));
      if (missing.length) {
        const names = missing.slice(0, 3).map((row) => {
          const label = task.responses.find((r) => String(r.id) === row.dataset.response).label;
          return row.dataset.attribute.replace(/_/g, " ") + " of " + label;
        });
        found.push({ row: missing[0], text: "Rate " + names.join(", ") + (missing.length > 3 ? " and " + (missing.length - 3) + " more" : "") + "." });
      }
      if (justificationNeeded() && !els.justification.value.trim()) {
        els.justification.classList.add("invalid");
        found.push({ field: els.justification, text: "Write a justification (J): it is required for a preference this strong." });
      }
      return found;
    }

    function payload() {
      return {
        client_id: state.clientId,
        preference_strength: state.task.ask_preference ? state.preference : null,
        attribute_scores: state.task.attributes.length ? state.scores : {},
        justification: els.justification.value,
        neither_acceptable: els.neither.checked,
        flagged_unsafe: els.unsafe.checked,
        time_spent_seconds: Math.round((performance.now() - state.shownAt) / 100) / 10,
      };
    }

    return { rows, highlightRow, activateRow, moveRow, rowValue, rowRange, setRowValue, nextRowAfter, justificationNeeded, updateJustificationHint, problems, payload };
  }

  return { create: create };
})();
