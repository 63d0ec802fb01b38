// The territory map: one marker per commune, sized by population; tiles from OpenStreetMap.
(function () {
  const element = document.getElementById("map");
  if (!element || typeof L === "undefined") return;
  const map = L.map(element, { scrollWheelZoom: false });
  window.halleTiles(map);
  fetch(element.dataset.geojson)
    .then(function (r) { return r.json(); })
    .then(function (data) {
      const layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          const radius = 4 + Math.sqrt(feature.properties.population) / 10;
          return L.circleMarker(latlng, { radius: radius, weight: 1, fillOpacity: 0.5 });
        },
        onEachFeature: function (feature, marker) {
          const link = document.createElement("a");
          link.href = feature.properties.url;
          link.textContent = feature.properties.name;
          marker.bindPopup(link);
        },
      }).addTo(map);
      element.dataset.markers = String(data.features.length);
      if (element.dataset.center) {
        map.setView(element.dataset.center.split(",").map(Number), 11);
      } else if (data.features.length) {
        map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      } else {
        map.setView([47.0, 4.4], 9);
      }
    });
})();
