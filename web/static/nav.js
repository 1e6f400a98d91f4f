// pingyi's only script, and an optional one: every page works the same without it.
// On a phone it folds the top navigation behind a 菜单 button, and it shows the
// "scroll sideways" hint only under tables that are wider than the screen.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var button = document.getElementById("menu-toggle");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", open ? "true" : "false");
        root.classList.toggle("menu-open", open);
      });
    }
    var wraps = document.querySelectorAll(".tablewrap, .chartwrap");
    function mark() {
      for (var i = 0; i < wraps.length; i++) {
        var w = wraps[i];
        w.classList.toggle("overflowing", w.scrollWidth > w.clientWidth + 1);
      }
    }
    mark();
    window.addEventListener("resize", mark);
  });
})();
