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
  var facing = "environment";
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
    sessionStorage.setItem("samla-camera", facing);
    stopTracks();
    form.submit();
  }

  function look() {
    if (!stream) { return; }
    if (video.readyState < 2) { window.setTimeout(look, 100); return; }
    detector.detect(video).then(function (codes) {
      codes.forEach(function (found) {
        if (found.rawValue && fresh(found.rawValue)) { send(found.rawValue); }
      });
      window.setTimeout(look, 150);
    }).catch(function () { window.setTimeout(look, 300); });
  }

  function stopTracks() {
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

  function offerSwitch() {
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      var cameras = devices.filter(function (d) { return d.kind === "videoinput"; });
      flip.hidden = cameras.length < 2;
    }).catch(function () { flip.hidden = true; });
  }

  function begin() {
    stopTracks();
    failure.hidden = true;
    Promise.all([
      makeDetector(),
      navigator.mediaDevices.getUserMedia({ video: { facingMode: facing }, audio: false })
    ]).then(function (both) {
      stream = both[1];
      video.srcObject = stream; video.hidden = false; stop.hidden = false; start.hidden = true;
      video.play();
      offerTorch(); offerSwitch(); look();
    }).catch(function () { halt(); failure.hidden = false; });
  }

  start.addEventListener("click", begin);
  stop.addEventListener("click", function () { halt(); input.focus(); });
  flip.addEventListener("click", function () {
    facing = facing === "environment" ? "user" : "environment";
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
  var again = sessionStorage.getItem("samla-camera");
  if (again) { facing = again === "user" ? "user" : "environment"; begin(); }
})();
