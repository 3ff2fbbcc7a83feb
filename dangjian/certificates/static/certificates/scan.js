// Scan the certificate's QR with the phone camera where the browser has BarcodeDetector;
// otherwise the scan button stays hidden and the page works by pasting the text.
(function () {
  "use strict";
  const script = document.currentScript;
  const box = document.getElementById("scanner");
  if (!box || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  const video = document.getElementById("scan-video");
  const status = document.getElementById("scan-status");
  const form = document.getElementById("verify-form");
  const field = form.querySelector("textarea");
  box.hidden = false;
  document.getElementById("scan-start").addEventListener("click", async function () {
    let stream;
    try {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      status.textContent = script.dataset.scanning;
      const tick = async function () {
        const codes = await detector.detect(video).catch(() => []);
        const found = codes.find((c) => c.rawValue && (c.rawValue.startsWith("DJ1:") || c.rawValue.includes("#DJ1N:")));
        if (found) {
          stream.getTracks().forEach((t) => t.stop());
          video.hidden = true;
          status.textContent = "";
          field.value = found.rawValue;
          form.requestSubmit();
          return;
        }
        requestAnimationFrame(tick);
      };
      tick();
    } catch (e) {
      if (stream) stream.getTracks().forEach((t) => t.stop());
      status.textContent = script.dataset.noCamera;
    }
  });
})();
