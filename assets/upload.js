/*
 * Court KPI upload page: sends one file to POST /upload/file and hands the answer to Dash.
 *
 * Dash serves every file of assets/ on every page; this one acts only where the drop
 * zone (#upload-drop) exists. The file goes as the raw request body (streamed to disk
 * by the server, never base64 through a callback), with the CSRF token Dash uses
 * (cookie _csrf_token) as X-CSRFToken. Progress and messages are written with
 * dash_clientside.set_props; the token the server returns goes into the upload-token
 * store, which starts the review callback. The page's texts come from data-*
 * attributes of the drop zone, already in the reader's language. No inline script:
 * the Content-Security-Policy allows scripts from this server only.
 */
(function () {
  "use strict";

  var ZONE = "upload-drop";
  var PICK = "upload-pick";
  var picker = null;

  function zone() {
    return document.getElementById(ZONE);
  }

  function setProps(id, props) {
    var dc = window.dash_clientside;
    if (dc && dc.set_props) {
      dc.set_props(id, props);
    }
  }

  function text(name, params) {
    var z = zone();
    var s = (z && z.dataset[name]) || "";
    Object.keys(params || {}).forEach(function (k) {
      s = s.split("{" + k + "}").join(params[k]);
    });
    return s;
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)_csrf_token=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function say(message, isError) {
    setProps("upload-transfer-msg", {
      children: message,
      className: "small mt-2 " + (isError ? "text-danger" : "text-muted"),
    });
  }

  function bar(percent, visible) {
    setProps("upload-transfer-bar", {
      value: percent,
      label: percent + " %",
      className: "mt-2" + (visible ? "" : " d-none"),
    });
  }

  function send(file) {
    var z = zone();
    if (!z || !file) {
      return;
    }
    var limit = Number(z.dataset.maxBytes || 0);
    if (limit && file.size > limit) {
      bar(0, false);
      say(text("msgTooLarge"), true);
      return;
    }
    // A new file: whatever was reviewed before can no longer be loaded.
    setProps("upload-load", { disabled: true });
    setProps("upload-review-state", { data: null });
    setProps("upload-review", { children: null });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", z.dataset.url || "/upload/file");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("X-Filename", encodeURIComponent(file.name));
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable && e.total) {
        bar(Math.floor((100 * e.loaded) / e.total), true);
      }
    };
    xhr.onload = function () {
      var body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch (_err) {
        body = {};
      }
      if (xhr.status === 200 && body.token) {
        bar(100, true);
        say(text("msgSent", { name: body.filename }), false);
        setProps("upload-token", {
          data: { token: body.token, filename: body.filename, size: body.size },
        });
      } else {
        bar(0, false);
        say(body.error || text("msgFailed"), true);
      }
    };
    xhr.onerror = function () {
      bar(0, false);
      say(text("msgFailed"), true);
    };
    bar(0, true);
    say(text("msgSending", { name: file.name }), false);
    xhr.send(file);
  }

  function pick() {
    var z = zone();
    if (!picker) {
      // Outside Dash's React tree, so no re-render can remove it.
      picker = document.createElement("input");
      picker.type = "file";
      picker.id = "upload-file-input";
      picker.style.display = "none";
      picker.addEventListener("change", function () {
        if (picker.files && picker.files.length) {
          send(picker.files[0]);
        }
        picker.value = "";
      });
      document.body.appendChild(picker);
    }
    picker.accept = (z && z.dataset.accept) || "";
    picker.click();
  }

  document.addEventListener("click", function (e) {
    var target = e.target && e.target.closest ? e.target.closest("#" + PICK) : null;
    if (target && zone()) {
      e.preventDefault();
      pick();
    }
  });

  function inZone(e) {
    var z = zone();
    return z && e.target instanceof Node && z.contains(e.target) ? z : null;
  }

  function highlight(z, on) {
    z.classList.toggle("border-primary", on);
    z.classList.toggle("bg-primary-subtle", on);
  }

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (e) {
      if (!zone()) {
        return;
      }
      // Anywhere on the upload page: a file dropped beside the zone must not open it.
      e.preventDefault();
      var z = inZone(e);
      if (z) {
        highlight(z, true);
      }
    });
  });

  document.addEventListener("dragleave", function (e) {
    var z = inZone(e);
    if (z && !(e.relatedTarget instanceof Node && z.contains(e.relatedTarget))) {
      highlight(z, false);
    }
  });

  document.addEventListener("drop", function (e) {
    if (!zone()) {
      return;
    }
    e.preventDefault();
    var z = inZone(e);
    if (!z) {
      return;
    }
    highlight(z, false);
    var files = e.dataTransfer && e.dataTransfer.files;
    if (files && files.length) {
      send(files[0]);
    }
  });
})();
