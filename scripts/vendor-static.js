// Copies the front-end packages installed by npm into static/vendor (committed, served as is).
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const out = path.join(root, "static", "vendor");
const copies = [
  ["node_modules/@picocss/pico/css/pico.min.css", "pico/pico.min.css"],
  ["node_modules/@picocss/pico/LICENSE.md", "pico/LICENSE.md"],
  ["node_modules/axe-core/axe.min.js", "axe-core/axe.min.js"], // browser tests only (tests/e2e/axe.py)
  ["node_modules/axe-core/LICENSE", "axe-core/LICENSE"],
  ["node_modules/chart.js/dist/chart.umd.min.js", "chart.js/chart.umd.min.js"], ["node_modules/chart.js/LICENSE.md", "chart.js/LICENSE.md"],
  ["node_modules/leaflet/dist/leaflet.js", "leaflet/leaflet.js"],
  ["node_modules/leaflet/dist/leaflet.css", "leaflet/leaflet.css"],
  ["node_modules/leaflet/dist/images", "leaflet/images"],
  ["node_modules/leaflet/LICENSE", "leaflet/LICENSE"],
  ["node_modules/qr-scanner/qr-scanner.umd.min.js", "qr-scanner/qr-scanner.umd.min.js"],
  ["node_modules/qr-scanner/qr-scanner-worker.min.js", "qr-scanner/qr-scanner-worker.min.js"],
  ["node_modules/qr-scanner/LICENSE", "qr-scanner/LICENSE"],
  // Barcodes (EAN/UPC) on the product form; the UMD build bundles @zxing/library (its peer) and runs without wasm.
  ["node_modules/@zxing/browser/umd/zxing-browser.min.js", "zxing-browser/zxing-browser.min.js"],
  ["node_modules/@zxing/browser/LICENSE", "zxing-browser/LICENSE"],
  ["node_modules/@zxing/library/LICENSE", "zxing-browser/LICENSE-zxing-library"],
];
for (const [from, to] of copies) {
  const target = path.join(out, to);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.cpSync(path.join(root, from), target, { recursive: true });
  console.log(`${from} -> static/vendor/${to}`);
}
