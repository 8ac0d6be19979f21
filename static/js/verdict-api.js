/* A tiny JSON client of Verdict's REST API for browser pages: session auth plus Django's CSRF token. */
window.VerdictApi = (function () {
  "use strict";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function send(method, url, body) {
    const options = {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    };
    if (method !== "GET") {
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(url, options);
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (error) {
        data = null;
      }
    }
    return { status: response.status, data: data };
  }

  const post = (url, body) => send("POST", url, body);
  const patch = (url, body) => send("PATCH", url, body);
  const get = (url) => send("GET", url);

  function taskUrl(template, assignmentId) {
    return template.replace("/0/", "/" + encodeURIComponent(assignmentId) + "/");
  }

  function messageOf(result, fallback) {
    return (result.data && result.data.message) || fallback + " (HTTP " + result.status + ")";
  }

  /** One call to next-task, as {kind: "task"|"empty"|"problem", task?, message?}. */
  async function fetchNext(url, exclude) {
    let result;
    try {
      result = await post(url, { exclude: exclude });
    } catch (error) {
      return { kind: "problem", message: "Could not reach the server. Check your connection and reload the page." };
    }
    if (result.status === 200 && result.data) {
      return { kind: "task", task: result.data };
    }
    if (result.status === 204) {
      return { kind: "empty" };
    }
    return { kind: "problem", message: messageOf(result, "Could not load a task") };
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; getRandomValues does not (plain-HTTP intranet deployments).
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  return { get: get, post: post, patch: patch, taskUrl: taskUrl, messageOf: messageOf, fetchNext: fetchNext, newClientId: newClientId };
})();
