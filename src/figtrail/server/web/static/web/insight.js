// figtrail: the "Ask AI" panel of a revision page. The answer arrives as Server-Sent Events over a
// POST (EventSource cannot POST), read here with fetch() and a stream reader.
"use strict";

(function () {
  var form = document.getElementById("ai-ask-form");
  if (!form) return;
  var output = document.getElementById("ai-output");
  var answer = document.getElementById("ai-answer");
  var label = document.getElementById("ai-answer-label");
  var status = document.getElementById("ai-status");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var OFFLINE = "Offline summary, no language model";

  var who = function (body) {
    if (!body.is_llm) return OFFLINE;
    return "Written by " + body.provider + (body.model ? " · " + body.model : "");
  };

  var post = function (url, data) {
    return fetch(url, {
      method: "POST",
      body: data || new FormData(),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token },
    });
  };

  var failed = function (response) {
    return response.json().then(
      function (body) { status.textContent = body.detail || "The AI could not answer (" + response.status + ")."; },
      function () { status.textContent = "The AI could not answer (" + response.status + ")."; }
    );
  };

  // One SSE event block ("event: x\ndata: {...}"): deltas append, done labels, error reports.
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
      answer.textContent = body.text;
      label.textContent = who(body);
      status.textContent = "";
    } else if (name === "error") {
      status.textContent = body.detail;
    } else if (body.delta) {
      answer.textContent += body.delta;
    }
  };

  var read = function (reader, decoder, buffer) {
    return reader.read().then(function (chunk) {
      if (chunk.done) { if (buffer.trim()) handle(buffer); return; }
      buffer += decoder.decode(chunk.value, { stream: true });
      var blocks = buffer.split("\n\n");
      buffer = blocks.pop();
      blocks.forEach(handle);
      return read(reader, decoder, buffer);
    });
  };

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = document.getElementById("ai-ask");
    button.disabled = true;
    output.hidden = false;
    answer.textContent = "";
    label.textContent = "";
    status.textContent = "Asking…";
    post(form.action, new FormData(form))
      .then(function (response) {
        if (!response.ok) return failed(response);
        status.textContent = "";
        return read(response.body.getReader(), new TextDecoder(), "");
      })
      .catch(function () { status.textContent = "The connection was lost."; })
      .then(function () { button.disabled = false; });
  });

  var extract = document.getElementById("ai-extract");
  if (extract) {
    extract.addEventListener("click", function () {
      extract.disabled = true;
      status.textContent = "Extracting the code…";
      post(extract.dataset.url)
        .then(function (response) {
          if (!response.ok) return failed(response);
          return response.json().then(function (body) {
            document.getElementById("ai-code-text").textContent = body.code;
            document.getElementById("ai-code-label").textContent = who(body) + (body.language ? " · " + body.language : "");
            document.getElementById("ai-code").hidden = false;
            status.textContent = "";
          });
        })
        .catch(function () { status.textContent = "The connection was lost."; })
        .then(function () { extract.disabled = false; });
    });
  }

  var describe = document.getElementById("ai-describe");
  var follow = function (url) {
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (task) {
        if (task.status === "succeeded") { window.location.reload(); return; }
        if (task.status === "failed") { status.textContent = task.error || "Describing failed."; describe.disabled = false; return; }
        setTimeout(function () { follow(url); }, 800);
      })
      .catch(function () { setTimeout(function () { follow(url); }, 2000); });
  };
  if (describe) {
    describe.addEventListener("click", function () {
      describe.disabled = true;
      status.textContent = "Describing the figure…";
      post(describe.dataset.url)
        .then(function (response) {
          if (!response.ok) { describe.disabled = false; return failed(response); }
          return response.json().then(function (body) { follow(body.status_url); });
        })
        .catch(function () { status.textContent = "The connection was lost."; describe.disabled = false; });
    });
  }
})();
