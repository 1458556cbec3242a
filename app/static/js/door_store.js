// What a prepared door keeps on the device, shared by the door page (door_offline.js) and the
// service worker (door_sw.js): one IndexedDB database, through idb (vendor/idb/idb.js), and one
// Cache Storage cache per event for the door page and the files it needs.
//
//   doors   one row per event and check-in list: when it was synced, until when it may be kept
//           (wipe_after), the counts, how many badges
//   badges  the sync's registrations, by the SHA-256 of the badge code (never the code), with
//           whether they are checked in (by the server, or on this device while offline)
//   queue   the scans decided on this device, each with its nonce, until the server answered
//
// Everything of an event goes at once: after wipe_after, when the server refuses the device
// (401/403), with "Forget this door", or by the Clear-Site-Data header of the logout.
(function (root) {
  "use strict";
  var DB_NAME = "samla-door";
  var CACHE_PREFIX = "samla-door-";

  // One connection per page or worker, closed when another one deletes the database.
  var connection = null;

  function open() {
    if (!connection) {
      connection = root.idb.openDB(DB_NAME, 1, {
        upgrade: function (db) {
          db.createObjectStore("doors", { keyPath: "id" }).createIndex("event", "event");
          db.createObjectStore("badges", { keyPath: ["door", "badge_sha256"] });
          var queue = db.createObjectStore("queue", { keyPath: "nonce" });
        queue.createIndex("event", "event");
        // Sent in the order the scans were made: the server takes the first as the check-in.
        queue.createIndex("order", ["event", "device_time", "nonce"]);
        },
        blocking: close,
        terminated: function () { connection = null; }
      });
    }
    return connection;
  }

  // Reading makes no database: a door never prepared (or just forgotten) keeps nothing at all.
  function openIfThere() {
    if (connection || !root.indexedDB.databases) { return open(); }
    return root.indexedDB.databases().then(function (names) {
      var there = names.some(function (known) { return known.name === DB_NAME; });
      return there ? open() : null;
    });
  }

  function close() {
    var closing = connection;
    connection = null;
    if (closing) { closing.then(function (db) { db.close(); }, function () {}); }
  }

  function doorId(event, list) { return event + "\n" + (list || ""); }

  function badgesOf(door) {
    // Every [door, digest] key: digests are lower-case hex, all below "~".
    return IDBKeyRange.bound([door, ""], [door, "~"]);
  }

  function cacheName(event) { return CACHE_PREFIX + event; }

  // A new sync replaces the door's badges. Scans still queued here keep their check-ins: the
  // server has not heard of them yet.
  function saveSync(event, list, data) {
    var id = doorId(event, list);
    return open().then(function (db) {
      var tx = db.transaction(["doors", "badges", "queue"], "readwrite");
      var badges = tx.objectStore("badges");
      var door = {
        id: id, event: event, list: list || "",
        list_name: data.list && data.list.name || "",
        generated_at: data.generated_at, wipe_after: data.wipe_after,
        synced_at: new Date().toISOString(),
        checked_in: data.checked_in, expected: data.expected,
        badges: data.registrations.length
      };
      var work = [badges.delete(badgesOf(id))];
      data.registrations.forEach(function (r) {
        work.push(badges.put({
          door: id, badge_sha256: r.badge_sha256, name: r.name, ticket_type: r.ticket_type,
          organisation: r.organisation || "", status: r.status,
          entitled: r.entitled !== false, checked_in: !!r.checked_in, local_at: null
        }));
      });
      work.push(tx.objectStore("queue").index("event").getAll(event).then(function (queued) {
        return Promise.all(queued.filter(function (scan) {
          return scan.door === id && scan.offline_outcome === "checked_in" && scan.badge_sha256;
        }).map(function (scan) {
          return badges.get([id, scan.badge_sha256]).then(function (badge) {
            if (badge && !badge.checked_in) {
              badge.checked_in = true;
              badge.local_at = scan.device_time;
              door.checked_in += 1;
              return badges.put(badge);
            }
          });
        }));
      }).then(function () { return tx.objectStore("doors").put(door); }));
      work.push(tx.done);
      return Promise.all(work).then(function () { return door; });
    });
  }

  function getDoor(event, list) {
    return openIfThere().then(function (db) {
      return db ? db.get("doors", doorId(event, list)) : undefined;
    });
  }

  function allDoors() {
    return openIfThere().then(function (db) { return db ? db.getAll("doors") : []; });
  }

  // The local decision and its queue entry in one transaction, so two quick scans of the same
  // badge cannot both find it not yet checked in. decide(badge) -> outcome.
  function decideAndQueue(event, list, digest, scan, decide) {
    var id = doorId(event, list);
    return open().then(function (db) {
      var tx = db.transaction(["doors", "badges", "queue"], "readwrite");
      var badges = tx.objectStore("badges");
      var doors = tx.objectStore("doors");
      var result = {};
      var work = (digest ? badges.get([id, digest]) : Promise.resolve(undefined))
        .then(function (badge) {
          result.badge = badge ? Object.assign({}, badge) : null;
          result.outcome = decide(badge || null);
          var steps = [tx.objectStore("queue").put(Object.assign({}, scan, {
            event: event, door: id, list: list || "", badge_sha256: digest || null,
            offline_outcome: result.outcome
          }))];
          if (result.outcome === "checked_in") {
            badge.checked_in = true;
            badge.local_at = scan.device_time;
            steps.push(badges.put(badge));
          }
          steps.push(doors.get(id).then(function (door) {
            if (door && result.outcome === "checked_in") {
              door.checked_in += 1;
              return doors.put(door).then(function () { return door; });
            }
            return door;
          }).then(function (door) { result.door = door; }));
          return Promise.all(steps);
        });
      return Promise.all([work, tx.done]).then(function () { return result; });
    });
  }

  // What the server said online (checked in, or already in) is kept for when the network drops.
  function markCheckedIn(event, list, digest, counts) {
    var id = doorId(event, list);
    return open().then(function (db) {
      var tx = db.transaction(["doors", "badges"], "readwrite");
      var badges = tx.objectStore("badges");
      var doors = tx.objectStore("doors");
      return Promise.all([
        badges.get([id, digest]).then(function (badge) {
          if (badge && !badge.checked_in) {
            badge.checked_in = true;
            return badges.put(badge);
          }
        }),
        doors.get(id).then(function (door) {
          if (door && counts && typeof counts.checked_in === "number") {
            door.checked_in = counts.checked_in;
            door.expected = counts.expected;
            return doors.put(door);
          }
        }),
        tx.done
      ]);
    });
  }

  function enqueue(scans) {
    return open().then(function (db) {
      var tx = db.transaction("queue", "readwrite");
      return Promise.all(scans.map(function (scan) { return tx.store.put(scan); })
        .concat([tx.done]));
    });
  }

  function queued(event, limit) {
    return openIfThere().then(function (db) {
      // [event] sorts before every [event, time, nonce], and an array after every string.
      return db ? db.getAllFromIndex("queue", "order", IDBKeyRange.bound([event], [event, []]),
                                     limit) : [];
    });
  }

  function countQueued(event) {
    return openIfThere().then(function (db) {
      return db ? db.countFromIndex("queue", "event", event) : 0;
    });
  }

  function unqueue(nonces) {
    return open().then(function (db) {
      var tx = db.transaction("queue", "readwrite");
      return Promise.all(nonces.map(function (nonce) { return tx.store.delete(nonce); })
        .concat([tx.done]));
    });
  }

  function deleteCaches(event) {
    if (!root.caches) { return Promise.resolve(); }
    return root.caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return event === undefined ? name.indexOf(CACHE_PREFIX) === 0 : name === cacheName(event);
      }).map(function (name) { return root.caches.delete(name); }));
    });
  }

  // Everything this device keeps of one event. Returns how many doors of other events remain;
  // with none left the database itself goes.
  function wipeEvent(event) {
    return openIfThere().then(function (db) {
      if (!db) { return 0; }
      var tx = db.transaction(["doors", "badges", "queue"], "readwrite");
      var work = [
        tx.objectStore("doors").index("event").getAll(event).then(function (doors) {
          return Promise.all(doors.map(function (door) {
            return Promise.all([tx.objectStore("badges").delete(badgesOf(door.id)),
                                tx.objectStore("doors").delete(door.id)]);
          }));
        }),
        tx.objectStore("queue").index("event").getAllKeys(event).then(function (keys) {
          return Promise.all(keys.map(function (key) {
            return tx.objectStore("queue").delete(key);
          }));
        }),
        tx.done
      ];
      return Promise.all(work).then(function () { return db.count("doors"); })
        .then(function (left) {
          if (left) { return left; }
          close();
          return root.idb.deleteDB(DB_NAME).then(function () { return 0; });
        });
    }).then(function (left) {
      return deleteCaches(event).then(function () { return left; });
    });
  }

  // Events whose wipe_after has passed. Returns the events wiped.
  function wipeExpired(now) {
    return allDoors().then(function (doors) {
      var over = {};
      doors.forEach(function (door) {
        if (!door.wipe_after || Date.parse(door.wipe_after) < now) { over[door.event] = true; }
      });
      var events = Object.keys(over);
      return events.reduce(function (done, event) {
        return done.then(function () { return wipeEvent(event); });
      }, Promise.resolve()).then(function () { return events; });
    });
  }

  root.samlaDoorStore = {
    CACHE_PREFIX: CACHE_PREFIX, cacheName: cacheName, doorId: doorId, open: open,
    saveSync: saveSync, getDoor: getDoor, allDoors: allDoors, decideAndQueue: decideAndQueue,
    markCheckedIn: markCheckedIn, enqueue: enqueue, queued: queued, countQueued: countQueued,
    unqueue: unqueue, wipeEvent: wipeEvent, wipeExpired: wipeExpired, deleteCaches: deleteCaches
  };
})(self);
