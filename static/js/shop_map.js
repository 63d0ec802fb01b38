// A shop's page: a small map centred on its commune, with one marker.
(function () {
  const element = document.getElementById("shop-map");
  if (!element || typeof L === "undefined") return;
  const position = [Number(element.dataset.lat), Number(element.dataset.lon)];
  const map = L.map(element, { scrollWheelZoom: false }).setView(position, 13);
  window.halleTiles(map);
  // A text node: Leaflet reads a string popup as HTML, and the name is the shopkeeper's text.
  L.circleMarker(position, { radius: 9, weight: 2, fillOpacity: 0.6 }).addTo(map)
    .bindPopup(document.createTextNode(element.dataset.name));
  element.dataset.ready = "1";
})();
