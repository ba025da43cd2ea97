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

  // Page actions fold into a menu on narrow screens: the buttons of <div class="actions" data-fold> go
  // into a <details> that stays open (its summary hidden) while the window is wide, and closes into an
  // "Actions" button below 720 px. Without this script the buttons simply wrap.
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 720px)") : null;
  document.querySelectorAll(".actions[data-fold]").forEach(function (actions) {
    if (!actions.children.length || !narrow) return;
    var menu = document.createElement("details");
    menu.className = "fold";
    var summary = document.createElement("summary");
    summary.className = "btn";
    summary.textContent = "Actions";
    var items = document.createElement("div");
    items.className = "fold-items";
    while (actions.firstChild) items.appendChild(actions.firstChild);
    menu.appendChild(summary);
    menu.appendChild(items);
    actions.appendChild(menu);
    var sync = function () {
      menu.classList.toggle("folded", narrow.matches);
      menu.open = !narrow.matches;
    };
    sync();
    if (narrow.addEventListener) narrow.addEventListener("change", sync);
    document.addEventListener("click", function (event) {
      if (narrow.matches && menu.open && !menu.contains(event.target)) menu.open = false;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && narrow.matches && menu.open) { menu.open = false; summary.focus(); }
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

  // Keyboard shortcuts: an element with data-key="<key>" ("ArrowLeft", "shift+ArrowRight", "1", "+")
  // is clicked when that key is pressed, and "?" lists them (data-key-label says what each does).
  // Nothing fires while one types in a field. The revision page's previous and next links (rel=prev and
  // rel=next in its head) and its "Compare with previous" get ←, → and c.
  var declare = function (el, key, label) {
    if (el && !el.dataset.key) { el.dataset.key = key; el.dataset.keyLabel = label; }
  };
  declare(document.querySelector(".page-head a[rel=prev]"), "ArrowLeft", "Previous revision");
  declare(document.querySelector(".page-head a[rel=next]"), "ArrowRight", "Next revision");
  declare(document.getElementById("compare-previous"), "c", "Compare with the previous revision");
  var keyed = function () { return Array.prototype.slice.call(document.querySelectorAll("[data-key]")); };
  var typing = function (target) {
    return !!(target && target.closest && (target.closest("input, textarea, select, [contenteditable]") || target.isContentEditable));
  };
  var shown = function (key) {
    return key.replace("shift+", "⇧ ").replace("ArrowLeft", "←").replace("ArrowRight", "→").replace("ArrowUp", "↑").replace("ArrowDown", "↓");
  };
  var overlay = null;
  var shortcuts = function () {
    if (!overlay) {
      overlay = document.createElement("dialog");
      overlay.className = "modal shortcuts";
      overlay.id = "shortcuts";
      var header = document.createElement("header");
      var title = document.createElement("h2");
      title.textContent = "Keyboard shortcuts";
      var close = document.createElement("button");
      close.type = "button";
      close.className = "btn small";
      close.textContent = "Close";
      close.addEventListener("click", function () { overlay.close(); });
      header.appendChild(title);
      header.appendChild(close);
      overlay.appendChild(header);
      var list = document.createElement("dl");
      list.className = "shortcut-list";
      overlay.appendChild(list);
      overlay.addEventListener("click", function (event) { if (event.target === overlay) overlay.close(); });
      document.body.appendChild(overlay);
    }
    var rows = overlay.querySelector("dl");
    rows.textContent = "";
    var seen = {};
    keyed().concat([{ dataset: { key: "?", keyLabel: "Show these shortcuts" } }]).forEach(function (el) {
      var key = el.dataset.key;
      if (seen[key]) return;
      seen[key] = true;
      var term = document.createElement("dt");
      var kbd = document.createElement("kbd");
      kbd.textContent = shown(key);
      term.appendChild(kbd);
      var what = document.createElement("dd");
      what.textContent = el.dataset.keyLabel || el.getAttribute("title") || el.textContent.trim();
      rows.appendChild(term);
      rows.appendChild(what);
    });
    if (overlay.open) overlay.close(); else overlay.showModal();
  };
  document.querySelectorAll("[data-shortcuts]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", shortcuts);
  });
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "?") {
      if (keyed().length) { event.preventDefault(); shortcuts(); }  // a page with shortcuts
      return;
    }
    var open = document.querySelector("dialog[open]");
    if (open) return;
    var spec = (key.length > 1 && event.shiftKey ? "shift+" : "") + key;
    var target = keyed().filter(function (el) { return el.dataset.key === spec && !el.hidden && !el.disabled && !el.getAttribute("aria-disabled"); })[0];
    if (!target) return;
    event.preventDefault();
    target.click();
  });

  // Copy buttons on code: every highlighted block (.hl) and plain text block gets one, copying its text
  // (the code alone, not the line numbers).
  document.querySelectorAll(".hl, pre.plain").forEach(function (block) {
    if (block.closest(".diff-wrap")) return; // diffs show two versions: nothing single to copy
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn small copy-code";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy this code");
    button.addEventListener("click", function () {
      var code = block.querySelector("td.code pre") || block.querySelector("pre") || block;
      var text = code.innerText;
      var done = function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
      } else {
        fallbackCopy(text);
        done();
      }
    });
    var holder = document.createElement("div");
    holder.className = "copy-code-holder";
    block.parentNode.insertBefore(holder, block);
    holder.appendChild(button);
    holder.appendChild(block);
  });
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    document.body.removeChild(area);
  }

  // Click to zoom: a figure's image opens full screen (Escape or a click closes it).
  var zoomable = document.getElementById("figure-image");
  if (zoomable) {
    zoomable.classList.add("zoomable");
    zoomable.setAttribute("tabindex", "0");
    zoomable.setAttribute("title", "Click to see it full screen");
    var viewer = document.createElement("dialog");
    viewer.className = "zoom";
    viewer.id = "zoom-dialog";
    viewer.setAttribute("aria-label", "The figure, full screen");
    var big = document.createElement("img");
    big.alt = zoomable.alt;
    viewer.appendChild(big);
    document.body.appendChild(viewer);
    var open = function () {
      big.src = zoomable.currentSrc || zoomable.src;
      if (typeof viewer.showModal === "function") viewer.showModal();
    };
    zoomable.addEventListener("click", open);
    zoomable.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(); }
    });
    viewer.addEventListener("click", function () { viewer.close(); });
  }
  // The colour theme: auto (the system's), dark or light, kept in a cookie the server reads to set
  // data-theme on <html> (so the page never flashes the other theme).
  var themeSwitch = document.getElementById("theme-switch");
  if (themeSwitch) {
    var themes = ["auto", "dark", "light"];
    var current = document.documentElement.dataset.theme || "auto";
    var symbols = { auto: "\u25D0", dark: "\u25CF", light: "\u25CB" };  // half, full, empty circle
    var label = function () {
      themeSwitch.textContent = symbols[current];
      themeSwitch.title = "Theme: " + current + " (click to change)";
      themeSwitch.setAttribute("aria-label", "Theme: " + current);
    };
    themeSwitch.hidden = false;
    label();
    themeSwitch.addEventListener("click", function () {
      current = themes[(themes.indexOf(current) + 1) % themes.length];
      if (current === "auto") {
        delete document.documentElement.dataset.theme;
        document.cookie = "figtrail_theme=; path=/; max-age=0; samesite=lax";
      } else {
        document.documentElement.dataset.theme = current;
        document.cookie = "figtrail_theme=" + current + "; path=/; max-age=31536000; samesite=lax";
      }
      label();
    });
  }
})();
