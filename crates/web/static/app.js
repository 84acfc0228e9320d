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
// the number with the words of the anchors it sits at or between ("65:
// between uneasy but manageable and the most I can imagine"), as it moves:
// the same words the page was served with.
(function () {
  "use strict";
  var sliders = document.querySelectorAll("input[type=range][data-anchors]");
  Array.prototype.forEach.call(sliders, function (input) {
    var words = input.getAttribute("data-anchors").split("|");
    var output = document.querySelector("output[for='" + input.id + "']");
    var update = function () {
      var v = Number(input.value);
      var word = v === 0 ? words[0]
        : v < 50 ? "between " + words[0] + " and " + words[1]
        : v === 50 ? words[1]
        : v < 100 ? "between " + words[1] + " and " + words[2]
        : words[2];
      input.setAttribute("aria-valuetext", v + ": " + word);
      if (output) { output.textContent = String(v); }
    };
    input.addEventListener("input", update);
  });
})();


// Protocol steps: a countdown in words, updated quietly each second (not in a
// live region, so screen readers are not told every second). When the time is
// up, one polite announcement says so. The person still moves on themselves.
(function () {
  "use strict";
  var timer = document.querySelector("[data-timer]");
  if (!timer) { return; }
  var left = Number(timer.getAttribute("data-timer"));
  var announce = document.querySelector("[data-timer-announce]");
  var show = function () {
    var m = Math.floor(left / 60), s = left % 60;
    timer.textContent = left > 0
      ? (m > 0 ? m + ":" + (s < 10 ? "0" : "") + s : s + " seconds") + " left in this step. Move on whenever you are ready."
      : "Time for the next step, whenever you are ready.";
  };
  show();
  var tick = window.setInterval(function () {
    left -= 1;
    show();
    if (left <= 0) {
      window.clearInterval(tick);
      if (announce) { announce.textContent = "Time for the next step, whenever you are ready."; }
    }
  }, 1000);
})();

// The breathing pacer: the shape moves with CSS (and stands still under
// prefers-reduced-motion); these words count each breath in and out, so the
// pace can be followed by reading alone.
(function () {
  "use strict";
  var words = document.querySelector("[data-pacer]");
  if (!words) { return; }
  var inhale = Number(words.getAttribute("data-inhale"));
  var exhale = Number(words.getAttribute("data-exhale"));
  var breaths = Number(words.getAttribute("data-breaths"));
  var breath = 1, phase = "in", left = inhale;
  var show = function () {
    words.textContent = "Breath " + breath + " of " + breaths + ": " +
      (phase === "in" ? "breathe in" : "breathe out") + ", " + left;
  };
  show();
  var tick = window.setInterval(function () {
    left -= 1;
    if (left <= 0) {
      if (phase === "in") { phase = "out"; left = exhale; }
      else if (breath < breaths) { breath += 1; phase = "in"; left = inhale; }
      else { window.clearInterval(tick); words.textContent = "All " + breaths + " breaths done."; return; }
    }
    show();
  }, 1000);
})();

// Scripts: a copy button beside each one (shown only when copying works).
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  var status = document.querySelector("[data-copy-status]");
  if (!navigator.clipboard) { return; }
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(source.textContent).then(function () {
        if (status) { status.textContent = "Copied. Paste it wherever you talk to them."; }
        button.firstChild.textContent = "Copied";
        window.setTimeout(function () { button.firstChild.textContent = "Copy"; }, 2500);
      }, function () {
        if (status) { status.textContent = "Copying did not work here; select the words and copy them instead."; }
      });
    });
  });
})();

// Print buttons (the browser's own Print works without this).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("button[data-print]"), function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
})();

// The unsent letter: "Let it go" clears the text (a plain form reset, which
// needs no script), then says so. The text is also cleared when the page is
// left, so going back never brings it back. Nothing is stored or sent.
(function () {
  "use strict";
  var form = document.querySelector("form[data-letter]");
  if (!form) { return; }
  var released = document.querySelector("[data-letter-released]");
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("reset", function () {
    if (released) {
      released.hidden = false;
      released.setAttribute("tabindex", "-1");
      released.focus();
    }
  });
  window.addEventListener("pagehide", function () { form.reset(); });
})();

// Journal writing: the words are kept on the server as a draft while they
// are typed (a few seconds after the last key, and when the page is left),
// so a closed tab or a lost connection loses nothing. Nothing is kept in
// the browser. "Keep as a draft" does the same without this script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) { return; }
  var url = form.getAttribute("data-autosave");
  var status = form.querySelector("[data-autosave-status]");
  var dirty = false, timer = null, sending = false, leaving = false;
  var params = function () {
    var p = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.type !== "submit" && el.type !== "button") { p.append(el.name, el.value); }
    });
    p.append("autosave", "1");
    return p;
  };
  var say = function (words) {
    if (status && status.textContent !== words) { status.textContent = words; }
  };
  var send = function () {
    timer = null;
    if (!dirty || sending) { return; }
    dirty = false;
    sending = true;
    fetch(url, { method: "POST", body: params(), credentials: "same-origin", redirect: "error" })
      .then(function (r) {
        sending = false;
        if (r.ok) {
          say("Draft saved.");
        } else {
          dirty = true;
          say("The draft could not be kept just now. Your words are still here; Save entry or Keep as a draft will try again.");
        }
        if (dirty && !timer) { timer = window.setTimeout(send, 5000); }
      }, function () {
        sending = false;
        dirty = true;
        say("The draft could not be kept just now. Your words are still here; Save entry or Keep as a draft will try again.");
      });
  };
  form.addEventListener("input", function () {
    dirty = true;
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(send, 2000);
  });
  form.addEventListener("submit", function () { leaving = true; dirty = false; if (timer) { window.clearTimeout(timer); } });
  window.addEventListener("pagehide", function () {
    if (dirty && !leaving && navigator.sendBeacon) { navigator.sendBeacon(url, params()); dirty = false; }
  });
})();

// The reset: the hot thought, once written, is shown again beside the
// later steps (the evidence, the re-rating), so it stays in view while
// the person looks at it. The page shows the saved words without this.
(function () {
  "use strict";
  var source = document.querySelector("[data-echo-source]");
  if (!source) { return; }
  var echoes = document.querySelectorAll("[data-echo]");
  var update = function () {
    var words = source.value.trim();
    Array.prototype.forEach.call(echoes, function (e) {
      e.hidden = words === "";
      var t = e.querySelector("[data-echo-text]");
      if (t) { t.textContent = words; }
    });
  };
  source.addEventListener("input", update);
})();
