// A shop's order board: a short beep when new orders wait, and a reload every minute
// (data-new-orders, data-reload-seconds on the page's [data-order-board]); after an action, the
// focus goes to the order acted upon (the redirect's #commande-<id>), where the shopkeeper was.
(function () {
  const board = document.querySelector("[data-order-board]");
  if (!board) return;
  const acted = window.location.hash.startsWith("#commande-") && document.getElementById(window.location.hash.slice(1));
  if (acted) {
    acted.setAttribute("tabindex", "-1");
    acted.focus();
  }
  if (Number(board.dataset.newOrders) > 0) {
    try {
      const context = new AudioContext(), oscillator = context.createOscillator();
      oscillator.connect(context.destination);
      oscillator.start();
      oscillator.stop(context.currentTime + 0.2);
    } catch (error) { /* no sound available: the notice on the page is enough */ }
  }
  setTimeout(function () { window.location.reload(); }, Number(board.dataset.reloadSeconds) * 1000);
})();
