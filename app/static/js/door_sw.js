// The offline door's service worker, served at /checkin/service-worker.js with
// Service-Worker-Allowed: / so that its scope covers both the door page (/checkin/<slug>) and a
// door device's link (/door/<token>). Registered by "Prepare this door" (door_offline.js),
// which also fills the event's cache with the door page and every file it needs.
//
// Network first, always: the door page, its JSON reads and the static files come from Samla
// while it answers (and a kept copy is refreshed); from the cache when the network is down, or
// a kept door page after a few seconds without an answer. Nothing else is touched: other
// pages, and every POST (a scan, an upload), go to the network as without a worker.
/* global importScripts, samlaDoorStore */
importScripts("../static/vendor/idb/idb.js", "../static/js/door_store.js");

(function () {
  "use strict";
  var BASE = new URL("../", self.location).pathname;  // where Samla is mounted, "/" mostly
  var STATIC = BASE + "static/";
  var CHECKIN = BASE + "checkin/";
  var DOOR_LINK = BASE + "door/";
  var SLOW_PAGE_MS = 4000;
  var WIPE_CHECK_MS = 10 * 60 * 1000;
  var lastWipeCheck = 0;

  // The events whose wipe_after has passed lose everything; with no door left the worker goes.
  function wipeExpired() {
    lastWipeCheck = Date.now();
    return samlaDoorStore.wipeExpired(Date.now()).then(function () {
      return samlaDoorStore.allDoors();
    }).then(function (doors) {
      if (!doors.length) { return self.registration.unregister(); }
    }).catch(function () { /* a wipe checked again at the next page */ });
  }

  self.addEventListener("install", function () { self.skipWaiting(); });
  self.addEventListener("activate", function (event) {
    event.waitUntil(self.clients.claim().then(wipeExpired));
  });

  // The kept copy of a request in any door's cache, and that cache.
  function kept(request) {
    return caches.keys().then(function (names) {
      var ours = names.filter(function (name) {
        return name.indexOf(samlaDoorStore.CACHE_PREFIX) === 0;
      });
      return ours.reduce(function (found, name) {
        return found.then(function (hit) {
          if (hit) { return hit; }
          return caches.open(name).then(function (cache) {
            return cache.match(request, { ignoreVary: true }).then(function (response) {
              return response ? { cache: cache, response: response } : null;
            });
          });
        });
      }, Promise.resolve(null));
    });
  }

  function networkFirst(request, fallback) {
    var copy = kept(request);
    var network = fetch(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var fresh = response.clone();
        copy.then(function (hit) { if (hit) { return hit.cache.put(request, fresh); } });
      }
      return response;
    });
    var waited = new Promise(function (resolve) {
      if (request.mode !== "navigate") { return; }
      setTimeout(resolve, SLOW_PAGE_MS);
    }).then(function () {
      return copy.then(function (hit) { return hit ? hit.response : network; });
    });
    return Promise.race([network, waited]).catch(function () {
      return copy.then(function (hit) {
        if (hit) { return hit.response; }
        return fallback ? fallback() : Response.error();
      });
    });
  }

  // A door device's link (/door/<token>) opened offline: the door page prepared on this device.
  function preparedDoor() {
    return kept(new Request(DOOR_LINK)).then(function (hit) {
      return hit ? hit.response : Response.error();
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET") { return; }
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) { return; }
    var path = url.pathname;
    if (request.mode === "navigate" && Date.now() - lastWipeCheck > WIPE_CHECK_MS) {
      event.waitUntil(wipeExpired());
    }
    if (path.indexOf(DOOR_LINK) === 0 && request.mode === "navigate") {
      event.respondWith(networkFirst(request, preparedDoor));
    } else if (path.indexOf(STATIC) === 0 || path.indexOf(CHECKIN) === 0) {
      event.respondWith(networkFirst(request));
    }
  });
})();
