// Shop back office: "check all" box of the product list, and the import progress indicator.
(function () {
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      box.closest("form").querySelectorAll('input[name="product_ids"]').forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function () {
      const indicator = document.getElementById(form.dataset.progress);
      if (indicator) indicator.hidden = false;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
    });
  });
})();
