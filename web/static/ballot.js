// Keeps the ballot's "已评 n / N" count up to date as the rater answers. The ballot works
// without it: the confirm step shows the count and names anything left.
(function () {
  "use strict";
  var form = document.querySelector('[data-testid="ballot-form"]');
  var out = document.querySelector("[data-answered]");
  if (!form || !out) { return; }
  function count() {
    var n = 0;
    form.querySelectorAll("fieldset.subj").forEach(function (f) {
      if (f.querySelector("input[type=radio]:checked")) { n++; }
    });
    out.textContent = n;
  }
  form.addEventListener("change", count);
  count();
})();
