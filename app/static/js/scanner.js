// Camera scanning for the check-in page, with the browser's own BarcodeDetector (no library,
// nothing loaded from elsewhere). Where it is missing, the typed/handheld-scanner form remains.
(function () {
  "use strict";
  var box = document.querySelector("[data-camera]");
  var input = document.getElementById("code");
  if (!box || !input || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var start = box.querySelector("[data-camera-start]");
  var stop = box.querySelector("[data-camera-stop]");
  var video = box.querySelector("[data-camera-video]");
  var failure = box.querySelector("[data-camera-error]");
  var form = input.form;
  var stream = null;
  var lastCode = null;
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  box.hidden = false;

  function halt() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null; lastCode = null; video.hidden = true; stop.hidden = true; start.hidden = false;
    sessionStorage.removeItem("samla-camera");
  }

  function look() {
    if (!stream) { return; }
    detector.detect(video).then(function (codes) {
      if (codes.length && form.dataset.doorReady) {
        // door.js answers without a reload: send it, and keep looking for the next badge
        // (the same badge still in view is not sent twice in a row).
        if (codes[0].rawValue !== lastCode) {
          lastCode = codes[0].rawValue;
          input.value = lastCode;
          form.requestSubmit();
        }
        window.setTimeout(look, 600);
        return;
      }
      if (codes.length) {
        input.value = codes[0].rawValue;
        sessionStorage.setItem("samla-camera", "on");
        stream.getTracks().forEach(function (t) { t.stop(); });
        input.form.submit();
        return;
      }
      window.setTimeout(look, 150);
    }).catch(function () { window.setTimeout(look, 300); });
  }

  function begin() {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s; video.srcObject = s; video.hidden = false; stop.hidden = false; start.hidden = true;
      failure.hidden = true; video.play(); look();
    }).catch(function () { failure.hidden = false; halt(); });
  }

  start.addEventListener("click", begin);
  stop.addEventListener("click", function () { halt(); input.focus(); });
  // Without door.js, after a camera scan the page reloads with the result; keep the camera going for the next one.
  if (sessionStorage.getItem("samla-camera") === "on") { begin(); }
})();
