// Keeps the ballot's "已评 n / N" count, and each subject's 三争创 "已评 k/5", up to date as
// the rater answers. The ballot works without it: the confirm step shows the count and
// names anything left.
(function () {
  "use strict";
  var form = document.querySelector('[data-testid="ballot-form"]');
  var out = document.querySelector("[data-answered]");
  if (!form || !out) { return; }
  function count() {
    var n = 0;
    form.querySelectorAll("fieldset.subj").forEach(function (f) {
      if (f.querySelector(".opts input:checked")) { n++; }
      var c = f.querySelector("[data-crit]");
      if (c) { c.textContent = f.querySelectorAll('.cr input:checked:not([value="0"])').length; }
    });
    out.textContent = n;
  }
  form.addEventListener("change", count);
  count();
})();
