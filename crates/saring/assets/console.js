// Saring console: keyboard navigation in the queue (j/k, Enter) and the blur toggle.
(function () {
  "use strict";
  if (localStorage.getItem("saring-blur") === "1") document.body.classList.add("blurred");
  var toggle = document.getElementById("blur-toggle");
  if (toggle) toggle.addEventListener("click", function () {
    var on = document.body.classList.toggle("blurred");
    localStorage.setItem("saring-blur", on ? "1" : "0");
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
  document.addEventListener("keydown", function (e) {
    if (e.target.tagName === "INPUT" || e.target.tagName === "TEXTAREA" || e.target.tagName === "SELECT") return;
    if (e.key === "j") select(i + 1);
    else if (e.key === "k") select(i - 1);
    else if (e.key === "Enter") window.location = rows[i].getAttribute("data-href");
  });
})();
