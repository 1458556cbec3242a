// The attendee's survey, one short step at a time: the whole event, then each session. Without
// this script every step shows on one page and the form works the same. Answers given so far
// are kept in this browser only (localStorage, under the page's address) so the survey can be
// finished later from the same link; they are removed when the answers are sent. Nothing about
// the person is stored on the server until then. Every text shown comes from the page.
(function () {
  "use strict";
  var form = document.querySelector("[data-survey]");
  if (!form) { return; }
  var steps = Array.prototype.slice.call(form.querySelectorAll(".survey-step"));
  var send = form.querySelector(".survey-send");
  var status = form.querySelector("[data-survey-status]");
  var key = "samla-survey:" + form.dataset.draft;
  var current = 0;

  function store() {
    var answers = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token") { return; }
      if ((el.type === "radio" || el.type === "checkbox")) {
        if (el.checked) { (answers[el.name] = answers[el.name] || []).push(el.value); }
      } else if (el.tagName === "TEXTAREA" && el.value) {
        answers[el.name] = [el.value];
      }
    });
    try { localStorage.setItem(key, JSON.stringify({step: current, answers: answers})); }
    catch (e) { /* private browsing: the survey still works, only without a draft */ }
  }

  function restore() {
    var draft;
    try { draft = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { draft = null; }
    if (!draft || !draft.answers) { return 0; }
    Array.prototype.forEach.call(form.elements, function (el) {
      var given = draft.answers[el.name];
      if (!given) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = given.indexOf(el.value) !== -1;
      } else if (el.tagName === "TEXTAREA") {
        el.value = given[0];
      }
    });
    status.textContent = form.dataset.restored;
    return Math.min(draft.step || 0, steps.length - 1);
  }

  function button(text, primary, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = primary ? "button primary" : "button";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function show(index, focus) {
    current = index;
    steps.forEach(function (step, n) { step.hidden = n !== index; });
    send.hidden = index !== steps.length - 1;
    if (steps.length > 1) {
      var text = form.dataset.stepOf.replace("%(n)s", index + 1).replace("%(count)s", steps.length);
      steps[index].querySelector("[data-step-count]").textContent = text;
    }
    if (focus) { steps[index].querySelector("h2").focus(); }
    store();
  }

  var hasErrors = form.querySelector(".has-error");
  var start = 0;
  if (hasErrors) {
    steps.forEach(function (step, n) { if (!start && step.querySelector(".has-error")) { start = n; } });
  } else {
    start = restore();
  }
  if (steps.length > 1) {
    steps.forEach(function (step, n) {
      var count = document.createElement("p");
      count.className = "hint";
      count.setAttribute("data-step-count", "");
      step.insertBefore(count, step.querySelector("h2").nextSibling);
      var nav = document.createElement("p");
      nav.className = "actions survey-nav";
      if (n > 0) { nav.appendChild(button(form.dataset.back, false, function () { show(n - 1, true); })); }
      if (n < steps.length - 1) { nav.appendChild(button(form.dataset.next, true, function () { show(n + 1, true); })); }
      step.appendChild(nav);
    });
  }
  form.addEventListener("change", store);
  form.addEventListener("input", store);
  form.addEventListener("submit", function () {
    try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
  });
  show(start, hasErrors);
})();
