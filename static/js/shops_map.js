// The shops where a grant can be spent, on a map (one marker per shop, at its commune).
(function () {
  const element = document.getElementById("shops-map");
  if (!element || !window.L) return;
  const markers = JSON.parse(element.dataset.markers);
  const map = window.L.map(element);
  window.halleTiles(map);
  const points = markers.map(function (m) {
    // Built from text (Leaflet reads a string popup as HTML, and the names are the shops' own text).
    const popup = document.createElement("span");
    popup.textContent = m.name + " · " + m.category + " · " + m.commune;
    window.L.marker([m.lat, m.lon]).addTo(map).bindPopup(popup);
    return [m.lat, m.lon];
  });
  if (points.length) map.fitBounds(points, { padding: [20, 20], maxZoom: 13 });
  else map.setView([47.3, 4.3], 9);
})();
