// The statistics map: one circle per commune where the card was spent, its area proportional
// to the amount; the same figures are in the "Dépensé par commune" table for keyboard and
// screen-reader users.
(function () {
  const element = document.getElementById("spending-map");
  if (!element || typeof L === "undefined") return;
  const map = L.map(element, { scrollWheelZoom: false, keyboard: false });
  window.halleTiles(map);
  const euros = new Intl.NumberFormat(document.documentElement.lang || "fr", { style: "currency", currency: "EUR" });  // the page's language
  fetch(element.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      const most = Math.max(1, ...data.features.map(function (f) { return f.properties.cents; }));
      const layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          const radius = 4 + 26 * Math.sqrt(feature.properties.cents / most);
          return L.circleMarker(latlng, { radius: radius, weight: 1, fillOpacity: 0.5 });
        },
        onEachFeature: function (feature, marker) {
          const tooltip = document.createElement("span");  // text, never HTML
          tooltip.textContent = feature.properties.name + " — " + euros.format(feature.properties.cents / 100);
          marker.bindTooltip(tooltip);
        },
      }).addTo(map);
      element.dataset.markers = String(data.features.length);
      if (data.features.length) {
        map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 11 });
      } else {
        map.setView([47.0, 4.4], 9);
      }
    });
})();
