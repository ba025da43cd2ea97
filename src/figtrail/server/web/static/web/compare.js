// Compare page: both images laid on one canvas at one scale (where the server placed them, so the
// slider, the overlay and the pixel difference line up), zoom and pan in every mode (synchronised side
// by side), the slider, the overlay's opacity, the pixel difference's tolerance, and the code layout.
// The keyboard shortcuts are app.js's: the page's links and buttons carry data-key.
"use strict";

(function () {
  var setParam = function (href, key, value) {
    var url = new URL(href, window.location.href);
    url.searchParams.set(key, value);
    return url.pathname + url.search + url.hash;
  };
  // links that should keep what the page changed without reloading (tolerance, code layout)
  var carry = function (key, value) {
    document.querySelectorAll("#modes a, #steps a").forEach(function (link) {
      link.href = setParam(link.getAttribute("href"), key, value);
    });
    var hidden = document.querySelector("#stage-tools input[name=" + key + "]");
    if (hidden) hidden.value = value;
    window.history.replaceState(null, "", setParam(window.location.href, key, value));
  };

  // ---- code: unified or split, without reloading ----
  document.querySelectorAll("[data-code-view]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var layout = link.dataset.codeView;
      document.querySelectorAll("[data-code-layout]").forEach(function (el) { el.hidden = el.dataset.codeLayout !== layout; });
      document.querySelectorAll("[data-code-view]").forEach(function (el) { el.classList.toggle("active", el === link); });
      carry("code", layout);
    });
  });

  var stage = document.querySelector("[data-compare-stage]");
  if (!stage) return;
  var frames = Array.prototype.slice.call(stage.querySelectorAll(".zoom-frame"));
  var images = Array.prototype.slice.call(stage.querySelectorAll(".zoom-frame img"));
  if (!frames.length) return;

  // ---- one canvas: both images at their own size (same scale), where the server placed them ----
  var numbers = function (text) { return text ? text.split(" ").map(Number) : null; };
  var natural = function (img) { return [img.naturalWidth || 300, img.naturalHeight || 150]; };
  var placement = function () {
    var diff = document.getElementById("diff-image");
    if (diff) { var size = natural(diff); return { canvas: size, diff: [0, 0, size[0], size[1]] }; }
    var canvas = numbers(stage.dataset.canvas);
    if (canvas) return { canvas: canvas, a: numbers(stage.dataset.boxA), b: numbers(stage.dataset.boxB) };
    // no placement from the server (SVG): centred, each at its own size
    var sa = natural(document.getElementById("image-a")), sb = natural(document.getElementById("image-b"));
    var w = Math.max(sa[0], sb[0]), h = Math.max(sa[1], sb[1]);
    var centred = function (s) { return [Math.floor((w - s[0]) / 2), Math.floor((h - s[1]) / 2), s[0], s[1]]; };
    return { canvas: [w, h], a: centred(sa), b: centred(sb) };
  };
  var view = { scale: 1, x: 0, y: 0 };
  var apply = function () {
    frames.forEach(function (frame) {
      var canvas = frame.querySelector(".canvas");
      canvas.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.scale + ")";
      frame.dataset.scale = view.scale.toFixed(3);
    });
    var label = document.getElementById("zoom-level");
    if (label) label.textContent = Math.round(view.scale * 100) + "%";
  };
  var layout = function () {
    var where = placement();
    var w = where.canvas[0], h = where.canvas[1];
    var single = frames[0].classList.contains("single");
    var maxHeight = Math.max(200, Math.min(single ? 560 : 460, window.innerHeight * 0.75));
    var width = Math.min.apply(null, frames.map(function (f) { return f.clientWidth || f.parentNode.clientWidth; }));
    var fit = Math.min(1, width / w, maxHeight / h);
    frames.forEach(function (frame) {
      var canvas = frame.querySelector(".canvas");
      frame.classList.add("aligned");
      frame.style.height = Math.round(h * fit) + 2 + "px";
      canvas.style.width = w * fit + "px";
      canvas.style.height = h * fit + "px";
      canvas.dataset.canvas = w + " " + h;
      frame.querySelectorAll(".layer").forEach(function (layer) {
        var box = where[layer.dataset.side], img = layer.querySelector("img");
        if (!box || !img) return;
        img.style.left = (box[0] / w) * 100 + "%";
        img.style.top = (box[1] / h) * 100 + "%";
        img.style.width = (box[2] / w) * 100 + "%";
        img.style.height = (box[3] / h) * 100 + "%";
        img.dataset.box = box.join(" ");
      });
    });
    stage.dataset.aligned = "true";
    apply();
  };
  var pending = images.filter(function (img) { return !img.complete; });
  var whenLoaded = function () {
    pending = images.filter(function (img) { return !img.complete; });
    if (!pending.length) layout();
  };
  images.forEach(function (img) { img.addEventListener("load", whenLoaded); img.addEventListener("error", whenLoaded); });
  if (!pending.length) layout();
  window.addEventListener("resize", function () { if (stage.dataset.aligned) layout(); });

  // ---- zoom and pan, in every mode: wheel or pinch zooms around the pointer, drag pans ----
  var zoomAt = function (factor, px, py) {
    var next = Math.min(16, Math.max(1, view.scale * factor));
    factor = next / view.scale;
    view.x = px - (px - view.x) * factor;
    view.y = py - (py - view.y) * factor;
    view.scale = next;
    if (view.scale === 1) { view.x = 0; view.y = 0; }
    apply();
  };
  // a point of the page in the canvas's untransformed coordinates (relative to its layout origin)
  var local = function (frame, clientX, clientY) {
    var box = frame.querySelector(".canvas").getBoundingClientRect();
    return [clientX - (box.left - view.x), clientY - (box.top - view.y)];
  };
  frames.forEach(function (frame) {
    frame.addEventListener("wheel", function (event) {
      event.preventDefault();
      var at = local(frame, event.clientX, event.clientY);
      zoomAt(event.deltaY < 0 ? 1.2 : 1 / 1.2, at[0], at[1]);
    }, { passive: false });
    var pointers = {}, drag = null, pinch = null;
    var distance = function () {
      var p = Object.keys(pointers).map(function (k) { return pointers[k]; });
      return { d: Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y), x: (p[0].x + p[1].x) / 2, y: (p[0].y + p[1].y) / 2 };
    };
    frame.addEventListener("pointerdown", function (event) {
      pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
      frame.setPointerCapture(event.pointerId);
      if (Object.keys(pointers).length === 2) { pinch = distance(); drag = null; return; }
      drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y };
      frame.classList.add("dragging");
    });
    frame.addEventListener("pointermove", function (event) {
      if (!pointers[event.pointerId]) return;
      pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
      if (pinch && Object.keys(pointers).length === 2) {
        var now = distance(), at = local(frame, now.x, now.y);
        if (pinch.d > 0) zoomAt(now.d / pinch.d, at[0], at[1]);
        pinch = now;
        return;
      }
      if (!drag) return;
      view.x = drag.vx + event.clientX - drag.x;
      view.y = drag.vy + event.clientY - drag.y;
      apply();
    });
    var stop = function (event) {
      delete pointers[event.pointerId];
      pinch = null;
      drag = null;
      frame.classList.remove("dragging");
    };
    frame.addEventListener("pointerup", stop);
    frame.addEventListener("pointercancel", stop);
  });
  var bind = function (id, fn) {
    var el = document.getElementById(id);
    if (el) { el.hidden = false; el.addEventListener("click", fn); }
  };
  var centre = function (factor) {
    var canvas = frames[0].querySelector(".canvas");
    zoomAt(factor, canvas.offsetWidth / 2, canvas.offsetHeight / 2);
  };
  bind("zoom-in", function () { centre(1.5); });
  bind("zoom-out", function () { centre(1 / 1.5); });
  bind("zoom-reset", function () { view = { scale: 1, x: 0, y: 0 }; apply(); });

  // ---- slider: A (the top layer) shows left of the handle, B right of it ----
  var slider = document.getElementById("slider-range");
  if (slider) {
    var top = stage.querySelector("[data-slider] .layer.top");
    var divider = stage.querySelector("[data-slider] .divider");
    var move = function () {
      var at = Number(slider.value);
      top.style.clipPath = "inset(0 " + (100 - at) + "% 0 0)";
      divider.style.left = at + "%";
    };
    slider.addEventListener("input", move);
    move();
  }

  // ---- overlay: B over A; 0 shows A only, 100 B only ----
  var opacity = document.getElementById("overlay-range");
  if (opacity) {
    var over = stage.querySelector("[data-overlay] .layer.top");
    var label = document.getElementById("overlay-value");
    var fade = function () {
      over.style.opacity = String(Number(opacity.value) / 100);
      if (label) label.textContent = opacity.value + "%";
    };
    opacity.addEventListener("input", fade);
    fade();
  }

  // ---- tools: line-up applies at once; the tolerance redraws the difference as it moves ----
  var tools = document.getElementById("stage-tools");
  var align = document.getElementById("align");
  var apply_button = document.getElementById("stage-apply");
  var tolerance = document.getElementById("tolerance");
  if (apply_button) apply_button.hidden = true;
  if (align && tools) align.addEventListener("change", function () { tools.submit(); });
  if (tolerance) {
    var diff = document.getElementById("diff-image");
    var shown = document.getElementById("tolerance-value");
    var percent = document.getElementById("changed-percent");
    var timer = null, asked = 0;
    var redraw = function () {
      var value = tolerance.value, ticket = ++asked;
      var url = diff.dataset.base + "&tol=" + encodeURIComponent(value) + "&align=" + encodeURIComponent(align ? align.value : "auto");
      stage.dataset.loading = "true";
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        var fraction = Number(response.headers.get("X-Changed-Fraction"));
        return response.blob().then(function () { return fraction; });
      }).then(function (fraction) {
        if (ticket !== asked) return;
        diff.src = url;
        if (percent) percent.textContent = (fraction * 100).toFixed(2) + "% of pixels changed";
        diff.dataset.tolerance = value;
        delete stage.dataset.loading;
        carry("tol", value);
      }).catch(function () {
        if (ticket === asked) { delete stage.dataset.loading; if (percent) percent.textContent = "The difference could not be computed."; }
      });
    };
    tolerance.addEventListener("input", function () {
      if (shown) shown.textContent = tolerance.value;
      clearTimeout(timer);
      timer = setTimeout(redraw, 150);
    });
  }
})();
