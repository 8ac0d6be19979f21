/* The review and adjudication pages: one task at a time from the project's queue, keyboard first.
 * Review: a accept, r reject (reason, Enter sends), c correct (1–7, Enter saves), Esc cancels.
 * Adjudicate: 1–7 final label, n note, Enter saves (Ctrl+Enter in the note), s skip. */
(function () {
  "use strict";
  const app = document.getElementById("quality-app");
  if (!app) {
    return;
  }
  const mode = app.dataset.mode;
  const $ = (id) => document.getElementById(id);
  const LABELS = { "-3": "A is much better", "-2": "A is better", "-1": "A is slightly better", "0": "About the same",
    "1": "B is slightly better", "2": "B is better", "3": "B is much better" };
  let queue = [];
  let skipped = new Set();
  let current = null;
  let panel = null; // review: null | "reject" | "correct"
  let choice = null;

  function status(text) {
    $("q-status").textContent = text;
  }

  function setState(state) {
    app.dataset.state = state;
  }

  async function load() {
    setState("loading");
    let response;
    try {
      response = await fetch(app.dataset.queueUrl + "?limit=20", { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (error) {
      status("Could not reach the server.");
      return;
    }
    const data = await response.json();
    if (!response.ok) {
      status(data.message || "Could not load the queue.");
      return;
    }
    queue = data.filter((task) => !skipped.has(key(task)));
    show(queue.shift() || null);
  }

  function key(task) {
    return mode === "review" ? task.annotation_id : task.item_id;
  }

  function describe(strength) {
    return strength === null || strength === undefined ? "none" : (strength > 0 ? "+" : "") + strength + " (" + LABELS[String(strength)] + ")";
  }

  function show(task) {
    current = task;
    panel = null;
    choice = null;
    if (!task) {
      $("q-task").hidden = true;
      status(mode === "review" ? "Nothing to review." : "Nothing to adjudicate.");
      setState("empty");
      return;
    }
    const messages = $("q-messages");
    messages.replaceChildren();
    for (const message of task.messages) {
      const p = document.createElement("p");
      p.textContent = message.role + ": " + message.content;
      messages.appendChild(p);
    }
    const responses = $("q-responses");
    responses.replaceChildren();
    for (const response of task.responses) {
      const box = document.createElement("article");
      box.className = "card";
      const title = document.createElement("h3");
      title.textContent = "Response " + response.id;
      const body = document.createElement("div");
      body.innerHTML = response.html; // rendered and sanitised by the server
      box.append(title, body);
      responses.appendChild(box);
    }
    if (mode === "review") {
      $("q-annotator").textContent = task.annotator || "";
      $("q-time").textContent = task.time_spent_seconds === null ? "time unknown" : task.time_spent_seconds + " s";
      $("q-flags").textContent = task.flags.length ? task.flags.join(", ") : "none";
      $("q-strength").textContent = task.neither_acceptable ? "neither acceptable" : describe(task.preference_strength);
      $("q-justification").textContent = task.justification || "(no justification)";
      $("q-reject").hidden = true;
      $("q-correct").hidden = true;
      $("q-reason").value = "";
      $("q-correct-justification").value = "";
    } else {
      const rows = $("q-judgements");
      rows.replaceChildren();
      for (const judgement of task.judgements) {
        const row = document.createElement("tr");
        for (const text of [judgement.annotator, describe(judgement.preference_strength),
          judgement.saw_swapped ? "B first" : "A first", judgement.justification]) {
          const cell = document.createElement("td");
          cell.textContent = text;
          row.appendChild(cell);
        }
        rows.appendChild(row);
      }
      $("q-note").value = "";
    }
    $("q-choice").textContent = "none";
    $("q-task").hidden = false;
    status("");
    setState("ready");
    document.activeElement && document.activeElement.blur && document.activeElement.blur();
  }

  async function send(url, body) {
    setState("saving");
    const result = await window.VerdictApi.post(url, body);
    if (result.status === 201) {
      skipped.add(key(current));
      status("Saved.");
      await load();
    } else {
      setState("ready");
      status(window.VerdictApi.messageOf(result, "Could not save"));
    }
  }

  function decide(body) {
    const url = app.dataset.decisionUrl.replace("/0/", "/" + encodeURIComponent(current.annotation_id) + "/");
    return send(url, body);
  }

  function pick(value) {
    choice = value;
    $("q-choice").textContent = describe(value);
  }

  function onReviewKey(event, inField) {
    if (event.key === "Escape") {
      panel = null;
      $("q-reject").hidden = true;
      $("q-correct").hidden = true;
      event.target.blur && event.target.blur();
      return true;
    }
    if (panel === "reject" && event.key === "Enter" && !event.shiftKey) {
      decide({ decision: "reject", reason: $("q-reason").value });
      return true;
    }
    if (panel === "correct" && event.key === "Enter" && (!inField || event.ctrlKey)) {
      if (choice === null) {
        status("Choose a preference with 1–7 first.");
      } else {
        decide({ decision: "correct", preference_strength: choice, justification: $("q-correct-justification").value });
      }
      return true;
    }
    if (inField) {
      return false;
    }
    if (event.key === "a") {
      decide({ decision: "accept" });
    } else if (event.key === "r") {
      panel = "reject";
      $("q-reject").hidden = false;
      $("q-reason").focus();
    } else if (event.key === "c") {
      panel = "correct";
      $("q-correct").hidden = false;
    } else if (panel === "correct" && /^[1-7]$/.test(event.key)) {
      pick(Number(event.key) - 4);
    } else if (panel === "correct" && event.key === "j") {
      $("q-correct-justification").focus();
    } else {
      return false;
    }
    return true;
  }

  function onAdjudicateKey(event, inField) {
    if (event.key === "Enter" && (!inField || event.ctrlKey)) {
      if (choice === null) {
        status("Choose the final label with 1–7 first.");
      } else {
        send(app.dataset.saveUrl, { item_id: current.item_id, preference_strength: choice, note: $("q-note").value });
      }
      return true;
    }
    if (event.key === "Escape") {
      event.target.blur && event.target.blur();
      return true;
    }
    if (inField) {
      return false;
    }
    if (/^[1-7]$/.test(event.key)) {
      pick(Number(event.key) - 4);
    } else if (event.key === "n") {
      $("q-note").focus();
    } else if (event.key === "s") {
      skipped.add(key(current));
      show(queue.shift() || null);
    } else {
      return false;
    }
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if (!current || app.dataset.state !== "ready" || event.altKey || event.metaKey) {
      return;
    }
    const inField = event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLInputElement;
    const handled = mode === "review" ? onReviewKey(event, inField) : onAdjudicateKey(event, inField);
    if (handled) {
      event.preventDefault();
    }
  });

  load();
})();
