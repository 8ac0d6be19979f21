/* Keyboard shortcuts of the annotation workspace (the list the annotator sees is in annotate.html).
 * The keys every workspace shares (`listen`, `skipPanelKey`) also serve hindsight.js.
 *
 * The rating rows (each response's attributes, then the preference) form a list with one active,
 * highlighted row. Digits set the active row's value and move to the next row: 0–4 on an attribute
 * row, 1–7 on the preference row (1 = A is much better … 7 = B is much better). ↓/↑ (or Tab) move
 * between rows, ←/→ change the value. Letters act on the whole task. Nothing fires while the
 * annotator types in a text box, except Esc (leave the box) and Ctrl+Enter (submit).
 */
window.VerdictKeys = (function () {
  "use strict";

  const SKIP_KEYS = { 1: "unsafe", 2: "unclear", 3: "expertise", 4: "broken", 5: "other" };

  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    const tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) {
      return true;
    }
    return tag === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(target.type);
  }

  /** The value a digit key means on a row: preference keys 1…7 stand for −3…+3. */
  function digitValue(row, key) {
    const digit = Number(key);
    return row.dataset.row === "preference" ? digit - 4 : digit;
  }

  function toggleCheckbox(box) {
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }

  /** In a text box: Esc leaves it (closing the skip panel it sits in) and calls `back`; Enter in
   * the skip note does nothing. */
  function typingKey(ws, event, back) {
    if (event.key === "Escape") {
      event.preventDefault();
      const inSkip = ws.els.skipPanel.contains(event.target);
      event.target.blur();
      if (inSkip) {
        ws.closeSkip();
      }
      back();
    } else if (event.key === "Enter" && event.target === ws.els.skipNote) {
      event.preventDefault();
    }
  }

  /** While the skip panel is open: 1–5 skip with that reason, Esc closes the panel and calls
   * `back`. True when the key was used. */
  function skipPanelKey(ws, event, back) {
    if (Object.prototype.hasOwnProperty.call(SKIP_KEYS, event.key)) {
      event.preventDefault();
      ws.skip(SKIP_KEYS[event.key]);
      return true;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      ws.closeSkip();
      back();
      return true;
    }
    return false;
  }

  /** The keys every workspace shares: Ctrl+Enter submits, text boxes keep their keys (see
   * `typingKey`), ? and G toggle the panels. Other keys go to `taskKey` while a task is shown;
   * `back` returns the focus to the rating rows. `ws` offers els, state, submit, skip, closeSkip,
   * toggleHelp and toggleGuidelines. */
  function listen(ws, taskKey, back) {
    const els = ws.els;

    function onKeyDown(event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        ws.submit();
      } else if (isTyping(event.target)) {
        typingKey(ws, event, back);
      } else if (event.altKey || event.ctrlKey || event.metaKey) {
        return;
      } else if (event.key === "?") {
        event.preventDefault();
        ws.toggleHelp();
      } else if (event.key === "Escape" && !els.help.hidden) {
        ws.toggleHelp(false);
      } else if (event.key.toLowerCase() === "g") {
        event.preventDefault();
        ws.toggleGuidelines();
      } else if (ws.state.task) {
        taskKey(event);
      }
    }

    document.addEventListener("keydown", onKeyDown);
  }

  /** Wire the shortcuts to a workspace (see `workspace` in annotate.js for what it offers). */
  function install(ws) {
    const els = ws.els;
    const state = ws.state;

    function backToRows() {
      if (state.activeRow) {
        ws.activateRow(state.activeRow);
      }
    }

    function onDigit(event) {
      const row = state.activeRow || ws.rows()[0];
      if (!row) {
        return;
      }
      event.preventDefault();
      if (ws.setRowValue(row, digitValue(row, event.key))) {
        ws.activateRow(ws.nextRowAfter(row) || row);
      }
    }

    function onArrow(event) {
      event.preventDefault();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        ws.moveRow(event.key === "ArrowDown" ? 1 : -1);
        return;
      }
      const row = state.activeRow;
      if (!row) {
        return;
      }
      const [low, high] = ws.rowRange(row);
      const current = ws.rowValue(row);
      const step = event.key === "ArrowRight" ? 1 : -1;
      const start = current === null ? (row.dataset.row === "preference" ? 0 : low) : current + step;
      ws.setRowValue(row, Math.min(high, Math.max(low, start)));
      ws.activateRow(row);
    }

    function onEnter(event) {
      if (event.repeat) {
        event.preventDefault();
        return;
      }
      // Enter keeps its usual meaning on links and on buttons other than rating choices.
      if (event.target.closest && event.target.closest("a, summary, button:not(.choice)")) {
        return;
      }
      event.preventDefault();
      ws.submit();
    }

    const letters = {
      j: () => els.justification.focus(),
      n: () => toggleCheckbox(els.neither),
      u: () => toggleCheckbox(els.unsafe),
      s: () => (state.skipOpen ? ws.closeSkip() : ws.openSkip()),
      p: () => !els.preference.hidden && ws.activateRow(els.prefRow),
      a: () => ws.jumpToResponse(0),
      b: () => ws.jumpToResponse(1),
    };

    function onTaskKey(event) {
      if (state.skipOpen && skipPanelKey(ws, event, backToRows)) {
        return;
      }
      if (/^[0-9]$/.test(event.key)) {
        onDigit(event);
      } else if (event.key.startsWith("Arrow")) {
        onArrow(event);
      } else if (event.key === "Enter") {
        onEnter(event);
      } else if (letters[event.key.toLowerCase()]) {
        event.preventDefault();
        letters[event.key.toLowerCase()]();
      }
    }

    listen(ws, onTaskKey, backToRows);
  }

  return { install: install, listen: listen, skipPanelKey: skipPanelKey };
})();
