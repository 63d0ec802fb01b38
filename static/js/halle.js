// "Ma commune": suggestions as one types a name or a postal code (progressive enhancement).
(function () {
  const list = document.getElementById("commune-options");
  if (!list) return;
  let timer = null;
  document.querySelectorAll("[data-commune-input], input[list=commune-options]").forEach(function (input) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2) return;
      timer = setTimeout(function () {
        fetch("/communes/suggestions?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (communes) {
            list.replaceChildren();
            communes.forEach(function (c) {
              const option = document.createElement("option");
              option.value = c.label;
              list.appendChild(option);
            });
          });
      }, 150);
    });
  });
})();
