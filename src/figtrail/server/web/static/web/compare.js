// Compare page: synchronised zoom and pan (side by side), the before/after slider, and overlay opacity.
"use strict";

(function () {
  // ---- side by side: wheel zooms around the pointer, drag pans; both frames follow the same view ----
  var frames = Array.prototype.slice.call(document.querySelectorAll("[data-sync-zoom] .zoom-frame"));
  if (frames.length) {
    var view = { scale: 1, x: 0, y: 0 };
    var apply = function () {
      frames.forEach(function (frame) {
        var img = frame.querySelector("img");
        img.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.scale + ")";
        frame.dataset.scale = view.scale.toFixed(3);
      });
      var label = document.getElementById("zoom-level");
      if (label) label.textContent = Math.round(view.scale * 100) + "%";
    };
    var zoomAt = function (factor, px, py) {
      var next = Math.min(16, Math.max(1, view.scale * factor));
      factor = next / view.scale;
      view.x = px - (px - view.x) * factor;
      view.y = py - (py - view.y) * factor;
      view.scale = next;
      if (view.scale === 1) { view.x = 0; view.y = 0; }
      apply();
    };
    frames.forEach(function (frame) {
      var img = frame.querySelector("img");
      frame.addEventListener("wheel", function (event) {
        event.preventDefault();
        var box = img.getBoundingClientRect();
        // pointer position in the image's untransformed coordinates, relative to its layout origin
        var originX = box.left - view.x, originY = box.top - view.y;
        zoomAt(event.deltaY < 0 ? 1.2 : 1 / 1.2, event.clientX - originX, event.clientY - originY);
      }, { passive: false });
      var drag = null;
      frame.addEventListener("pointerdown", function (event) {
        drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y };
        frame.setPointerCapture(event.pointerId);
        frame.classList.add("dragging");
      });
      frame.addEventListener("pointermove", function (event) {
        if (!drag) return;
        view.x = drag.vx + event.clientX - drag.x;
        view.y = drag.vy + event.clientY - drag.y;
        apply();
      });
      var stop = function () { drag = null; frame.classList.remove("dragging"); };
      frame.addEventListener("pointerup", stop);
      frame.addEventListener("pointercancel", stop);
    });
    var bind = function (id, fn) {
      var el = document.getElementById(id);
      if (el) { el.hidden = false; el.addEventListener("click", fn); }
    };
    var centre = function (factor) {
      var img = frames[0].querySelector("img");
      zoomAt(factor, img.offsetWidth / 2, img.offsetHeight / 2);
    };
    bind("zoom-in", function () { centre(1.5); });
    bind("zoom-out", function () { centre(1 / 1.5); });
    bind("zoom-reset", function () { view = { scale: 1, x: 0, y: 0 }; apply(); });
    apply();
  }

  // ---- slider: the top image (B) shows left of the handle, A right of it ----
  var slider = document.getElementById("slider-range");
  if (slider) {
    var top = document.querySelector("[data-slider] img.top");
    var divider = document.querySelector("[data-slider] .divider");
    var move = function () {
      var at = Number(slider.value);
      top.style.clipPath = "inset(0 " + (100 - at) + "% 0 0)";
      divider.style.left = at + "%";
    };
    slider.addEventListener("input", move);
    move();
  }

  // ---- overlay: B over A with adjustable opacity ----
  var opacity = document.getElementById("overlay-range");
  if (opacity) {
    var over = document.querySelector("[data-overlay] img.top");
    var label = document.getElementById("overlay-value");
    var fade = function () {
      over.style.opacity = String(Number(opacity.value) / 100);
      if (label) label.textContent = opacity.value + "%";
    };
    opacity.addEventListener("input", fade);
    fade();
  }
})();
