// The service worker of the member's own pages (/me/): keeps the last /me/ page the member opened
// (their card and the host places where they went, with the next activity day) and the scripts
// and styles it loads, so the page opens again without network. Network first: online, the page
// is always fresh. Served at /me/sw.js so that its scope covers /me/ (docs/decisions/0200).
"use strict";
const CACHE = "dangjian-me-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.forget) { event.waitUntil(caches.delete(CACHE)); return; } // signing out
  const urls = data.cache || [];
  event.waitUntil(
    Promise.all([
      // The page that hands over its page is taken under control here too. The claim at
      // activation misses a page whose navigation was still under way then: after signing in a
      // member lands on /me/ (which registers the worker) and, opening /me/ again at once, gets
      // a page that no worker controls until the next visit. Refused (and harmless) while this
      // worker is still installing: the page sends again once it is ready.
      self.clients.claim().catch(() => null),
      caches.open(CACHE).then((cache) => Promise.all(urls.map((url) => cache.add(url).catch(() => null)))),
    ]),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (request.mode === "navigate" && response.redirected) {
          // Sent to the sign-in page: the session is over, the kept pages go with it.
          event.waitUntil(caches.delete(CACHE));
        } else if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
        }
        return response;
      })
      .catch(() => caches.match(request, { ignoreVary: true }).then((cached) => cached || Response.error())),
  );
});
