// Draws every <div data-vega-spec="URL"> with vega-embed. CSP-safe: `ast: true` makes Vega interpret
// expressions instead of compiling them with `new Function` (no 'unsafe-eval'), and `defaultStyle: false`
// stops vega-embed from injecting a <style> element (no 'unsafe-inline').
(function () {
  "use strict";
  function draw(el) {
    fetch(el.dataset.vegaSpec, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (spec) {
        var empty = !spec.data || !spec.data.values || spec.data.values.length === 0;
        if (empty) { el.classList.add("chart-empty"); el.textContent = el.dataset.emptyText || ""; return; }
        return vegaEmbed(el, spec, { ast: true, defaultStyle: false, actions: false, renderer: "canvas", tooltip: { disableDefaultStyle: true } });
      })
      .catch(function () { el.classList.add("chart-empty"); el.textContent = el.dataset.errorText || ""; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-vega-spec]").forEach(draw);
  });
})();
