// Saring console: keyboard navigation in the queue (j/k, Enter) and an instant blur toggle.
// Every page works without this script; it only saves round trips.
(function () {
  "use strict";
  // Forms that send the user back here after a switch (language, blur).
  var here = window.location.pathname + window.location.search;
  Array.prototype.forEach.call(document.querySelectorAll("input.back-here"), function (el) {
    el.value = here;
  });
  var blurForm = document.getElementById("blur-form");
  if (blurForm) blurForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var on = document.body.classList.toggle("blurred");
    document.cookie = "saring_blur=" + (on ? "1" : "0") + "; Path=/; SameSite=Strict; Max-Age=31536000";
    blurForm.querySelector("input[name=blur]").value = on ? "0" : "1";
    document.getElementById("blur-toggle").setAttribute("aria-pressed", on ? "true" : "false");
  });
  var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr"));
  if (!rows.length) return;
  var i = 0;
  function select(n) {
    rows[i].classList.remove("selected");
    i = Math.max(0, Math.min(rows.length - 1, n));
    rows[i].classList.add("selected");
    rows[i].scrollIntoView({ block: "nearest" });
  }
  select(0);
  rows.forEach(function (row, n) {
    row.addEventListener("click", function (e) {
      if (e.target.tagName !== "A") window.location = row.getAttribute("data-href");
    });
  });
  document.addEventListener("keydown", function (e) {
    var tag = e.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || tag === "BUTTON") return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "j") select(i + 1);
    else if (e.key === "k") select(i - 1);
    else if (e.key === "Enter") window.location = rows[i].getAttribute("data-href");
  });
})();
