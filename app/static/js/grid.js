// The programme grid: drag an item to another time or room, drag its bottom edge to change its
// length, or do the same with the keyboard. Every text shown comes from the page (translated
// by the server); positions are set through the CSSOM, which the Content-Security-Policy allows.
// Without this script the grid is a list of items per room, each with its Edit link.
(function () {
  "use strict";
  var grid = document.querySelector("[data-grid]");
  if (!grid) { return; }
  var step = parseInt(grid.dataset.step, 10) || 5;
  var first = parseInt(grid.dataset.first, 10);
  var last = parseInt(grid.dataset.last, 10);
  var day = grid.dataset.day;
  var rows = Math.round((last - first) / step);
  var msg = grid.dataset;
  var status = document.querySelector("[data-grid-status]");
  var alertBox = document.querySelector("[data-grid-alert]");
  var alertText = alertBox.querySelector("[data-grid-alert-text]");
  var conflictList = alertBox.querySelector("[data-grid-conflicts]");
  var confirmButton = alertBox.querySelector("[data-grid-confirm]");
  var undoButton = alertBox.querySelector("[data-grid-undo]");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var columns = Array.prototype.slice.call(grid.querySelectorAll(".grid-col[data-room-id]"));
  var held = null;      // an item picked up with the keyboard
  var drag = null;      // an item being dragged with a pointer
  var pending = null;   // a move waiting for "Save anyway"

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }
  function hhmm(total) {
    var h = Math.floor(total / 60), m = total % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }
  function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }
  function say(text) { status.textContent = text; }

  function position(el, start, end) {
    var from = Math.floor((start - first) / step) + 1;
    var span = Math.max(1, Math.round((end - start) / step));
    el.style.gridRow = from + " / span " + span;
  }

  function columnOf(el) { return el.closest(".grid-col"); }

  function stateOf(el) {
    return {
      el: el, start: parseInt(el.dataset.startMin, 10), end: parseInt(el.dataset.endMin, 10),
      col: columnOf(el)
    };
  }

  function describe(state) {
    var values = {
      title: state.el.dataset.title, start: hhmm(state.start), end: hhmm(state.end),
      room: state.col.dataset.roomName
    };
    state.el.setAttribute("aria-label", fill(msg.msgLabel, values));
    state.el.querySelector("[data-grid-time]").textContent = values.start + "–" + values.end;
    return fill(msg.msgPosition, values);
  }

  // Show a state on screen (not stored until the server says so).
  function show(state, keepFocus) {
    var el = state.el;
    if (columnOf(el) !== state.col) {
      state.col.querySelector(".grid-slots").appendChild(el);
      if (keepFocus) { el.focus(); }
    }
    position(el, state.start, state.end);
    return describe(state);
  }

  function remember(state) {
    state.el.dataset.startMin = String(state.start);
    state.el.dataset.endMin = String(state.end);
  }

  function hideAlert() { alertBox.hidden = true; pending = null; conflictList.textContent = ""; }

  function send(state, original, confirm) {
    var room = state.col.dataset.roomId;
    say(msg.msgSaving);
    state.el.classList.add("is-saving");
    fetch(state.el.dataset.moveUrl, {
      method: "POST", credentials: "same-origin",
      headers: {
        "Content-Type": "application/json", "Accept": "application/json",
        "X-CSRFToken": tokenMeta ? tokenMeta.content : ""
      },
      body: JSON.stringify({
        day: day, start: hhmm(state.start), end: hhmm(state.end),
        room_id: room ? parseInt(room, 10) : null, confirm_overlap: !!confirm
      })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { code: response.status, body: body };
      });
    }).then(function (result) {
      state.el.classList.remove("is-saving");
      var body = result.body || {};
      if (result.code === 200 && body.item) {
        hideAlert();
        var parts = body.item.start.split(":"), ends = body.item.end.split(":");
        state.start = parseInt(parts[0], 10) * 60 + parseInt(parts[1], 10);
        state.end = parseInt(ends[0], 10) * 60 + parseInt(ends[1], 10);
        show(state, document.activeElement === state.el);
        remember(state);
        state.el.classList.remove("has-clash-pending");
        say(body.message || "");
      } else if (result.code === 409) {
        pending = { state: state, original: original };
        alertText.textContent = body.message || "";
        conflictList.textContent = "";
        (body.conflicts || []).forEach(function (text) {
          var li = document.createElement("li");
          li.textContent = text;
          conflictList.appendChild(li);
        });
        state.el.classList.add("has-clash-pending");
        alertBox.hidden = false;
        say("");
        confirmButton.focus();
      } else {
        hideAlert();
        show(original, document.activeElement === state.el);
        say(body.message || msg.msgFailed);
      }
    }).catch(function () {
      state.el.classList.remove("is-saving");
      hideAlert();
      show(original, document.activeElement === state.el);
      say(msg.msgFailed);
    });
  }

  confirmButton.addEventListener("click", function () {
    if (!pending) { return; }
    var move = pending;
    alertBox.hidden = true;
    pending = null;
    move.state.el.classList.remove("has-clash-pending");
    send(move.state, move.original, true);
    move.state.el.focus();
  });
  undoButton.addEventListener("click", function () {
    if (!pending) { return; }
    var move = pending;
    hideAlert();
    move.state.el.classList.remove("has-clash-pending");
    show(move.original, false);
    move.original.el.focus();
    say(msg.msgCancelled);
  });

  // --- the keyboard ---------------------------------------------------------------------------

  function grab(el) {
    if (pending) { undoButton.click(); }
    held = { original: stateOf(el), state: stateOf(el) };
    el.classList.add("is-grabbed");
    say(fill(msg.msgGrabbed, { title: el.dataset.title }));
  }

  function release() {
    var move = held;
    held = null;
    move.state.el.classList.remove("is-grabbed");
    return move;
  }

  function drop() {
    var move = release();
    var s = move.state, o = move.original;
    if (s.start === o.start && s.end === o.end && s.col === o.col) {
      say(msg.msgCancelled);
      return;
    }
    send(s, o, false);
  }

  function cancel() {
    var move = release();
    show(move.original, true);
    say(msg.msgCancelled);
  }

  grid.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.classList || !el.classList.contains("grid-item")) { return; }
    var key = event.key;
    if (key === "Enter" || key === " " || key === "Spacebar") {
      event.preventDefault();
      if (held && held.state.el === el) { drop(); return; }
      if (held) { cancel(); }
      grab(el);
      return;
    }
    if (!held || held.state.el !== el) { return; }
    var s = held.state, length = s.end - s.start;
    if (key === "Escape" || key === "Esc") {
      event.preventDefault();
      cancel();
      return;
    }
    if (key === "ArrowUp" || key === "ArrowDown") {
      var delta = key === "ArrowUp" ? -step : step;
      if (event.shiftKey) {
        s.end = clamp(s.end + delta, s.start + step, last);
      } else {
        s.start = clamp(s.start + delta, first, last - length);
        s.end = s.start + length;
      }
    } else if (key === "ArrowLeft" || key === "ArrowRight") {
      var index = columns.indexOf(s.col) + (key === "ArrowLeft" ? -1 : 1);
      s.col = columns[clamp(index, 0, columns.length - 1)];
    } else {
      return;
    }
    event.preventDefault();
    say(show(s, true));
  });

  // --- the pointer ----------------------------------------------------------------------------

  function columnAt(x) {
    for (var i = 0; i < columns.length; i += 1) {
      var box = columns[i].getBoundingClientRect();
      if (x >= box.left && x < box.right) { return columns[i]; }
    }
    return null;
  }

  grid.addEventListener("pointerdown", function (event) {
    if (event.button !== 0 || held) { return; }
    var el = event.target.closest(".grid-item");
    if (!el || event.target.closest("a")) { return; }
    event.preventDefault();
    el.focus();
    if (pending) { undoButton.click(); }
    var slots = columnOf(el).querySelector(".grid-slots");
    drag = {
      original: stateOf(el), state: stateOf(el), x: event.clientX, y: event.clientY,
      resize: !!event.target.closest("[data-grid-resize]"), moved: false,
      rowHeight: slots.getBoundingClientRect().height / rows
    };
    el.classList.add("is-dragging");
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var s = drag.state, o = drag.original;
    var dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dy) < 4 && Math.abs(event.clientX - drag.x) < 4) { return; }
    drag.moved = true;
    event.preventDefault();
    var steps = Math.round(dy / drag.rowHeight);
    if (drag.resize) {
      s.end = clamp(o.end + steps * step, o.start + step, last);
    } else {
      var length = o.end - o.start;
      s.start = clamp(o.start + steps * step, first, last - length);
      s.end = s.start + length;
      s.col = columnAt(event.clientX) || s.col;
    }
    show(s, true);
  });

  function endDrag(event) {
    if (!drag) { return; }
    var move = drag;
    drag = null;
    move.state.el.classList.remove("is-dragging");
    if (!move.moved) { return; }
    var s = move.state, o = move.original;
    if (event.type === "pointercancel") { show(o, true); return; }
    if (s.start === o.start && s.end === o.end && s.col === o.col) { return; }
    send(s, o, false);
  }
  document.addEventListener("pointerup", endDrag);
  document.addEventListener("pointercancel", endDrag);

  // --- lay the grid out -----------------------------------------------------------------------

  grid.style.setProperty("--rows", String(rows));
  grid.style.setProperty("--step", String(step));
  grid.style.setProperty("--cols", String(columns.length));
  Array.prototype.forEach.call(grid.querySelectorAll("[data-start-min]"), function (el) {
    position(el, parseInt(el.dataset.startMin, 10), parseInt(el.dataset.endMin, 10));
  });
  grid.classList.add("grid-live");
})();
