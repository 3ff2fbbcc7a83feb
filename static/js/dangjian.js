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
