// A shop's order board: a short beep when new orders wait, and a reload every minute
// (data-new-orders, data-reload-seconds on the page's [data-order-board]).
(function () {
  const board = document.querySelector("[data-order-board]");
  if (!board) return;
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
