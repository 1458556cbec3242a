// Camera scanning for the check-in page on any current phone browser. The browser's own
// BarcodeDetector where it has one; elsewhere (Safari on iPhone, Firefox) the QR decoder Samla
// serves from /static/vendor (ZXing as WebAssembly; nothing is loaded from another host).
// The camera keeps looking: each badge goes to door.js, and one held in view is sent once.
(function () {
  "use strict";
  var box = document.querySelector("[data-camera]");
  var input = document.getElementById("code");
  if (!box || !input || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  var start = box.querySelector("[data-camera-start]");
  var stop = box.querySelector("[data-camera-stop]");
  var flip = box.querySelector("[data-camera-switch]");
  var torch = box.querySelector("[data-camera-torch]");
  var video = box.querySelector("[data-camera-video]");
  var failure = box.querySelector("[data-camera-error]");
  var form = input.form;
  var vendor = box.dataset.cameraVendor;
  var COOL_DOWN_MS = 3000;
  var stream = null;
  var detector = null;
  var cameras = [];      // deviceIds, once the browser has said which cameras there are
  var chosen = null;     // the deviceId picked with "switch camera"; at first the back camera
  var round = 0;         // each start of the camera; an older round's loop stops
  var torchOn = false;
  var sent = {};  // code -> when it was last sent
  box.hidden = false;

  function makeDetector() {
    if (detector) { return Promise.resolve(detector); }
    if ("BarcodeDetector" in window) {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return Promise.resolve(detector);
    }
    return import(vendor + "ponyfill.js").then(function (zxing) {
      zxing.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return path.endsWith(".wasm") ? vendor + path : prefix + path;
          }
        }
      });
      detector = new zxing.BarcodeDetector({ formats: ["qr_code"] });
      return detector;
    });
  }

  // The same code within the cool-down is the same badge still in view: not sent again.
  function fresh(code) {
    var now = Date.now();
    var last = sent[code];
    sent[code] = now;
    return !last || now - last > COOL_DOWN_MS;
  }

  function send(code) {
    input.value = code;
    if (form.dataset.doorReady) {
      form.requestSubmit();  // door.js sends it with fetch; the camera keeps going
      return;
    }
    // Without door.js the page reloads with the answer; the camera starts again after it.
    sessionStorage.setItem("samla-camera", chosen || "on");
    stopTracks();
    form.submit();
  }

  function look(mine) {
    function next(ms) { window.setTimeout(function () { look(mine); }, ms); }
    if (!stream || mine !== round) { return; }
    if (video.readyState < 2) { next(100); return; }
    detector.detect(video).then(function (codes) {
      if (mine !== round) { return; }
      codes.forEach(function (found) {
        if (found.rawValue && fresh(found.rawValue)) { send(found.rawValue); }
      });
      next(150);
    }).catch(function () { next(300); });
  }

  function stopTracks() {
    round += 1;
    delete form.dataset.cameraOn;
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
  }

  function halt() {
    stopTracks();
    video.hidden = true; stop.hidden = true; flip.hidden = true; torch.hidden = true;
    start.hidden = false; torchOn = false;
    sessionStorage.removeItem("samla-camera");
  }

  function offerTorch() {
    var track = stream.getVideoTracks()[0];
    var can = track && track.getCapabilities && track.getCapabilities();
    torch.hidden = !(can && can.torch);
    torch.setAttribute("aria-pressed", "false");
    torchOn = false;
  }

  // Device labels and ids are only known once the camera is allowed, so asked after it starts.
  function offerSwitch() {
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      cameras = devices.filter(function (d) { return d.kind === "videoinput" && d.deviceId; })
        .map(function (d) { return d.deviceId; });
      flip.hidden = cameras.length < 2;
    }).catch(function () { flip.hidden = true; });
  }

  function nextCamera() {
    var track = stream && stream.getVideoTracks()[0];
    var now = track && track.getSettings ? track.getSettings().deviceId : chosen;
    return cameras[(cameras.indexOf(now) + 1) % cameras.length];
  }

  function begin() {
    stopTracks();
    failure.hidden = true;
    var mine = round;
    var wanted = chosen ? { deviceId: { exact: chosen } } : { facingMode: "environment" };
    Promise.all([
      makeDetector(),
      navigator.mediaDevices.getUserMedia({ video: wanted, audio: false })
    ]).then(function (both) {
      if (mine !== round) { both[1].getTracks().forEach(function (t) { t.stop(); }); return; }
      stream = both[1];
      form.dataset.cameraOn = "1";  // door.js then leaves the keyboard closed after each scan
      video.srcObject = stream; video.hidden = false; stop.hidden = false; start.hidden = true;
      video.play();
      offerTorch(); offerSwitch(); look(mine);
    }).catch(function () {
      if (mine !== round) { return; }
      if (chosen) { chosen = null; }  // that camera is gone: the default one next time
      halt(); failure.hidden = false;
    });
  }

  start.addEventListener("click", begin);
  stop.addEventListener("click", function () { halt(); input.focus(); });
  flip.addEventListener("click", function () {
    chosen = nextCamera() || null;
    begin();
  });
  torch.addEventListener("click", function () {
    var track = stream && stream.getVideoTracks()[0];
    if (!track) { return; }
    var want = !torchOn;
    track.applyConstraints({ advanced: [{ torch: want }] }).then(function () {
      torchOn = want;
      torch.setAttribute("aria-pressed", want ? "true" : "false");
    }).catch(function () { torch.hidden = true; });
  });
  // Without door.js, after a camera scan the page reloads with the answer: the same camera
  // starts again for the next badge.
  var again = sessionStorage.getItem("samla-camera");
  if (again) { chosen = again === "on" ? null : again; begin(); }
})();
