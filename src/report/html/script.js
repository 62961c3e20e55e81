(function () {
  "use strict";
  var root = document.documentElement;
  window.addEventListener("error", function () { root.setAttribute("data-js-error", "1"); });
  var controls = document.getElementById("tl-controls");
  var text = document.getElementById("tl-filter");
  var level = document.getElementById("tl-level");
  var finding = document.getElementById("tl-finding");
  var count = document.getElementById("tl-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#timeline-table tbody tr"));
  var rank = { verbose: 0, information: 1, warning: 2, error: 3, critical: 4 };
  function apply() {
    var needle = text.value.toLowerCase();
    var least = rank[level.value] || 0;
    var wanted = finding.value;
    var shown = 0;
    rows.forEach(function (row) {
      var ids = (row.getAttribute("data-findings") || "").split(" ");
      var visible = (rank[row.getAttribute("data-level")] || 0) >= least &&
        (!wanted || ids.indexOf(wanted) >= 0) &&
        (!needle || row.textContent.toLowerCase().indexOf(needle) >= 0);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " entries shown";
  }
  if (controls && text && level && finding && count) {
    controls.hidden = false;
    text.addEventListener("input", apply);
    level.addEventListener("change", apply);
    finding.addEventListener("change", apply);
    apply();
  }
  root.setAttribute("data-ready", "1");
})();
