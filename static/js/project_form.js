/* The project settings form: fills the slug from the name while creating a project (until the slug is
 * edited by hand), and adds attribute rows from the formset's empty row. No inline script (CSP).
 */
(function () {
  "use strict";

  const form = document.getElementById("project-form");
  if (!form) {
    return;
  }

  // Django's slugify, near enough: ASCII letters, digits and hyphens.
  function slugify(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9\s-]/g, "")
      .trim()
      .replace(/[\s-]+/g, "-")
      .slice(0, 100);
  }

  const name = document.getElementById("id_name");
  const slug = document.getElementById("id_slug");
  if (form.dataset.fillSlug && name && slug) {
    let edited = slug.value !== "" && slug.value !== slugify(name.value);
    slug.addEventListener("input", function () {
      edited = slug.value !== "";
    });
    name.addEventListener("input", function () {
      if (!edited) {
        slug.value = slugify(name.value);
      }
    });
  }

  const add = document.getElementById("attribute-add");
  const rows = document.getElementById("attribute-rows");
  const template = document.getElementById("attribute-row-template");
  const total = document.getElementById("id_attr-TOTAL_FORMS");
  const maximum = document.getElementById("id_attr-MAX_NUM_FORMS");
  if (add && rows && template && total) {
    add.hidden = false;
    add.addEventListener("click", function () {
      const index = Number(total.value);
      if (maximum && index >= Number(maximum.value)) {
        return;
      }
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html.trim());
      total.value = String(index + 1);
      const first = rows.lastElementChild && rows.lastElementChild.querySelector("input");
      if (first) {
        first.focus();
      }
    });
  }
})();
