// Till page: card number grouped 4-4-4-4 and Luhn-checked as typed, QR scan with the camera.
// The status texts come translated from the page (data-* of #till-card-status).
(function () {
  const input = document.getElementById("till-card");
  if (!input) return;
  const status = document.getElementById("till-card-status");

  function luhnValid(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return digits.length === 16 && sum % 10 === 0;
  }

  function looksLikeToken(value) { return /[A-Za-z._-]/.test(value) && value.length > 20; }

  function update() {
    if (looksLikeToken(input.value)) { status.textContent = status.dataset.qr; input.setCustomValidity(""); return; }
    const digits = input.value.replace(/\D/g, "").slice(0, 16);
    input.value = digits.replace(/(\d{4})(?=\d)/g, "$1 ");
    if (digits.length < 16) {
      status.textContent = digits.length ? (16 - digits.length) + " " + status.dataset.remaining : "";
      input.removeAttribute("aria-invalid");
    } else if (luhnValid(digits)) {
      status.textContent = status.dataset.valid;
      input.setAttribute("aria-invalid", "false");
    } else {
      status.textContent = status.dataset.invalid;
      input.setAttribute("aria-invalid", "true");
    }
  }
  input.addEventListener("input", update);
  // What a fast cashier (or a scanner in keyboard mode) typed before this script ran; not a number
  // the server just refused ("Numéro valide" beside "Carte refusée" would contradict it).
  if (input.value && !document.getElementById("till-card-error")) update();

  const scanButton = document.getElementById("till-scan");
  const video = document.getElementById("till-video");
  if (!scanButton || typeof QrScanner === "undefined") return;
  QrScanner.hasCamera().then(function (hasCamera) {
    if (!hasCamera) return;
    scanButton.hidden = false;
    let scanner = null;
    scanButton.addEventListener("click", function () {
      if (scanner) { scanner.stop(); scanner.destroy(); scanner = null; video.hidden = true; return; }
      video.hidden = false;
      scanner = new QrScanner(video, function (result) {
        input.value = result.data || result;
        input.dispatchEvent(new Event("input"));
        scanner.stop(); scanner.destroy(); scanner = null; video.hidden = true;
        document.getElementById("till-amount").focus();
      }, { returnDetailedScanResult: true });
      scanner.start();
    });
  });
})();
