// Gift campaigns: form defaults per event, issue progress, spending charts.
(function () {
  const form = document.getElementById("campaign-form");
  if (form) {
    const defaults = JSON.parse(form.dataset.defaults);
    const childEvents = JSON.parse(form.dataset.childEvents);
    const event = form.querySelector("[name=event]");
    const expires = form.querySelector("[name=expires_on]");
    const childAmount = form.querySelector("[data-child-amount]");
    const apply = function (changed) {
      const d = defaults[event.value];
      childAmount.hidden = childEvents.indexOf(event.value) < 0;
      if (!d) return;
      if (changed || !expires.value) expires.value = d.expires_on;
      if (changed) {
        form.querySelectorAll("[name=categories]").forEach(function (box) {
          box.checked = d.categories.indexOf(box.value) >= 0;
        });
      }
    };
    event.addEventListener("change", function () { apply(true); });
    apply(false);
    const selection = form.querySelector("[data-selection]");
    form.querySelectorAll("[name=audience]").forEach(function (radio) {
      radio.addEventListener("change", function () { selection.open = radio.value === "selection" && radio.checked; });
    });
  }

  const progress = document.getElementById("issue-progress");
  if (progress) {
    const bar = progress.querySelector("progress");
    const text = progress.querySelector("[data-progress-text]");
    const poll = function () {
      fetch(progress.dataset.progressUrl, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          bar.value = p.percent;
          text.textContent = text.dataset.progressText.replace("{issued}", p.issued)
            .replace("{notified}", p.notified).replace("{total}", p.total);  // the page's translated text
          if (p.status === "issued") window.location.reload();
          else setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  }

  document.querySelectorAll("button[data-once]").forEach(function (button) {
    button.form.addEventListener("submit", function () { button.disabled = true; button.setAttribute("aria-busy", "true"); });
  });

  if (window.Chart) {
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      const rows = JSON.parse(canvas.dataset.chart);
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: rows.map(function (r) { return r[0]; }),
          datasets: [{ label: "Dépensé (€)", data: rows.map(function (r) { return r[1] / 100; }) }],
        },
        options: { indexAxis: "y", plugins: { legend: { display: false } } },
      });
    });
  }
})();
