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

// 0-100 ratings: show the number beside the slider and give screen readers
// the number with its words ("65: uneasy but manageable"), as it moves.
(function () {
  "use strict";
  var sliders = document.querySelectorAll("input[type=range][data-anchors]");
  Array.prototype.forEach.call(sliders, function (input) {
    var words = input.getAttribute("data-anchors").split("|");
    var output = document.querySelector("output[for='" + input.id + "']");
    var update = function () {
      var v = Number(input.value);
      var word = v < 34 ? words[0] : v < 67 ? words[1] : words[2];
      input.setAttribute("aria-valuetext", v + ": " + word);
      if (output) { output.textContent = String(v); }
    };
    input.addEventListener("input", update);
  });
})();

