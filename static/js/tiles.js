// OpenStreetMap's tiles for every map of the site, credited in the page's language (as the footer
// does), without Leaflet's own link: a 14 px target beside the credit on a phone.
window.halleTiles = function (map) {
  map.attributionControl.setPrefix(false);
  const english = document.documentElement.lang === "en";
  return window.L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 18, attribution: english ? "© OpenStreetMap contributors" : "© contributeurs OpenStreetMap",
  }).addTo(map);
};
