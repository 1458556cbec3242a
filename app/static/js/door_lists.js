// The door's live counts: every 15 seconds the counts on the missing page are read again from
// counts.json and written into the aria-live region, without reloading the page. Without
// JavaScript the page shows the counts of when it was loaded.
(function () {
  "use strict";
  var section = document.querySelector("[data-counts-url]");
  if (!section) { return; }
  var texts = section.querySelector("[data-counts-text]");
  var region = section.querySelector("[data-counts]");

  function tally(list, rows, label) {
    var items = rows.map(function (row) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      var count = document.createElement("span");
      name.textContent = label(row);
      count.textContent = String(row.count);
      li.append(name, " ", count);
      return li;
    });
    if (!items.length) {
      var none = document.createElement("li");
      none.textContent = texts.dataset.none;
      items.push(none);
    }
    list.replaceChildren.apply(list, items);
  }

  function show(counts) {
    region.querySelector(".door-progress").textContent = texts.dataset.progress
      .replace("{done}", counts.checked_in).replace("{total}", counts.expected);
    tally(region.querySelector("[data-counts-doors]"), counts.doors,
      function (door) { return door.name; });
    tally(region.querySelector("[data-counts-quarters]"), counts.quarters,
      function (quarter) { return quarter.start; });
  }

  function refresh() {
    fetch(section.dataset.countsUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) { if (counts) { show(counts); } })
      .catch(function () { /* offline for a moment: keep the last counts */ });
  }

  window.setInterval(refresh, 15000);
})();
