// The product form's barcode scanner (issue 22): reads an EAN-13, EAN-8, UPC-A or UPC-E code from the
// camera or from a photo with ZXing (static/vendor/zxing-browser, pure JavaScript: no wasm, fits the
// CSP), writes it in the EAN field and asks the territory's reference what to pre-fill (name, unit,
// category, photo from another shop's listing; GET /boutique/<id>/reference/<code>). The camera and the
// photo end in the same place (`found`); typing the digits in the EAN field does the same look-up.
(function () {
  "use strict";
  var box = document.getElementById("barcode-scan");
  if (!box || typeof ZXingBrowser === "undefined") return;
  var form = box.closest("form");
  var status = document.getElementById("scan-status");
  var video = document.getElementById("scan-video");
  var startButton = document.getElementById("scan-start");
  var stopButton = document.getElementById("scan-stop");
  var photoInput = document.getElementById("scan-photo");
  var own = document.getElementById("scan-own");
  var ownLink = document.getElementById("scan-own-link");
  var refBox = document.getElementById("scan-reference-photo");
  var refImg = document.getElementById("scan-reference-img");
  var fillAll = box.dataset.fillAll === "1";
  function input(name) { return form.elements.namedItem(name); }

  var F = ZXingBrowser.BarcodeFormat;
  // DecodeHintType.POSSIBLE_FORMATS and TRY_HARDER of @zxing/library (bundled in the UMD file, not exported).
  var hints = new Map([[2, [F.EAN_13, F.EAN_8, F.UPC_A, F.UPC_E]], [3, true]]);
  var reader = new ZXingBrowser.BrowserMultiFormatOneDReader(hints);
  var controls = null;
  var lastLookup = null;

  function say(text) { status.textContent = text; }

  // UPC-E is a compressed UPC-A: the reference and the EAN check know codes by their UPC-A form.
  function upcEToUpcA(code) {
    var ns = code[0], d = code.slice(1, 7), check = code[7], last = d[5], body;
    if (last <= "2") body = d[0] + d[1] + last + "0000" + d[2] + d[3] + d[4];
    else if (last === "3") body = d[0] + d[1] + d[2] + "00000" + d[3] + d[4];
    else if (last === "4") body = d[0] + d[1] + d[2] + d[3] + "00000" + d[4];
    else body = d.slice(0, 5) + "0000" + last;
    return ns + body + check;
  }

  function codeOf(result) {
    var text = result.getText();
    return result.getBarcodeFormat() === F.UPC_E && text.length === 8 ? upcEToUpcA(text) : text;
  }

  function clearReferencePhoto() {
    input("reference_photo").value = "";
    refBox.hidden = true;
    refImg.src = "data:,";
  }

  function fill(name, value) {
    var element = input(name);
    if (element && value && (fillAll || !element.value.trim())) element.value = value;
  }

  function showAnswer(body) {
    own.hidden = !body.own_product;
    if (body.own_product) { ownLink.href = body.own_product.url; ownLink.textContent = body.own_product.label; }
    if (!body.found) clearReferencePhoto();  // a photo from an earlier scan is not this product's
    if (body.error) { say(body.error); input("ean").focus(); return; }
    say(body.message);
    if (!body.found) { input("name").focus(); return; }
    fill("name", body.name);
    fill("unit", body.unit);
    var category = input("category");
    // A new product takes the reference's category over the shop's default; an edited one keeps its own.
    if (category && fillAll && category.querySelector('option[value="' + body.category_id + '"]')) {
      category.value = String(body.category_id);
    }
    if (body.photo_key) {
      input("reference_photo").value = body.photo_key;
      refImg.src = body.photo_url;
      refBox.hidden = false;
    } else {
      clearReferencePhoto();
    }
    input("price").focus();
  }

  function lookUp(code) {
    code = code.replace(/\s/g, "");
    if (!code || code === lastLookup) return;
    lastLookup = code;
    say(box.dataset.looking.replace("CODE", code));
    var url = box.dataset.referenceUrl.replace(/CODE$/, encodeURIComponent(code));
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(showAnswer)
      .catch(function () { lastLookup = null; say(box.dataset.failed); });
  }

  function found(result) {
    var code = codeOf(result);
    input("ean").value = code;
    lookUp(code);
  }

  function stopCamera() {
    if (controls) controls.stop();
    controls = null;
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
    startButton.focus();
  }

  startButton.addEventListener("click", function () {
    lastLookup = null;
    say(box.dataset.pointing);
    video.hidden = false;
    startButton.hidden = true;
    stopButton.hidden = false;
    reader.decodeFromVideoDevice(undefined, video, function (result, error, scan) {
      if (!result) return;  // no code in this frame yet
      scan.stop();
      controls = null;
      video.hidden = true;
      stopButton.hidden = true;
      startButton.hidden = false;
      found(result);
    }).then(function (scan) { controls = scan; }).catch(function () {
      stopCamera();
      say(box.dataset.noCamera);
    });
  });
  stopButton.addEventListener("click", function () { stopCamera(); say(""); });

  // A photo of the barcode (a phone opens its camera: capture="environment"), decoded from the file
  // itself (no blob: URL, which the CSP's img-src refuses) and scaled down first: a 12-megapixel
  // picture is far more than a barcode needs and slow to scan.
  function picture(file) {
    if (window.createImageBitmap) return createImageBitmap(file);
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var image = new Image();
        image.onload = function () { resolve(image); };
        image.onerror = reject;
        image.src = reader.result;  // a data: URL, which img-src allows
      };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }

  photoInput.addEventListener("change", function () {
    var file = photoInput.files && photoInput.files[0];
    if (!file) return;
    lastLookup = null;
    picture(file).then(function (image) {
      var scale = Math.min(1, 1600 / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d", { willReadFrequently: true }).drawImage(image, 0, 0, canvas.width, canvas.height);
      var result = null;
      try { result = reader.decodeFromCanvas(canvas); } catch (error) { result = null; }
      photoInput.value = "";
      if (result) found(result); else say(box.dataset.noCode);
    }).catch(function () { photoInput.value = ""; say(box.dataset.noCode); });
  });

  input("ean").addEventListener("change", function (event) { lookUp(event.target.value); });
  document.getElementById("scan-reference-drop").addEventListener("click", function () {
    clearReferencePhoto();
    input("photos").focus();
  });
  box.hidden = false;
})();
