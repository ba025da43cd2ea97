// figtrail: follow an import task until it ends, then show what it made.
"use strict";

(function () {
  var panel = document.getElementById("import-task");
  if (!panel) return;
  var bar = document.getElementById("import-progress");
  var label = document.getElementById("import-status");
  var result = document.getElementById("import-result");
  var poll = function () {
    fetch(panel.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (task) {
        bar.value = task.progress || 0;
        label.textContent = task.status;
        result.textContent = task.summary;
        if (task.status === "succeeded") { bar.value = 1; return; }
        if (task.status === "failed") return;
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  };
  if (label.textContent !== "succeeded" && label.textContent !== "failed") setTimeout(poll, 300);
})();
