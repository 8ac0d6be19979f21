/* DOM of the hindsight workspace's rating rows and of the revealed outcomes. Model text (outcomes, hidden
 * context) is inserted only from the server-sanitised `html` fields; everything else is built with
 * createElement/textContent (annotate-render.js's helpers). */
window.HindsightRender = (function () {
  "use strict";

  const { el, sanitisedHtml } = window.VerdictRender;

  /** Buttons of one rating row: 1–5 satisfaction, or the seven preference levels keyed 1–7. */
  function buildScale(row, task) {
    row.replaceChildren();
    const scale = task.scale;
    row.classList.toggle("pref-row", task.variant === "pairwise");
    row.classList.toggle("hs-satisfaction", task.variant !== "pairwise");
    for (let value = scale.min; value <= scale.max; value += 1) {
      const key = value - scale.min + 1;
      const button = el("button", "choice hs-choice hs-v" + (value < 0 ? "m" + -value : value));
      button.type = "button";
      button.dataset.value = String(value);
      button.setAttribute("aria-pressed", "false");
      button.tabIndex = value === scale.min ? 0 : -1;
      button.appendChild(el("kbd", "", String(key)));
      button.appendChild(document.createTextNode(" " + scale.labels[String(value)]));
      row.appendChild(button);
    }
    row.classList.remove("answered", "missing", "is-active");
  }

  function markValue(row, value) {
    row.querySelectorAll(".choice").forEach((button) => {
      const pressed = value !== null && Number(button.dataset.value) === value;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.tabIndex = pressed ? 0 : -1;
    });
    if (value === null) {
      row.querySelector(".choice").tabIndex = 0;
    }
    row.classList.toggle("answered", value !== null);
    row.classList.remove("missing");
  }

  /** The outcome of each response and, if any, the context the annotator could not see before. */
  function renderReveal(els, reveal) {
    els.outcomes.replaceChildren();
    reveal.outcomes.forEach((outcome) => {
      const box = el("div", "hs-outcome response-" + outcome.label.toLowerCase());
      const head = el("div", "response-head");
      if (reveal.outcomes.length > 1) {
        head.appendChild(el("span", "response-badge", outcome.label));
      }
      head.appendChild(el("h3", "ws-section-title", reveal.outcomes.length > 1 ? "If the user followed response " + outcome.label : "The user followed the response"));
      box.appendChild(head);
      if (outcome.text.trim()) {
        box.appendChild(sanitisedHtml(el("div", "md hs-outcome-text"), outcome.html));
      } else {
        box.appendChild(el("p", "muted", "The simulator wrote nothing for this response."));
      }
      els.outcomes.appendChild(box);
    });
    els.hidden.hidden = !reveal.hidden_context;
    if (reveal.hidden_context) {
      sanitisedHtml(els.hiddenBody, reveal.hidden_context_html);
    }
    els.revealPanel.hidden = false;
  }

  return { buildScale: buildScale, markValue: markValue, renderReveal: renderReveal };
})();
