// figtrail web UI: small enhancements over server-rendered pages. Every page works without this file.
"use strict";

(function () {
  // Dialogs: a link with data-dialog="<id>" opens that <dialog> instead of navigating to its page.
  document.querySelectorAll("[data-dialog]").forEach(function (opener) {
    var dialog = document.getElementById(opener.dataset.dialog);
    if (!dialog || typeof dialog.showModal !== "function") return;
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
    });
  });
  document.querySelectorAll("dialog [data-close]").forEach(function (button) {
    button.addEventListener("click", function () { button.closest("dialog").close(); });
  });
  document.querySelectorAll("dialog.modal").forEach(function (dialog) {
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close(); // a click on the backdrop
    });
  });

  // Copy buttons: data-copy="<input id>" copies that input's value.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      if (!input) return;
      input.select();
      var done = function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  // Confirmation before destructive posts: <form data-confirm="...">.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Timeline: compare needs two different revisions.
  var picker = document.getElementById("compare-form");
  if (picker) {
    var update = function () {
      var a = picker.querySelector("input[name=a]:checked");
      var b = picker.querySelector("input[name=b]:checked");
      var button = picker.querySelector("button[type=submit]");
      var same = a && b && a.value === b.value;
      button.disabled = !a || !b || same;
      var hint = document.getElementById("compare-hint");
      if (hint) hint.textContent = same ? "Pick two different revisions." : "Pick revision A and revision B, then compare.";
    };
    picker.addEventListener("change", update);
    update();
  }
})();
