// Small behaviours of every page. No inline script anywhere: the Content-Security-Policy
// (dangjian.ops.middleware) allows only scripts from /static/.
document.addEventListener("click", function (event) {
  var toggler = event.target.closest("[data-dj-toggle]");
  if (!toggler) return;
  var target = document.querySelector(toggler.getAttribute("data-dj-toggle"));
  if (!target) return;
  var shown = target.classList.toggle("show");
  toggler.setAttribute("aria-expanded", shown ? "true" : "false");
});

// <button data-dj-confirm="…">: ask before submitting.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-dj-confirm]");
  if (button && !window.confirm(button.getAttribute("data-dj-confirm"))) event.preventDefault();
});

// <select data-dj-autosubmit>: submit the form on change.
// <select data-dj-go="?org={value}&year=2026">: go to the address with the chosen value.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (select.hasAttribute("data-dj-autosubmit") && select.form) select.form.submit();
  var go = select.getAttribute("data-dj-go");
  if (go && select.value) window.location.search = go.replace("{value}", encodeURIComponent(select.value)).replace(/^\?/, "");
});

// <input data-dj-filter="#list">: show only the rows of the list whose data-dj-filter-text
// contains what was typed (a long checklist on a phone). Enter filters; it does not submit.
document.addEventListener("input", function (event) {
  var box = event.target;
  if (!box.hasAttribute || !box.hasAttribute("data-dj-filter")) return;
  var list = document.querySelector(box.getAttribute("data-dj-filter"));
  if (!list) return;
  var text = box.value.trim().toLowerCase();
  list.querySelectorAll("[data-dj-filter-text]").forEach(function (row) {
    var hit = row.getAttribute("data-dj-filter-text").toLowerCase().indexOf(text) !== -1;
    row.classList.toggle("d-none", text !== "" && !hit);
  });
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && event.target.hasAttribute && event.target.hasAttribute("data-dj-filter")) {
    event.preventDefault();
  }
});

// <p data-dj-reload="10">: reload the page after that many seconds (a figure the worker is
// counting, decision 0287; the page shows it once stored).
document.addEventListener("DOMContentLoaded", function () {
  var marked = document.querySelector("[data-dj-reload]");
  if (!marked) return;
  var seconds = Number(marked.getAttribute("data-dj-reload")) || 10;
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
});
