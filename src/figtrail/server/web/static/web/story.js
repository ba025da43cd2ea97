// figtrail: while a story is being written, follow its task and reload the page when it is done.
"use strict";

(function () {
  var panel = document.getElementById("story-generating");
  if (!panel) return;
  var bar = document.getElementById("story-progress");
  var text = document.getElementById("story-progress-text");
  var poll = function () {
    fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.progress !== null && bar) bar.value = state.progress;
        if (state.status !== "generating") {
          window.location.reload();
          return;
        }
        if (state.task_status === "failed" && text) text.textContent = "Writing failed: " + state.error;
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  };
  setTimeout(poll, 500);
})();
