// The projector page refreshes its turnout from a small JSON endpoint every few seconds.
// Without this script the page still shows the figures and a refresh link.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-poll");
  if (!url || !window.fetch) { return; }
  function text(field, value) {
    var el = document.querySelector('[data-field="' + field + '"]');
    if (el) { el.textContent = value; }
  }
  function cell(tr, value, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = value;
    tr.appendChild(td);
    return td;
  }
  function render(d) {
    text("headline", d.headline);
    text("cast", d.cast);
    text("issued", d.issued);
    var body = document.querySelector('[data-field="rows"]');
    if (!body) { return; }
    var rows = document.createDocumentFragment();
    (d.rows || []).forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.category);
      cell(tr, r.cast, "num");
      cell(tr, r.issued, "num");
      var bar = cell(tr, "", "bar");
      var p = document.createElement("progress");
      p.max = Math.max(r.issued, 1);
      p.value = r.cast;
      p.setAttribute("aria-label", r.category + "进度");
      bar.appendChild(p);
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
  }
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) { render(d); } })
      .catch(function () {})
      .finally(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 3000);
})();
