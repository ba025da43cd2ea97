// figtrail: AI replies in a comments panel. "Ask AI to reply" is a plain form (the page comes back with
// the empty reply); here each reply still being written is polled until its "ai.reply" task has filled
// it, then shown as the server's sanitised Markdown, the same HTML every other comment gets.
"use strict";

(function () {
  var MAX_WAIT_MS = 5 * 60 * 1000;

  var fill = function (body, reply) {
    body.innerHTML = reply.html; // rendered and sanitised on the server (social.rendering)
    body.classList.remove("ai-writing");
    var label = body.closest("article").querySelector(".ai-label");
    if (label && reply.label) label.textContent = reply.label;
  };

  var follow = function (body) {
    var started = Date.now();
    var delay = 600;
    var poll = function () {
      fetch(body.dataset.bodyUrl, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (reply) {
          if (!reply.writing) { fill(body, reply); return; }
          again();
        })
        .catch(again);
    };
    var again = function () {
      if (Date.now() - started > MAX_WAIT_MS) {
        body.querySelector("p").textContent = "Still writing: reload the page later to see the reply.";
        return;
      }
      delay = Math.min(delay * 1.3, 4000);
      setTimeout(poll, delay);
    };
    setTimeout(poll, 300);
  };

  document.querySelectorAll(".comment-body.ai-writing[data-body-url]").forEach(follow);

  document.querySelectorAll("form.ai-reply-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button");
      // disabled after the submit has started, so the form still sends; a second click does nothing
      setTimeout(function () { button.disabled = true; button.textContent = "Asking the AI…"; }, 0);
    });
  });
})();
