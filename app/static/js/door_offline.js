// The door when the network drops. "Prepare this door" downloads what the door needs to decide
// alone (sync.json: each badge by the SHA-256 of its code, name, ticket, status, whether it may
// enter this list and is checked in), keeps it in IndexedDB (door_store.js) and registers the
// service worker (door_sw.js) with the door page and its files in a cache, so the page also
// reloads without a network.
//
// door.js asks window.samlaDoorOffline to decide a scan when the scan cannot reach Samla (a
// network error or timeout, no HTTP answer) or the browser says it is offline: the badge is
// looked up by its digest, answered like online, marked checked in here and queued with its
// nonce, the device's time and the list. Back online (the online event, and a retry every
// 15 s) the queue goes to upload.json in batches of 500; only what the server answered leaves
// the queue, and a repeated nonce is answered as the first time, so a lost answer costs
// nothing. The banner (role=status) says offline, how many scans wait and the last sync.
//
// Everything kept for the event is deleted after its wipe_after, when the server refuses the
// door (401/403, or a redirect to the login page), and with "Forget this door"; the logout's
// Clear-Site-Data header deletes it too.
(function () {
  "use strict";
  var section = document.querySelector("[data-door-offline]");
  var form = document.querySelector("[data-scan-form]");
  var store = window.samlaDoorStore;
  if (!section || !form || !store || !window.idb || !window.isSecureContext ||
      !("serviceWorker" in navigator) || !window.indexedDB || !window.caches ||
      !window.crypto || !window.crypto.subtle || !form.dataset.syncUrl) {
    return;
  }
  var event = form.dataset.event;
  var list = form.dataset.list || "";
  var texts = section.querySelector("[data-offline-texts]");
  var banner = document.querySelector("[data-offline-banner]");
  var stateLine = section.querySelector("[data-offline-state]");
  var prepareButton = section.querySelector("[data-offline-prepare]");
  var forgetButton = section.querySelector("[data-offline-forget]");  // a door account's
  var leaveForm = document.querySelector("[data-offline-leave]");     // a door device's
  var RETRY_MS = 15000;
  var RESYNC_MS = 5 * 60 * 1000;
  var BATCH = 500;
  var failures = 0;    // uploads in a row that got no answer
  var retry = null;
  var lang = document.documentElement.lang || "sv";
  var clock = new Intl.DateTimeFormat(lang, {
    hour: "2-digit", minute: "2-digit", timeZone: section.dataset.timezone || undefined
  });
  var number = new Intl.NumberFormat(lang);

  var state = {
    door: null,          // the doors row of this event and list, once prepared
    queued: 0,           // scans of this event waiting for the server
    unreachable: false,  // the last request to Samla got no answer
    uploading: false,
    note: ""             // the last thing to say about preparing, sending or forgetting
  };

  function text(name) {
    var node = texts.content.querySelector("[data-text='" + name + "']");
    return node ? node.textContent : "";
  }

  function fill(template, values) {
    return Object.keys(values).reduce(function (result, key) {
      return result.split("{" + key + "}").join(values[key]);
    }, template);
  }

  function time(iso) { return iso ? clock.format(new Date(iso)) : ""; }

  function offline() { return !navigator.onLine || state.unreachable; }

  function render() {
    var door = state.door;
    section.hidden = false;
    if (forgetButton) { forgetButton.hidden = !door; }
    var line = door ? fill(text(door.badges === 1 ? "prepared-one" : "prepared-other"),
                           { time: time(door.synced_at), count: number.format(door.badges) })
                    : text("not-prepared");
    stateLine.textContent = state.note ? line + " " + state.note : line;
    var parts = [];
    if (door && (offline() || state.queued)) {
      parts.push(offline() ? text("offline") : text("sending"));
      parts.push(fill(text(state.queued === 1 ? "queued-one" : "queued-other"),
                      { count: number.format(state.queued) }));
      parts.push(fill(text("synced"), { time: time(door.synced_at) }));
    }
    banner.textContent = parts.join(" – ");
    banner.classList.toggle("door-banner-offline", !!door && offline());
  }

  function refresh() {
    return Promise.all([store.getDoor(event, list), store.countQueued(event)])
      .then(function (found) {
        state.door = found[0] || null;
        state.queued = found[1];
        render();
      });
  }

  function csrfToken() {
    var field = form.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  // A page kept for hours may carry an expired CSRF token: read a fresh one off the door page.
  function freshCsrfToken() {
    return fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var field = page.querySelector("input[name=csrf_token]");
        if (!field) { return; }
        document.querySelectorAll("input[name=csrf_token]").forEach(function (input) {
          input.value = field.value;
        });
      });
  }

  // A refusal of the door itself: logged out (the login page's redirect), revoked, expired.
  function refused(response) {
    return response.type === "opaqueredirect" || response.status === 401 ||
      response.status === 403;
  }

  function unreachable() {
    state.unreachable = true;
    render();
    var error = new Error("unreachable");
    error.network = true;
    throw error;
  }

  function reached() {
    if (state.unreachable) { state.unreachable = false; render(); }
  }

  function request(url, options) {
    return fetch(url, Object.assign({ credentials: "same-origin", redirect: "manual" }, options))
      .then(function (response) {
        if (response.status >= 502 && response.status <= 504) { return unreachable(); }
        reached();
        return response;
      }, unreachable);
  }

  // With no door kept on this device the service worker has nothing to serve.
  function dropWorkerIfIdle() {
    return store.allDoors().then(function (doors) {
      if (doors.length) { return; }
      return navigator.serviceWorker.getRegistrations().then(function (registrations) {
        return Promise.all(registrations.map(function (registration) {
          var script = registration.active || registration.waiting || registration.installing;
          if (script && script.scriptURL.indexOf(section.dataset.swUrl) !== -1) {
            return registration.unregister();
          }
        }));
      });
    });
  }

  var forgotten = 0;  // counts forgets: a sync still on its way then is not stored

  function forget(note) {
    forgotten += 1;
    return store.wipeEvent(event).then(dropWorkerIfIdle).then(function () {
      state.note = note;
      return refresh();
    });
  }

  function sync() {
    var asked = forgotten;
    return request(form.dataset.syncUrl, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (refused(response)) {
          return forget(text("refused")).then(function () { return null; });
        }
        if (!response.ok) { throw new Error("sync " + response.status); }
        return response.json().then(function (data) {
          if (Date.parse(data.wipe_after) < Date.now()) {
            return forget(text("event-over")).then(function () { return null; });
          }
          return asked === forgotten ? store.saveSync(event, list, data) : null;
        });
      });
  }

  // The door page and every file it needs, for the service worker to answer with offline.
  function keepPage() {
    var assets = JSON.parse(section.dataset.assets || "[]");
    document.querySelectorAll("script[src], link[href][rel~=stylesheet], link[href][rel~=icon]")
      .forEach(function (node) {
        var url = new URL(node.src || node.href, window.location.href);
        if (url.origin === window.location.origin && assets.indexOf(url.pathname) === -1) {
          assets.push(url.pathname);
        }
      });
    var pages = [window.location.href];
    return navigator.serviceWorker.register(section.dataset.swUrl,
                                            { scope: section.dataset.swScope })
      .then(function () { return caches.open(store.cacheName(event)); })
      .then(function (cache) {
        return cache.addAll(pages.concat(assets)).then(function () {
          // A door device's link (/door/<token>) opened offline leads to this page.
          return cache.put(section.dataset.doorLink, Response.redirect(window.location.href, 303));
        });
      });
  }

  function prepare() {
    prepareButton.disabled = true;
    state.note = text("preparing");
    render();
    return sync().then(function (door) {
      if (!door) { return; }
      return keepPage().then(function () {
        state.note = text("prepared-now");
      });
    }).catch(function () {
      state.note = text("prepare-failed");
    }).then(function () {
      prepareButton.disabled = false;
      return refresh();
    });
  }

  function upload() {
    if (state.uploading || !state.door) { return Promise.resolve(); }
    state.uploading = true;
    var conflicts = 0;
    var sent = 0;
    var retriedToken = false;

    function next() {
      return store.queued(event, BATCH).then(function (batch) {
        if (!batch.length) { return true; }
        var body = JSON.stringify({ scans: batch.map(function (scan) {
          return { code: scan.code, nonce: scan.nonce, device_time: scan.device_time,
                   list: scan.list, offline_outcome: scan.offline_outcome };
        }) });
        return request(form.dataset.uploadUrl, {
          method: "POST", body: body,
          headers: { "Content-Type": "application/json", Accept: "application/json",
                     "X-CSRFToken": csrfToken() }
        }).then(function (response) {
          if (refused(response)) {
            return forget(text("refused")).then(function () { return false; });
          }
          if (response.status === 400 && !retriedToken) {
            retriedToken = true;
            return freshCsrfToken().then(next);
          }
          if (!response.ok) { return false; }  // busy (429) or failing: the retry comes later
          return response.json().then(function (data) {
            // One result per scan, each naming its nonce (a scan first sent online too).
            var answered = [];
            (data.results || []).forEach(function (result) {
              if (result.nonce) { answered.push({ nonce: result.nonce, conflict: !!result.conflict }); }
            });
            answered.forEach(function (result) { if (result.conflict) { conflicts += 1; } });
            sent += answered.length;
            if (window.samlaDoor && typeof data.checked_in === "number") {
              window.samlaDoor.showCounts(data);
            }
            return store.unqueue(answered.map(function (result) { return result.nonce; }))
              .then(refresh)
              .then(function () { return answered.length ? next() : false; });
          });
        });
      });
    }

    return next().then(function (emptied) {
      if (sent) {
        state.note = fill(text(conflicts ? "sent-conflicts" : "sent"),
                          { count: number.format(sent), conflicts: number.format(conflicts) });
      }
      // Everything sent: what the other doors did since comes down with a fresh sync.
      if (emptied && sent) { return sync(); }
    }).then(function () {
      failures = 0;
    }, function () {
      // No answer: the queue waits, and is tried again soon (1, 2, 4, 8 s, then every 15 s).
      failures += 1;
      window.clearTimeout(retry);
      retry = window.setTimeout(function () {
        if (navigator.onLine) { upload(); }
      }, Math.min(RETRY_MS, 500 * Math.pow(2, failures)));
    }).then(function () {
      state.uploading = false;
      return refresh();
    });
  }

  function digest(token) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))
      .then(function (buffer) {
        return Array.prototype.map.call(new Uint8Array(buffer), function (byte) {
          return ("0" + byte.toString(16)).slice(-2);
        }).join("");
      });
  }

  // app/tokens.py: normalise_badge_input and BADGE_TOKEN_RE.
  function normalise(code) { return (code || "").replace(/[\s-]/g, "").toUpperCase(); }
  var BADGE = /^[A-Z2-7]{26}$/;

  // Whatever a scanner or a camera sent, as upload.json takes it (one line, at most 200
  // characters): one odd scan must not hold back the queue behind it.
  function uploadable(code) {
    var line = (code || "").replace(/[\u0000-\u001f\u007f-\u009f]/g, "").trim().slice(0, 200);
    return line || "?";
  }

  // One scan decided here, as Samla would: the answer has door.js's shape.
  function decide(scan) {
    var token = normalise(scan.code);
    var valid = BADGE.test(token);
    return (valid ? digest(token) : Promise.resolve(null)).then(function (hash) {
      return store.decideAndQueue(event, list, hash, {
        nonce: scan.nonce, code: valid ? token : uploadable(scan.code),
        device_time: scan.device_time
      }, function (badge) {
        if (!valid) { return "invalid"; }
        if (!badge) { return "unknown"; }
        if (badge.status !== "confirmed") { return "cancelled"; }
        if (!badge.entitled) { return "not_entitled"; }
        return badge.checked_in ? "already" : "checked_in";
      });
    }).then(function (result) {
      var badge = result.badge;
      var outcome = result.outcome;
      var answer = {
        outcome: outcome, status: text("status-" + outcome),
        icon: outcome === "checked_in" ? "✔" : outcome === "already" ? "⚠" : "✖",
        name: badge && badge.name, offline: true, note: text("decided-here")
      };
      if (outcome === "checked_in") {
        answer.detail = [badge.organisation, badge.ticket_type].filter(Boolean).join(" · ");
      } else if (outcome === "already") {
        answer.detail = badge.local_at ? fill(text("already-here"), { time: time(badge.local_at) })
                                       : text("already-before");
      } else {
        answer.detail = text("detail-" + outcome);
      }
      if (result.door) {
        answer.checked_in = result.door.checked_in;
        answer.expected = result.door.expected;
      }
      state.queued += 1;
      render();
      return answer;
    });
  }

  // An answer from Samla online: a badge now checked in is remembered for the next outage.
  // door.js shows the answer once this is done (a few milliseconds), so a reload or an outage
  // right after the answer cannot find the door without it.
  function learn(scan, data) {
    reached();
    if (!state.door || (data.outcome !== "checked_in" && data.outcome !== "already")) {
      return Promise.resolve();
    }
    var token = normalise(scan.code);
    if (!BADGE.test(token)) { return Promise.resolve(); }
    return digest(token).then(function (hash) {
      return store.markCheckedIn(event, list, hash, data);
    }).catch(function () {});
  }

  window.samlaDoorOffline = {
    // Prepared, and no network: door.js does not even try the server.
    decidesHere: function () { return !!state.door && offline(); },
    prepared: function () { return !!state.door; },
    decide: decide,
    learn: learn,
    unreachable: function () { state.unreachable = true; render(); },
    upload: upload,
    sync: sync
  };

  prepareButton.addEventListener("click", prepare);
  // Scans that never reached the server are lost with the door: asked first.
  function mayForget() {
    return !state.queued || window.confirm(fill(
      text(state.queued === 1 ? "forget-queued-one" : "forget-queued-other"),
      { count: number.format(state.queued) }));
  }
  if (forgetButton) {
    forgetButton.addEventListener("click", function () {
      if (mayForget()) { forget(text("forgotten")); }
    });
  }
  if (leaveForm) {
    leaveForm.addEventListener("submit", function (submitted) {
      submitted.preventDefault();
      if (!mayForget()) { return; }
      // The server's Clear-Site-Data deletes it too; done here first, it cannot be missed.
      // A wipe held up (another tab keeps the database open) does not keep the phone a door.
      var left = false;
      var leave = function () { if (!left) { left = true; leaveForm.submit(); } };
      forget(text("forgotten")).catch(function () {}).then(leave);
      window.setTimeout(leave, 2000);
    });
  }
  window.addEventListener("online", function () { render(); upload(); });
  window.addEventListener("offline", render);

  var lastSync = 0;
  function tick() {
    store.wipeExpired(Date.now()).then(dropWorkerIfIdle).then(refresh).then(function () {
      if (!state.door || !navigator.onLine) { return; }
      if (state.queued) { return upload(); }
      var synced = Math.max(lastSync, Date.parse(state.door.synced_at) || 0);
      if (state.unreachable || Date.now() - synced > RESYNC_MS) {
        lastSync = Date.now();
        return sync().then(refresh);
      }
    }).catch(function () {});
  }

  refresh().then(function () {
    if (state.door) {
      // Keep the worker and the kept page fresh while the network is there.
      navigator.serviceWorker.register(section.dataset.swUrl, { scope: section.dataset.swScope })
        .catch(function () {});
    }
    tick();
    window.setInterval(tick, RETRY_MS);
    section.dataset.offlineReady = "1";
  });
})();
