/* The search page's filters: open on wide screens, folded on phones so results come first.
   Without this file the filters are folded until chosen, and everything still works. */
(function () {
  "use strict";

  function start() {
    if (!window.matchMedia || !window.matchMedia("(min-width: 960px)").matches) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("details[data-open-wide]"), function (details) {
      details.open = true;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
