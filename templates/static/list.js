// The case list by keyboard: j or ↓ moves to the next case, k or ↑ to the previous one,
// Enter opens it (the link has the focus), x ticks it for a bulk assignment. Keys typed into
// a field are left alone. Without JavaScript the list works as before.
(function () {
  "use strict";
  var links = function () {
    return Array.prototype.slice.call(
      document.querySelectorAll(".case-list table.cases tbody tr td:nth-child(-n+2) a[href^='/staff/cases/']")
    );
  };
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(t.tagName))) return;
    var all = links();
    if (!all.length) return;
    var at = all.indexOf(document.activeElement);
    var step = 0;
    if (e.key === "j" || e.key === "ArrowDown") step = 1;
    else if (e.key === "k" || e.key === "ArrowUp") step = -1;
    else if (e.key === "x" && at >= 0) {
      var box = all[at].closest("tr").querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; e.preventDefault(); }
      return;
    } else return;
    e.preventDefault();
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    all[next].focus();
    all[next].scrollIntoView({ block: "nearest" });
  });
})();
