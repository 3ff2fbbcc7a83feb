// Offline verification of the electronic activity certificate, in the browser.
//
// The page keeps the verifier data (our and trusted public keys, revoked serials) in
// localStorage, and a service worker keeps the page itself, so a host branch without network
// can still verify: Base45 → COSE_Sign1 (fixed frame, as in credential.py) → claims (CBOR) →
// Ed25519 with WebCrypto → revocation → dates. The format is docs/certificate-format.md.
(function () {
  "use strict";
  const script = document.currentScript;
  const T = JSON.parse(document.getElementById("offline-texts").textContent);
  const DATA_URL = script.dataset.dataUrl;
  const SW_URL = script.dataset.swUrl;
  const STORE = "dangjian-verifier";
  const PREFIX = "DJ1:";
  const URL_MARK = "DJ1N:"; // the verify URL's fragment: the credential's bytes as digits
  const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  const PROTECTED_PREFIX = [0xa2, 0x01, 0x27, 0x04, 0x48];

  class Malformed extends Error {}

  function base45Decode(text) {
    if (text.length % 3 === 1) throw new Malformed("length");
    const out = [];
    for (let i = 0; i < text.length; i += 3) {
      const v = [];
      for (let j = i; j < Math.min(i + 3, text.length); j++) {
        const k = ALPHABET.indexOf(text[j]);
        if (k < 0) throw new Malformed("character");
        v.push(k);
      }
      if (v.length === 3) {
        const n = v[0] + v[1] * 45 + v[2] * 2025;
        if (n > 0xffff) throw new Malformed("group");
        out.push(n >> 8, n & 0xff);
      } else {
        const n = v[0] + v[1] * 45;
        if (n > 0xff) throw new Malformed("group");
        out.push(n);
      }
    }
    return new Uint8Array(out);
  }

  function base45Encode(bytes) {
    let out = "";
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const n = bytes[i] * 256 + bytes[i + 1];
      out += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45) % 45] + ALPHABET[Math.floor(n / 2025)];
    }
    if (bytes.length % 2) { const n = bytes[bytes.length - 1]; out += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45)]; }
    return out;
  }

  // Digits → bytes: 17 digits per 7 bytes, a shorter last group as in credential.py.
  const GROUP_DIGITS = { 1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15, 7: 17 };
  function digitsDecode(text) {
    if (!/^[0-9]*$/.test(text) || text.length > 2000) throw new Malformed("digits");
    const sizes = Array(Math.floor(text.length / 17)).fill(17);
    if (text.length % 17) sizes.push(text.length % 17);
    const out = [];
    let pos = 0;
    for (const size of sizes) {
      const length = Number(Object.keys(GROUP_DIGITS).find((k) => GROUP_DIGITS[k] === size));
      if (!length) throw new Malformed("digits");
      let value = BigInt(text.slice(pos, pos + size));
      if (value >= 1n << BigInt(8 * length)) throw new Malformed("digits");
      const group = [];
      for (let j = 0; j < length; j++) { group.unshift(Number(value & 255n)); value >>= 8n; }
      out.push(...group);
      pos += size;
    }
    return new Uint8Array(out);
  }

  // The credential text from a pasted text, a scanned verify URL or its fragment.
  function textFromInput(value) {
    const hash = value.indexOf("#");
    const candidate = hash >= 0 ? value.slice(hash + 1) : value;
    if (!candidate.startsWith(URL_MARK)) return value;
    try { return PREFIX + base45Encode(digitsDecode(candidate.slice(URL_MARK.length))); }
    catch (e) { return ""; }
  }

  function bstrAt(data, pos) {
    if (pos >= data.length) throw new Malformed("truncated");
    const head = data[pos];
    if (head >> 5 !== 2) throw new Malformed("bstr");
    const info = head & 0x1f;
    let length, start;
    if (info < 24) { length = info; start = pos + 1; }
    else if (info === 24) { length = data[pos + 1]; start = pos + 2; if (length < 24) throw new Malformed("form"); }
    else if (info === 25) { length = (data[pos + 1] << 8) | data[pos + 2]; start = pos + 3; if (length < 256) throw new Malformed("form"); }
    else throw new Malformed("length");
    if (start + length > data.length) throw new Malformed("truncated");
    return [data.subarray(start, start + length), start + length];
  }

  function sign1Decode(data) {
    if (data[0] !== 0xd2 || data[1] !== 0x84) throw new Malformed("frame");
    let [prot, pos] = bstrAt(data, 2);
    if (data[pos] !== 0xa0) throw new Malformed("unprotected");
    let payload, signature;
    [payload, pos] = bstrAt(data, pos + 1);
    [signature, pos] = bstrAt(data, pos);
    if (pos !== data.length || signature.length !== 64) throw new Malformed("signature");
    if (prot.length !== 13 || PROTECTED_PREFIX.some((b, i) => prot[i] !== b)) throw new Malformed("header");
    return { prot, kid: prot.subarray(5), payload, signature };
  }

  // A small CBOR reader for the claims: unsigned and negative integers, byte and text strings,
  // arrays and maps of definite length.
  function cborRead(data, pos) {
    if (pos >= data.length) throw new Malformed("truncated");
    const major = data[pos] >> 5, info = data[pos] & 0x1f;
    let value, next = pos + 1;
    if (info < 24) value = info;
    else if (info === 24) { value = data[next]; next += 1; }
    else if (info === 25) { value = (data[next] << 8) | data[next + 1]; next += 2; }
    else if (info === 26) { value = ((data[next] << 24) >>> 0) + (data[next + 1] << 16) + (data[next + 2] << 8) + data[next + 3]; next += 4; }
    else throw new Malformed("cbor");
    if (next > data.length) throw new Malformed("truncated");
    switch (major) {
      case 0: return [value, next];
      case 1: return [-1 - value, next];
      case 2: case 3: {
        if (next + value > data.length) throw new Malformed("truncated");
        const bytes = data.subarray(next, next + value);
        return [major === 2 ? bytes : new TextDecoder("utf-8", { fatal: true }).decode(bytes), next + value];
      }
      case 4: { const a = []; for (let i = 0; i < value; i++) { let v; [v, next] = cborRead(data, next); a.push(v); } return [a, next]; }
      case 5: { const m = new Map(); for (let i = 0; i < value; i++) { let k, v; [k, next] = cborRead(data, next); [v, next] = cborRead(data, next); m.set(k, v); } return [m, next]; }
      default: throw new Malformed("cbor type");
    }
  }

  function bstrHead(length) {
    if (length < 24) return [0x40 + length];
    if (length < 256) return [0x58, length];
    return [0x59, length >> 8, length & 0xff];
  }

  function sigStructure(prot, payload) {
    const context = new TextEncoder().encode("Signature1");
    return new Uint8Array([0x84, 0x60 + context.length, ...context, ...bstrHead(prot.length), ...prot, 0x40, ...bstrHead(payload.length), ...payload]);
  }

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const fromB64url = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4)), (c) => c.charCodeAt(0));

  function claimsDecode(payload) {
    const [m, end] = cborRead(payload, 0);
    if (end !== payload.length || !(m instanceof Map) || m.size !== 8) throw new Malformed("claims");
    for (let k = 1; k <= 8; k++) if (!m.has(k)) throw new Malformed("claims");
    const c = { issuer: m.get(1), serial: m.get(2), member: m.get(3), name: m.get(4), org: m.get(5), category: m.get(6), from: m.get(7), until: m.get(8) };
    if (typeof c.issuer !== "string" || typeof c.name !== "string" || typeof c.org !== "string") throw new Malformed("text");
    if (!(c.serial instanceof Uint8Array) || c.serial.length !== 8) throw new Malformed("serial");
    if (!(c.member instanceof Uint8Array) || c.member.length !== 16) throw new Malformed("member");
    if (c.category !== 1 && c.category !== 2) throw new Malformed("category");
    if (!Number.isInteger(c.from) || !Number.isInteger(c.until) || c.until < c.from) throw new Malformed("dates");
    return c;
  }

  function dayString(days) {
    return new Date(days * 86400000).toISOString().slice(0, 10);
  }

  async function verifyLocally(text, data) {
    let sign1, claims;
    try {
      if (text.length > 1000 || !text.startsWith(PREFIX)) throw new Malformed("prefix");
      sign1 = sign1Decode(base45Decode(text.slice(PREFIX.length)));
      claims = claimsDecode(sign1.payload);
    } catch (e) {
      if (e instanceof Malformed) return { outcome: "malformed" };
      throw e;
    }
    const kid = hex(sign1.kid);
    const today = Math.floor((Date.now() + 8 * 3600 * 1000) / 86400000); // Asia/Shanghai
    const todayIso = dayString(today);
    // A trusted key counts only inside its validity period (ISO dates; null: open-ended), as
    // on the server: outside it the card's issuer is not trusted today.
    const entry = data.keys.find((k) => k.issuer === claims.issuer && k.kid === kid
      && !(k.valid_from && todayIso < k.valid_from) && !(k.valid_until && todayIso > k.valid_until));
    if (!entry) return { outcome: "unknown_issuer" };
    const key = await crypto.subtle.importKey("raw", fromB64url(entry.public_key), { name: "Ed25519" }, false, ["verify"]);
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, sign1.signature, sigStructure(sign1.prot, sign1.payload));
    if (!ok) return { outcome: "bad_signature" };
    if ((data.revoked[claims.issuer] || []).includes(hex(claims.serial))) return { outcome: "revoked" };
    if (today < claims.from || today > claims.until) return { outcome: "expired" };
    return { outcome: "valid", claims };
  }

  function stored() {
    try { return JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }

  function showStatus() {
    const box = document.getElementById("offline-status");
    const data = stored();
    if (!box) return;
    if (!window.crypto || !crypto.subtle) { box.textContent = T.no_crypto; return; }
    box.textContent = data ? T.ready.replace("%s", new Date(data.generated_at).toLocaleString()) : T.not_ready;
  }

  async function refresh() {
    try {
      const response = await fetch(DATA_URL, { cache: "no-store" });
      if (response.ok) localStorage.setItem(STORE, JSON.stringify(await response.json()));
    } catch (e) { /* offline: keep what we have */ }
    showStatus();
  }

  function render(result, data) {
    const target = document.getElementById("verify-result");
    const css = { valid: "alert-success", expired: "alert-warning", unknown_issuer: "alert-warning" }[result.outcome] || "alert-danger";
    const box = document.createElement("div");
    box.id = "verify-result";
    box.setAttribute("aria-live", "polite");
    const alert = document.createElement("div");
    alert.className = "alert " + css;
    alert.setAttribute("role", "status");
    alert.dataset.outcome = result.outcome;
    const add = (tag, cls, text) => { const el = document.createElement(tag); if (cls) el.className = cls; el.textContent = text; alert.appendChild(el); return el; };
    add("div", "h5 mb-1", T.labels[result.outcome]);
    add("div", "", T.messages[result.outcome]);
    if (result.claims) {
      const c = result.claims;
      const rows = [[T.name, c.name], [T.category, c.category === 1 ? T.full : T.probationary], [T.organization, c.org], [T.issuer, c.issuer], [T.until, dayString(c.until)]];
      const dl = document.createElement("dl");
      dl.className = "row mb-0 mt-2";
      for (const [label, value] of rows) {
        const dt = document.createElement("dt"); dt.className = "col-5 col-md-3"; dt.textContent = label;
        const dd = document.createElement("dd"); dd.className = "col-7 col-md-9"; dd.textContent = value;
        dl.append(dt, dd);
      }
      alert.appendChild(dl);
    }
    const note = navigator.onLine ? T.local_note : T.offline_note; // online: opened from a card's QR
    add("div", "small text-muted mt-2", note.replace("%s", new Date(data.generated_at).toLocaleString()));
    box.appendChild(alert);
    target.replaceWith(box);
  }

  async function verifyForm(form) {
    const data = stored();
    const text = textFromInput(form.querySelector("textarea").value.replace(/^\s+/, "").replace(/[\r\n\t]+$/, ""));
    if (!data || !window.crypto || !crypto.subtle) {
      render({ outcome: "unavailable" }, data || { generated_at: Date.now() });
      return;
    }
    render(await verifyLocally(text, data), data);
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.id !== "verify-form" || navigator.onLine) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    verifyForm(form);
  }, true);
  document.addEventListener("htmx:sendError", function (event) {
    const form = document.getElementById("verify-form");
    if (form && form.contains(event.target)) verifyForm(form);
  });
  window.addEventListener("online", refresh);

  if ("serviceWorker" in navigator && SW_URL) {
    navigator.serviceWorker.register(SW_URL).then(function (registration) {
      const urls = [location.pathname, DATA_URL];
      document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach((el) => urls.push(el.getAttribute("href") || el.getAttribute("src")));
      const send = (worker) => worker && worker.postMessage({ cache: urls });
      send(registration.active || registration.waiting || registration.installing);
      navigator.serviceWorker.ready.then((r) => send(r.active));
    }).catch(function () { /* not over HTTPS: the data in localStorage still works while the page is open */ });
  }
  window.djVerifyLocally = verifyLocally; // for tests and for the curious
  window.djTextFromInput = textFromInput;

  // Opened from a card's QR: the credential is in the fragment, which the browser never sent to
  // the server. Put it in the form and verify it here, with the data kept (or just fetched).
  const scanned = location.hash.startsWith("#" + URL_MARK) ? textFromInput(location.hash) : null;
  const form = document.getElementById("verify-form");
  if (scanned !== null && form) form.querySelector("textarea").value = scanned;
  refresh().then(function () {
    if (scanned !== null && form && stored() && window.crypto && crypto.subtle) verifyForm(form);
  });
})();
