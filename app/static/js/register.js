/* The register page for several attendees (templates/registration/register.html): what the
   buyer types once shows where it applies. "I am attending too" copies the buyer's name and
   email to attendee 1 and keeps them in step; "Same organisation for everyone" hides the other
   attendees' organisation fields and fills them from attendee 1. The server does the same
   copying (forms.with_shared_details), so the form works without this script. */
(function () {
  "use strict";
  var form = document.querySelector("[data-shared-details]");
  if (!form) { return; }
  var byId = function (id) { return document.getElementById(id); };
  var attending = byId("attending_too");
  var sameOrganisation = byId("same_organisation");

  function copyBuyer() {
    var pairs = [["buyer_name", "a0-name"], ["buyer_email", "a0-email"]];
    pairs.forEach(function (pair) {
      var from = byId(pair[0]), to = byId(pair[1]);
      if (!from || !to) { return; }
      if (attending.checked) { to.value = from.value; }
      to.readOnly = attending.checked;
    });
  }

  function organisationFields() {
    return Array.prototype.filter.call(
      document.querySelectorAll("input[id$='-organisation']"),
      function (input) { return /^a[1-9][0-9]*-organisation$/.test(input.id); });
  }

  function copyOrganisation() {
    var first = byId("a0-organisation");
    if (!first || !sameOrganisation) { return; }
    organisationFields().forEach(function (input) {
      var wrapper = input.closest(".field");
      if (sameOrganisation.checked) { input.value = first.value; }
      if (wrapper) { wrapper.hidden = sameOrganisation.checked; }
    });
  }

  if (attending) {
    attending.addEventListener("change", copyBuyer);
    ["buyer_name", "buyer_email"].forEach(function (id) {
      var input = byId(id);
      if (input) { input.addEventListener("input", copyBuyer); }
    });
    copyBuyer();
  }
  if (sameOrganisation) {
    sameOrganisation.addEventListener("change", copyOrganisation);
    var first = byId("a0-organisation");
    if (first) { first.addEventListener("input", copyOrganisation); }
    copyOrganisation();
  }
}());
