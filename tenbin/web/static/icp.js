// tenbin ICP pages: charts from inline Vega-Lite specs, "use this rule", the side-by-side comparison
// of discovery candidates, "show in the editor" for a rule error, one submit per save form, print.
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

  // A rule error's position is 1-based in characters (code points); a textarea counts UTF-16 units.
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

  function gotoPosition(position) {
    var area = editor();
    if (!area) { return; }
    var start = utf16Offset(area.value, position);
    var end = Math.min(area.value.length, start + (Array.from(area.value.slice(start))[0] || " ").length);
    area.focus();
    area.setSelectionRange(start, end);
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
    if (go) { gotoPosition(parseInt(go.dataset.gotoPosition, 10)); return; }
    if (target.closest("[data-print]")) { window.print(); }
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

  // The rule editor is marked invalid while the live check shows an error.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) { return; }
    if (target.id === "icp-check") {
      var area = editor();
      if (area) {
        if (target.querySelector(".icp-rule-error")) { area.setAttribute("aria-invalid", "true"); }
        else { area.removeAttribute("aria-invalid"); }
      }
    }
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
