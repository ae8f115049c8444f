// tenbin ICP pages: charts from inline Vega-Lite specs, "use this rule", the side-by-side comparison
// of discovery candidates, the rows of weighted criteria, "show in the editor" for a rule error (in the
// rule or in a criterion's row), one submit per save form, print.
// No inline scripts (CSP script-src 'self'); texts come from data attributes rendered by the server.
(function () {
  "use strict";
  var MAX_COMPARE = 3;

  // <div data-icp-spec='{…}'>: drawn with vega-embed, CSP-safe like charts.js (ast: expressions are
  // interpreted, never compiled with new Function; defaultStyle: false injects no <style>).
  function drawCharts(root) {
    if (typeof vegaEmbed !== "function") { return; }
    root.querySelectorAll("[data-icp-spec]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = "1";
      var spec;
      try { spec = JSON.parse(el.dataset.icpSpec); } catch (e) { el.textContent = el.dataset.errorText || ""; return; }
      vegaEmbed(el, spec, { ast: true, defaultStyle: false, actions: false, renderer: "svg", tooltip: false })
        .catch(function () { el.classList.add("chart-empty"); el.textContent = el.dataset.errorText || ""; });
    });
  }

  function editor() { return document.getElementById("icp-rules"); }

  // -- weighted criteria: rows of (rule, weight), at most data-max; labels from data-label-* texts
  function criteriaBox() { return document.getElementById("icp-criteria"); }

  function criterionRows(box) { return Array.prototype.slice.call(box.querySelectorAll(".icp-criteria-rows > .icp-criterion")); }

  function numbered(box, key, n) { return (box.dataset[key] || "").replace("{n}", String(n)); }

  // The input of criterion ``row`` (1-based, as shown) for ``part`` (rule or weight).
  function criterionInput(row, part) {
    var box = criteriaBox();
    var found = box ? criterionRows(box)[row - 1] : null;
    return found ? found.querySelector('[data-part="' + part + '"]') : null;
  }

  function renumber(box) {
    var rows = criterionRows(box);
    rows.forEach(function (row, i) {
      var n = i + 1;
      row.dataset.row = String(n);
      row.querySelector(".icp-criterion-number").textContent = String(n);
      row.querySelector('[data-part="rule"]').setAttribute("aria-label", numbered(box, "labelRule", n));
      row.querySelector('[data-part="weight"]').setAttribute("aria-label", numbered(box, "labelWeight", n));
      row.querySelector("[data-remove-criterion]").setAttribute("aria-label", numbered(box, "labelRemove", n));
    });
    var full = rows.length >= parseInt(box.dataset.max, 10);
    box.querySelector("[data-add-criterion]").setAttribute("aria-disabled", full ? "true" : "false");
    box.querySelector("[data-criteria-full]").hidden = !full;
    countCriteria(box);
  }

  // The summary's "N in use": rows with a rule (empty rows are left out by the server too).
  function countCriteria(box) {
    var n = criterionRows(box).filter(function (row) {
      return row.querySelector('[data-part="rule"]').value.trim() !== "";
    }).length;
    var badge = box.querySelector("[data-criteria-count]");
    badge.textContent = numbered(box, "countText", n);
    badge.hidden = n === 0;
  }

  function addCriterion(box) {
    if (criterionRows(box).length >= parseInt(box.dataset.max, 10)) {
      box.querySelector("[data-criteria-full]").hidden = false;
      return null;
    }
    var row = box.querySelector("#icp-criterion-template").content.firstElementChild.cloneNode(true);
    box.querySelector(".icp-criteria-rows").appendChild(row);
    renumber(box);
    row.querySelector('[data-part="rule"]').focus();
    return row;
  }

  // Removing a row moves the focus to the row that takes its place (or the one before, or "add"),
  // and the live count follows.
  function removeCriterion(row) {
    var box = criteriaBox();
    var rows = criterionRows(box);
    var i = rows.indexOf(row);
    var list = row.parentNode;
    row.remove();
    renumber(box);
    var next = criterionRows(box)[Math.min(i, rows.length - 2)];
    (next ? next.querySelector('[data-part="rule"]') : box.querySelector("[data-add-criterion]")).focus();
    list.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Enter in a criterion moves on (rule → weight → next row, adding one at the end) instead of
  // submitting the save form; Enter in the threshold does nothing. Not while an IME is composing.
  function criteriaKey(event) {
    var input = event.target;
    if (event.key !== "Enter" || event.isComposing || event.keyCode === 229 || !(input instanceof HTMLInputElement)) { return; }
    var part = input.dataset.part;
    var row = input.closest(".icp-criterion");
    if (part === "threshold") { event.preventDefault(); return; }
    if (!row || (part !== "rule" && part !== "weight")) { return; }
    event.preventDefault();
    if (part === "rule") { row.querySelector('[data-part="weight"]').select(); return; }
    var next = row.nextElementSibling;
    if (next) { next.querySelector('[data-part="rule"]').focus(); } else { addCriterion(criteriaBox()); }
  }

  // A rule error's position is 1-based in characters (code points); a text field counts UTF-16 units.
  function utf16Offset(text, position) {
    return Array.from(text).slice(0, Math.max(0, position - 1)).join("").length;
  }

  function useRule(rule) {
    var area = editor();
    if (!area) { return; }
    area.value = rule;
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.scrollIntoView({ behavior: "smooth", block: "center" });
    area.focus();
  }

  // The field an error is about: the rule (no row), a criterion's rule or weight, or the threshold.
  function errorInput(part, row) {
    if (part === "threshold") { return document.getElementById("icp-threshold"); }
    if (row && (part === "rule" || part === "weight")) { return criterionInput(row, part); }
    if (part === "rules" || !part) { return editor(); }
    return null;
  }

  function reveal(input) {
    var box = input.closest("details");
    if (box) { box.open = true; }
  }

  function gotoPosition(position, row) {
    var field = row ? criterionInput(row, "rule") : editor();
    if (!field) { return; }
    reveal(field);
    var start = utf16Offset(field.value, position);
    var end = Math.min(field.value.length, start + (Array.from(field.value.slice(start))[0] || " ").length);
    field.focus();
    field.setSelectionRange(start, end);
  }

  function gotoPart(part, row) {
    var field = errorInput(part, row);
    if (!field) { return; }
    reveal(field);
    field.focus();
    field.select();
  }

  // After a live check: mark the field its error is about (and only that one) invalid.
  function markInvalid(target) {
    var definition = document.getElementById("icp-definition");
    if (!definition) { return; }
    definition.querySelectorAll('[aria-invalid="true"]').forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var error = target.querySelector(".icp-rule-error");
    if (!error) { return; }
    var field = errorInput(error.dataset.part, parseInt(error.dataset.row || "0", 10));
    if (field) { field.setAttribute("aria-invalid", "true"); reveal(field); }
  }

  function updateCompare(section, changed) {
    var picks = Array.prototype.slice.call(document.querySelectorAll(".icp-compare-pick:checked"));
    var limit = section.querySelector(".icp-compare-limit");
    if (picks.length > MAX_COMPARE && changed) {
      changed.checked = false;
      picks = picks.filter(function (p) { return p !== changed; });
      limit.textContent = section.dataset.maxText || "";
      limit.hidden = false;
    } else {
      limit.hidden = true;
    }
    var chosen = picks.map(function (p) { return p.value; });
    section.querySelectorAll("[data-col]").forEach(function (cell) {
      cell.hidden = chosen.indexOf(cell.dataset.col) < 0;
    });
    section.querySelector(".icp-compare-table").hidden = chosen.length < 2;
    section.querySelector(".icp-compare-hint").hidden = chosen.length >= 2;
    if (chosen.length >= 2 && changed) { section.scrollIntoView({ behavior: "smooth", block: "nearest" }); }
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    var use = target.closest("[data-use-rule]");
    if (use) { useRule(use.dataset.useRule); return; }
    var go = target.closest("[data-goto-position]");
    if (go) { gotoPosition(parseInt(go.dataset.gotoPosition, 10), parseInt(go.dataset.gotoRow || "0", 10)); return; }
    var part = target.closest("[data-goto-part]");
    if (part) { gotoPart(part.dataset.gotoPart, parseInt(part.dataset.gotoRow || "0", 10)); return; }
    if (target.closest("[data-add-criterion]")) { addCriterion(criteriaBox()); return; }
    var remove = target.closest("[data-remove-criterion]");
    if (remove) { removeCriterion(remove.closest(".icp-criterion")); return; }
    if (target.closest("[data-print]")) { window.print(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.target instanceof Element && event.target.closest("#icp-criteria")) { criteriaKey(event); }
  });

  document.addEventListener("input", function (event) {
    var box = criteriaBox();
    if (box && event.target instanceof Element && box.contains(event.target)) { countCriteria(box); }
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box instanceof HTMLInputElement && box.classList.contains("icp-compare-pick")) {
      var section = document.getElementById("icp-compare");
      if (section) { updateCompare(section, box); }
    }
  });

  // A save form is sent once: the button is disabled after the first submit (the server also keys
  // the save by the form's one-time token, so a second request creates nothing).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-once") || event.defaultPrevented) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-disabled", "true"); b.classList.add("busy"); });
  });

  // The field of the live check's error (rule, criterion, threshold) is marked invalid.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) { return; }
    if (target.id === "icp-check") { markInvalid(target); }
    drawCharts(target);
  });

  // Back to a page kept in the browser's cache: its form may be sent again (it has a new purpose).
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.removeAttribute("aria-disabled"); b.classList.remove("busy"); });
    });
  });

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
})();
