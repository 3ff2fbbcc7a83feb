// The service worker of the verification page: keeps the page, its scripts and styles and the
// verifier data, so that the page opens and verifies without network (offline.js).
"use strict";
const CACHE = "dangjian-verify-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.cache) || [];
  event.waitUntil(
    Promise.all([
      // The page that hands over its list is taken under control here too, as in /me/'s worker
      // (places/me-sw.js): the claim at activation misses a page still loading then. Refused
      // (and harmless) while this worker is still installing: the page sends again once ready.
      self.clients.claim().catch(() => null),
      caches.open(CACHE).then((cache) => Promise.all(urls.map((url) => cache.add(url).catch(() => null)))),
    ]),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // verification requests go to the server or fail
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && new URL(request.url).origin === self.location.origin) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
        }
        return response;
      })
      .catch(() => caches.match(request, { ignoreSearch: true, ignoreVary: true }).then((cached) => cached || Response.error())),
  );
});
