// figtrail: the AI on revision, figure and compare pages. Answers arrive as Server-Sent Events over a
// POST (EventSource cannot POST), read here with fetch() and a stream reader. Each part below runs only
// on the pages that have its elements: the "Ask AI" panel and "Extract code" (revision), "Describe with
// AI" (revision and figure), "Explain the differences" (compare).
"use strict";

(function () {
  var OFFLINE = "Offline summary, no language model";
  var status = document.getElementById("ai-status");

  var say = function (text) { if (status) status.textContent = text; };

  var tokenOf = function (element) {
    var form = element.closest("form") || document;
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  var who = function (body) {
    if (!body.is_llm) return OFFLINE;
    return "Written by " + body.provider + (body.model ? " · " + body.model : "");
  };

  var post = function (url, token, data) {
    return fetch(url, {
      method: "POST",
      body: data || new FormData(),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token },
    });
  };

  var failed = function (response) {
    var fallback = "The AI could not answer (" + response.status + ").";
    return response.json().then(
      function (body) {
        var first = body.detail || Object.keys(body).map(function (k) { return body[k]; })[0];
        say(String(first || fallback));
      },
      function () { say(fallback); }
    );
  };

  // Read "event: x\ndata: {...}" blocks: deltas append to `answer`, done labels it, error reports.
  var readEvents = function (response, answer, label) {
    var handle = function (block) {
      var name = "message";
      var data = "";
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) name = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
      });
      if (!data) return;
      var body = JSON.parse(data);
      if (name === "done") {
        // the server's rendering of the Markdown answer, sanitised like comments (social.rendering)
        answer.innerHTML = body.html;
        answer.classList.add("rendered");
        label.textContent = who(body);
        say("");
      } else if (name === "error") {
        say(body.detail);
      } else if (body.delta) {
        answer.textContent += body.delta;
      }
    };
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var read = function (buffer) {
      return reader.read().then(function (chunk) {
        if (chunk.done) { if (buffer.trim()) handle(buffer); return; }
        buffer += decoder.decode(chunk.value, { stream: true });
        var blocks = buffer.split("\n\n");
        buffer = blocks.pop();
        blocks.forEach(handle);
        return read(buffer);
      });
    };
    return read("");
  };

  // A form whose submit streams the answer into #ai-answer (the ask panel, the compare explainer).
  var streaming = function (form, button, asking) {
    var output = document.getElementById("ai-output");
    var answer = document.getElementById("ai-answer");
    var label = document.getElementById("ai-answer-label");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      output.hidden = false;
      answer.textContent = "";
      answer.classList.remove("rendered");
      label.textContent = "";
      say(asking);
      post(form.action, tokenOf(form), new FormData(form))
        .then(function (response) {
          if (!response.ok) return failed(response);
          say("");
          return readEvents(response, answer, label);
        })
        .catch(function () { say("The connection was lost."); })
        .then(function () { button.disabled = false; });
    });
  };

  var askForm = document.getElementById("ai-ask-form");
  if (askForm) streaming(askForm, document.getElementById("ai-ask"), "Asking…");

  var explainForm = document.getElementById("ai-explain-form");
  if (explainForm) streaming(explainForm, document.getElementById("ai-explain"), "Comparing the revisions…");

  var extract = document.getElementById("ai-extract");
  if (extract) {
    extract.addEventListener("click", function () {
      extract.disabled = true;
      say("Extracting the code…");
      post(extract.dataset.url, tokenOf(extract))
        .then(function (response) {
          if (!response.ok) return failed(response);
          return response.json().then(function (body) {
            document.getElementById("ai-code-text").textContent = body.code;
            document.getElementById("ai-code-label").textContent = who(body) + (body.language ? " · " + body.language : "");
            document.getElementById("ai-code").hidden = false;
            say("");
          });
        })
        .catch(function () { say("The connection was lost."); })
        .then(function () { extract.disabled = false; });
    });
  }

  // Describing runs as a task: follow it, then reload to show ai_title / ai_description.
  var describe = document.getElementById("ai-describe");
  var follow = function (url) {
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (task) {
        if (task.status === "succeeded") { window.location.reload(); return; }
        if (task.status === "failed") { say(task.error || "Describing failed."); describe.disabled = false; return; }
        setTimeout(function () { follow(url); }, 800);
      })
      .catch(function () { setTimeout(function () { follow(url); }, 2000); });
  };
  if (describe) {
    describe.addEventListener("click", function () {
      describe.disabled = true;
      say("Describing the figure…");
      post(describe.dataset.url, tokenOf(describe))
        .then(function (response) {
          if (!response.ok) { describe.disabled = false; return failed(response); }
          return response.json().then(function (body) { follow(body.status_url); });
        })
        .catch(function () { say("The connection was lost."); describe.disabled = false; });
    });
  }
})();
