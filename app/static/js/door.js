// The door page without reloads: each scan (a handheld scanner types the code and Enter, the
// camera in scanner.js, or a person typing) goes to scan.json with fetch, and the answer is
// shown at once, large, with an optional beep and vibration. The undo form goes the same way.
// Without JavaScript the page is a plain form that reloads with the result.
// Each scan carries a nonce, the device's time and the list, so that sending it again (the
// offline queue of door_offline.js, after a lost answer) is answered as the first time. When
// the door was prepared for offline and Samla cannot be reached, door_offline.js decides.
(function () {
  "use strict";
  var form = document.querySelector("[data-scan-form]");
  var input = document.getElementById("code");
  var answerBox = document.querySelector("[data-scan-answer]");
  var progress = document.querySelector("[data-door-progress]");
  var texts = document.querySelector("[data-door-texts]");
  var feedback = document.querySelector("[data-door-feedback]");
  if (!form || !input || !answerBox || !progress || !texts || !feedback || !window.fetch) {
    return;
  }
  var csrf = form.querySelector("input[name=csrf_token]");
  var latest = 0;
  var SERVER_WAIT_MS = 5000;
  // How long an answer waits for the prepared door to store it (IndexedDB is quick; a stuck
  // database must not hold up the door).
  var LEARN_WAIT_MS = 1000;

  function text(name) {
    var node = texts.content.querySelector("[data-text=" + name + "]");
    return node ? node.textContent : "";
  }

  // Sound and vibration, each switched off by the user and remembered on this device.
  function setting(box, key) {
    if (!box) { return function () { return false; }; }
    box.checked = localStorage.getItem(key) !== "off";
    box.addEventListener("change", function () {
      localStorage.setItem(key, box.checked ? "on" : "off");
      input.focus();
    });
    return function () { return box.checked; };
  }
  var soundOn = setting(feedback.querySelector("[data-door-sound]"), "samla-door-sound");
  var vibrateOn = setting(feedback.querySelector("[data-door-vibrate]"), "samla-door-vibrate");
  feedback.hidden = false;

  var audio = null;
  function beep(outcome) {
    if (!soundOn()) { return; }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      // One high tone for "in", two low ones for anything that needs a look.
      var tones = outcome === "checked_in" ? [[880, 0, 0.15]] : [[220, 0, 0.2], [220, 0.3, 0.2]];
      tones.forEach(function (t) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = t[0];
        gain.gain.value = 0.2;
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + t[1]); osc.stop(audio.currentTime + t[1] + t[2]);
      });
    } catch (e) { /* no sound is no harm */ }
  }
  function buzz(outcome) {
    if (vibrateOn() && navigator.vibrate) {
      navigator.vibrate(outcome === "checked_in" ? 100 : [200, 100, 200]);
    }
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }

  function showCounts(data) {
    if (typeof data.checked_in !== "number") { return; }
    progress.textContent = text("progress").replace("999001", data.checked_in)
      .replace("999002", data.expected);
  }

  function undoForm(url) {
    var undo = el("form", "annul-form");
    undo.method = "post"; undo.action = url; undo.noValidate = true;
    var label = el("label", "", text("reason"));
    label.htmlFor = "reason";
    var row = el("div", "scan-row");
    var reason = el("input");
    reason.id = "reason"; reason.name = "reason"; reason.type = "text"; reason.maxLength = 200;
    reason.required = true;
    var button = el("button", "button danger", text("undo"));
    button.type = "submit";
    row.appendChild(reason); row.appendChild(button);
    undo.appendChild(label); undo.appendChild(row);
    undo.addEventListener("submit", annul);
    return undo;
  }

  function show(data, alertClass) {
    answerBox.textContent = "";
    var box = el("div", "scan-result " + alertClass);
    box.setAttribute("role", "alert");
    if (data.name) { box.appendChild(el("p", "scan-name", data.name)); }
    box.appendChild(el("p", "scan-status", (data.icon ? data.icon + " " : "") + data.status));
    if (data.detail) { box.appendChild(el("p", "", data.detail)); }
    if (data.note) { box.appendChild(el("p", "scan-note", data.note)); }
    answerBox.appendChild(box);
    if (data.annul_url) { answerBox.appendChild(undoForm(data.annul_url)); }
    showCounts(data);
  }

  function offline() {
    show({ status: text("offline"), icon: "✖" }, "scan-invalid");
    beep("offline"); buzz("offline");
  }

  // A failure to reach Samla (no answer, a gateway's 502-504, or no answer within `wait` ms)
  // rejects with error.network set; any other answer is read as JSON.
  function post(url, body, wait) {
    var headers = { "Accept": "application/json" };
    if (csrf) { headers["X-CSRFToken"] = csrf.value; }
    var options = { method: "POST", body: body, headers: headers, credentials: "same-origin" };
    var timer = null;
    if (wait && window.AbortController) {
      var controller = new AbortController();
      options.signal = controller.signal;
      timer = window.setTimeout(function () { controller.abort(); }, wait);
    }
    function unreachable() {
      var error = new Error("unreachable");
      error.network = true;
      throw error;
    }
    return fetch(url, options).then(function (response) {
      window.clearTimeout(timer);
      if (response.status >= 502 && response.status <= 504) { unreachable(); }
      return response.json();
    }, function () { window.clearTimeout(timer); unreachable(); });
  }

  function nonce() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); })
      .join("");
  }

  // Decided on this device (door_offline.js): shown like Samla's answer, marked as offline.
  function decideHere(offline, scan, mine) {
    return offline.decide(scan).then(function (data) {
      beep(data.outcome); buzz(data.outcome);
      if (mine === latest) { show(data, "scan-" + data.outcome); }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value;
    input.value = "";
    // After a camera scan (scanner.js) the keyboard would cover the video on a phone.
    if (!form.dataset.cameraOn) { input.focus(); }
    if (!code.trim()) { return; }
    // Badges scanned in quick succession are all sent; the screen shows the latest answer.
    var mine = ++latest;
    var scan = { code: code, nonce: nonce(), device_time: new Date().toISOString(),
                 list: form.dataset.list || "" };
    var here = window.samlaDoorOffline;
    if (here && here.decidesHere()) {
      decideHere(here, scan, mine).catch(offline);
      return;
    }
    var body = new FormData();
    Object.keys(scan).forEach(function (key) { body.append(key, scan[key]); });
    // A prepared door waits a few seconds for Samla, then decides itself.
    var wait = here && here.prepared() ? SERVER_WAIT_MS : 0;
    post(form.dataset.scanUrl || form.dataset.jsonUrl, body, wait).then(function (data) {
      // Shown once the prepared door has stored it, or after LEARN_WAIT_MS at the most.
      var learned = Promise.resolve(here && here.learn(scan, data));
      return Promise.race([learned, new Promise(function (done) {
        window.setTimeout(done, LEARN_WAIT_MS);
      })]).then(function () {
        beep(data.outcome); buzz(data.outcome);
        if (mine === latest) { show(data, "scan-" + data.outcome); }
      });
    }).catch(function (error) {
      if (error && error.network && here && here.prepared()) {
        here.unreachable();
        return decideHere(here, scan, mine);
      }
      throw error;
    }).catch(offline);
  });

  function annul(event) {
    event.preventDefault();
    var undo = event.target;
    var reason = undo.querySelector("[name=reason]");
    var button = undo.querySelector("button");
    if (button.disabled) { return; }
    button.disabled = true;  // a double tap sends one undo
    var body = new FormData();
    body.append("reason", reason.value);
    post(undo.action, body).then(function (data) {
      button.disabled = false;
      if (data.outcome === "annulled") {
        show({ status: data.status, checked_in: data.checked_in, expected: data.expected },
             "scan-annulled");
        input.focus();
      } else {
        var message = undo.querySelector(".field-errors") || el("p", "field-errors");
        message.textContent = data.message || data.error;
        message.setAttribute("role", "alert");
        undo.appendChild(message);
        showCounts(data);
        reason.focus();
      }
    }).catch(function () { button.disabled = false; offline(); });
  }

  // The undo form the page came with (after a scan without JavaScript) goes the same way.
  var first = answerBox.querySelector(".annul-form");
  if (first) { first.addEventListener("submit", annul); }
  window.samlaDoor = { showCounts: showCounts };
  form.dataset.doorReady = "1";
})();
