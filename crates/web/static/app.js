// drawbridge: small enhancements only; every page works without this file.
//
// After a save or a failed save, the page that loads starts with a notice.
// A status region present at load is not announced by screen readers, so we
// move focus to it: keyboard and screen-reader users hear what happened and
// continue from there. Nothing else moves or changes.
(function () {
  "use strict";
  var target = document.querySelector("[data-focus-on-load]");
  if (target) {
    target.focus({ preventScroll: false });
  }
})();
