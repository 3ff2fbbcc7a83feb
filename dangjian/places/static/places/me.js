// On the member's /me/ page: register the service worker that keeps the page for offline use
// (me-sw.js) and hand it the page and its scripts and styles; signing out forgets them.
(function () {
  "use strict";
  const script = document.currentScript;
  const SW_URL = script.dataset.swUrl;
  if (!("serviceWorker" in navigator) || !SW_URL) return;
  navigator.serviceWorker.register(SW_URL).then(function (registration) {
    const urls = [location.pathname];
    document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach((el) => urls.push(el.getAttribute("href") || el.getAttribute("src")));
    const send = (worker) => worker && worker.postMessage({ cache: urls });
    send(registration.active || registration.waiting || registration.installing);
    navigator.serviceWorker.ready.then((r) => send(r.active));
  }).catch(function () { /* not over HTTPS: the page works online only */ });
  document.addEventListener("submit", function (event) {
    if (!/\/logout\/?$/.test(event.target.getAttribute("action") || "")) return;
    const worker = navigator.serviceWorker.controller;
    if (worker) worker.postMessage({ forget: true });
    if (window.caches) caches.delete("dangjian-me-v1");
  }, true);
})();
