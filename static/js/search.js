// The search page: completion as one types, filters folded on a phone and applied on change, the map of
// result shops.
(function () {
  const input = document.getElementById("search-q");
  const list = document.getElementById("search-suggestions");
  if (input && list) {
    let timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2) return;
      timer = setTimeout(function () {
        fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) {
            list.replaceChildren();
            data.suggestions.forEach(function (s) {
              const option = document.createElement("option");
              option.value = s.label;
              list.appendChild(option);
            });
          });
      }, 150);
    });
  }

  // On a phone the filters fold behind the "Filtres" button so that the results come first.
  const toggle = document.querySelector(".filters-toggle");
  const panel = document.getElementById("filters-panel");
  if (toggle && panel) {
    const narrow = window.matchMedia("(max-width: 768px)");
    const fold = function (folded) {
      panel.classList.toggle("is-folded", folded);
      toggle.setAttribute("aria-expanded", String(!folded));
    };
    // Unfolded on a phone, the panel lists the facets by their titles: each opens on demand, except
    // the one in use (a page of forty links stood between the filters and the results).
    const facets = panel.querySelectorAll(".facets details");
    const shut = function (narrowNow) {
      facets.forEach(function (facet) { facet.open = !narrowNow || facet.querySelector("[aria-current]") !== null; });
    };
    toggle.hidden = false;
    fold(narrow.matches);
    shut(narrow.matches);
    toggle.addEventListener("click", function () { fold(!panel.classList.contains("is-folded")); });
    narrow.addEventListener("change", function (event) { fold(event.matches); shut(event.matches); });
  }

  document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
    field.addEventListener("change", function () { field.form.requestSubmit(); });
  });

  const element = document.getElementById("search-map");
  if (!element || typeof L === "undefined") return;
  const shops = JSON.parse(element.dataset.shops || "[]");
  if (!shops.length) { element.hidden = true; return; }
  const map = L.map(element, { scrollWheelZoom: false });
  window.halleTiles(map);
  const seen = {};
  const markers = shops.map(function (shop) {
    // Shops of one commune share its coordinates: spread them a little so each can be clicked.
    const key = shop.lat + "," + shop.lon;
    const n = (seen[key] = (seen[key] || 0) + 1) - 1;
    const angle = n * 2.4, offset = n ? 0.002 * Math.sqrt(n) : 0;
    const marker = L.marker([shop.lat + offset * Math.sin(angle), shop.lon + offset * Math.cos(angle)]);
    const link = document.createElement("a");
    link.href = shop.url;
    link.textContent = shop.name + " (" + shop.commune + ")";
    marker.bindPopup(link);
    return marker.addTo(map);
  });
  element.dataset.markers = String(markers.length);
  map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [20, 20], maxZoom: 13 });
})();
