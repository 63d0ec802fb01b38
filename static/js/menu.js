// The site menu on a phone: collapsed behind a "Menu" button (aria-expanded), opened and closed by
// click or keyboard, closed again by Escape (focus back on the button). Without JavaScript, or on a
// wide screen (static/css/halle.css), the whole menu shows.
(function () {
  const header = document.querySelector("[data-site-header]");
  const button = header && header.querySelector("[data-menu-toggle]");
  if (!button) return;
  const menu = document.getElementById(button.getAttribute("aria-controls"));

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.dataset.menu = open ? "open" : "closed";
  }

  button.hidden = false;
  setOpen(false);
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && header.dataset.menu === "open" && header.contains(document.activeElement)) {
      setOpen(false);
      button.focus();
    }
  });
  // A keyboard user tabbing past the open menu closes it (it would otherwise hide the page).
  menu.addEventListener("focusout", function (event) {
    if (header.dataset.menu === "open" && event.relatedTarget && !header.contains(event.relatedTarget)) {
      setOpen(false);
    }
  });
})();
