/* Builds a task's DOM. Model text arrives as HTML that the server rendered from Markdown and
 * sanitised with nh3; it is the only HTML inserted. Everything else is createElement/textContent. */
window.VerdictRender = (function () {
  "use strict";

  const rowAttributes = new WeakMap();

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  /** Insert HTML that the server rendered from Markdown and sanitised with nh3. */
  function sanitisedHtml(node, html) {
    node.innerHTML = html;
    node.querySelectorAll("a[href]").forEach((link) => {
      link.target = "_blank";
    });
    return node;
  }

  function titleCase(name) {
    return name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  }

  function renderMessages(container, task) {
    container.replaceChildren();
    task.prompt.forEach((message) => {
      const item = el("li", "msg msg-" + message.role);
      item.appendChild(el("span", "msg-role", message.role === "user" ? "User" : titleCase(message.role)));
      item.appendChild(sanitisedHtml(el("div", "md"), message.html));
      container.appendChild(item);
    });
  }

  function choiceButton(value, label, title) {
    const button = el("button", "choice", label);
    button.type = "button";
    button.dataset.value = String(value);
    button.setAttribute("aria-pressed", "false");
    button.tabIndex = -1;
    if (title) {
      button.title = title;
    }
    return button;
  }

  function attributeRow(response, attribute) {
    const row = el("div", "rate-row attr-row");
    const labelId = "attr-" + response.label + "-" + attribute.name;
    row.setAttribute("role", "group");
    row.setAttribute("aria-labelledby", labelId);
    row.dataset.row = "attribute";
    row.dataset.response = String(response.id); // the response's slot, "A" or "B"
    row.dataset.attribute = attribute.name;
    const name = el("span", "attr-name");
    name.id = labelId;
    name.title = attribute.description || "";
    name.appendChild(el("span", "visually-hidden", "Response " + response.label + ": "));
    name.appendChild(document.createTextNode(titleCase(attribute.name)));
    row.appendChild(name);
    const buttons = el("span", "attr-choices");
    const levels = attribute.levels || {};
    for (let value = attribute.min; value <= attribute.max; value += 1) {
      const meaning = levels[String(value)];
      buttons.appendChild(choiceButton(value, String(value), meaning ? value + " — " + meaning : String(value)));
    }
    buttons.firstChild.tabIndex = 0;
    row.appendChild(buttons);
    const level = el("span", "attr-level muted", attribute.description || "");
    level.title = attribute.description || "";
    level.setAttribute("aria-live", "polite");
    row.appendChild(level);
    rowAttributes.set(row, attribute);
    return row;
  }

  /** One column per response, with its attribute rows when the task has attributes. With
   * `options.bareSingleTitle` a lone response is headed "Response" rather than "Response A". */
  function renderResponses(container, task, options) {
    const attributes = task.attributes || [];
    const bareTitle = Boolean(options && options.bareSingleTitle) && task.responses.length === 1;
    container.replaceChildren();
    container.classList.toggle("single", task.responses.length === 1);
    task.responses.forEach((response) => {
      const column = el("section", "response card response-" + response.label.toLowerCase());
      column.setAttribute("aria-label", "Response " + response.label);
      const head = el("div", "response-head");
      head.appendChild(el("span", "response-badge", response.label));
      head.appendChild(el("h2", "ws-section-title", bareTitle ? "Response" : "Response " + response.label));
      column.appendChild(head);
      const body = sanitisedHtml(el("div", "md response-body"), response.html);
      body.tabIndex = 0;
      body.setAttribute("role", "region");
      body.setAttribute("aria-label", "Text of response " + response.label);
      column.appendChild(body);
      if (attributes.length) {
        const attrs = el("div", "attrs");
        attrs.appendChild(el("p", "attrs-title", "Rate response " + response.label + " · hover a score for its meaning"));
        attributes.forEach((attribute) => attrs.appendChild(attributeRow(response, attribute)));
        column.appendChild(attrs);
      }
      container.appendChild(column);
    });
  }

  /** The attribute (name, min, max, levels, description) that an attribute row rates. */
  function attributeOf(row) {
    return rowAttributes.get(row);
  }

  return {
    el: el,
    sanitisedHtml: sanitisedHtml,
    renderMessages: renderMessages,
    renderResponses: renderResponses,
    attributeOf: attributeOf,
  };
})();
