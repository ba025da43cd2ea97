// The figure page's strip of every revision: scrub, step with the arrow keys, play from the first, and
// pick A and B for compare from anywhere in the history (not only the thirty revisions listed below).
"use strict";

(function () {
  var strip = document.getElementById("filmstrip");
  var data = document.getElementById("filmstrip-data");
  if (!strip || !data) return;
  var revisions = JSON.parse(data.textContent);
  var scrub = document.getElementById("filmstrip-scrub");
  var image = document.getElementById("filmstrip-image");
  var link = document.getElementById("filmstrip-link");
  var label = document.getElementById("filmstrip-label");
  var play = document.getElementById("filmstrip-play");
  var form = document.getElementById("compare-form");
  var timer = null;

  function show(index) {
    var rev = revisions[index];
    scrub.value = String(index);
    image.src = rev.thumbnail;
    image.alt = "Revision " + rev.number;
    link.href = rev.page;
    label.textContent = "Revision " + rev.number + " of " + revisions.length + (rev.when ? " · " + rev.when.slice(0, 16).replace("T", " ") : "");
  }

  function pick(side) {
    var rev = revisions[Number(scrub.value)];
    if (!form) return;
    var radio = form.querySelector("input[name=" + side + "][value='" + rev.id + "']");
    if (!radio) { // not on this page of the timeline: carried by a hidden choice of its own
      radio = form.querySelector("input.off-page[name=" + side + "]");
      if (!radio) {
        radio = document.createElement("input");
        radio.type = "radio";
        radio.name = side;
        radio.className = "off-page";
        radio.hidden = true;
        form.appendChild(radio);
      }
      radio.value = rev.id;
    }
    radio.checked = true;
    document.getElementById("pick-" + side + "-label").textContent = "revision " + rev.number;
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    play.textContent = "Play";
    play.setAttribute("aria-pressed", "false");
  }

  scrub.addEventListener("input", function () { stop(); show(Number(scrub.value)); });
  play.addEventListener("click", function () {
    if (timer) { stop(); return; }
    var index = Number(scrub.value) >= revisions.length - 1 ? 0 : Number(scrub.value);
    show(index);
    play.textContent = "Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      if (Number(scrub.value) >= revisions.length - 1) { stop(); return; }
      show(Number(scrub.value) + 1);
    }, 600);
  });
  document.getElementById("filmstrip-a").addEventListener("click", function () { pick("a"); });
  document.getElementById("filmstrip-b").addEventListener("click", function () { pick("b"); });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) && target !== scrub;
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      if (target === scrub) return; // the range input steps by itself
      event.preventDefault();
      stop();
      var next = Number(scrub.value) + (event.key === "ArrowRight" ? 1 : -1);
      show(Math.max(0, Math.min(revisions.length - 1, next)));
    }
  });
  // the pair the timeline preselects, named in the strip's line too
  ["a", "b"].forEach(function (side) {
    var checked = form && form.querySelector("input[name=" + side + "]:checked");
    var row = checked && checked.closest("li[data-number]");
    if (row) document.getElementById("pick-" + side + "-label").textContent = "revision " + row.dataset.number;
  });
  show(Number(scrub.value));
})();
