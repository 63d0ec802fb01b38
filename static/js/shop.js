// Shop back office: "check all" box of the product list, its bulk actions, and the import progress
// indicator.
(function () {
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      box.closest("form").querySelectorAll('input[name="product_ids"]').forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });
  // The bulk actions: the new category's list or the new stock's field only for the action
  // that needs it (on a phone, each took a line of the screen, and "vide = sur commande" alone
  // said nothing).
  document.querySelectorAll(".bulk-actions").forEach(function (group) {
    const action = group.querySelector("[name=action]");
    const needs = { category: group.querySelector("[name=category]"), stock: group.querySelector("[name=stock]") };
    const show = function () {
      Object.keys(needs).forEach(function (name) {
        needs[name].hidden = action.value !== name;
      });
    };
    action.addEventListener("change", show);
    show();
  });
  // The stocks typed in the list: once one differs from the saved one, « Enregistrer les stocks »
  // stays at the bottom of the screen (halle.css, .stocks-form.is-changed), not 40 cards below.
  document.querySelectorAll(".stocks-form[id]").forEach(function (form) {
    const cells = document.querySelectorAll('input.stock-cell[form="' + form.id + '"]');
    const changed = function () {
      return Array.prototype.some.call(cells, function (cell) {
        const shown = document.querySelector('input[type=hidden][name="shown-' + cell.name.slice(6) + '"]');
        return shown !== null && cell.value.trim() !== shown.value;
      });
    };
    const update = function () { form.classList.toggle("is-changed", changed()); };
    cells.forEach(function (cell) { cell.addEventListener("input", update); });
    update();
  });
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function () {
      const indicator = document.getElementById(form.dataset.progress);
      if (indicator) indicator.hidden = false;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
    });
  });
})();
