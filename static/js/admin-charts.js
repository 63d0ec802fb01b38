// Bar charts of the admin statistics page: each <canvas data-chart='{"labels":[…],"cents":[…]}'>.
document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
  const data = JSON.parse(canvas.dataset.chart);
  const box = canvas.parentElement;  // its height grows with the rows (no inline style: CSP)
  if (box.dataset.height) box.style.height = box.dataset.height + "px";
  const euros = new Intl.NumberFormat(document.documentElement.lang || "fr", { style: "currency", currency: "EUR" });  // the page's language
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: canvas.dataset.label, data: data.cents.map((c) => c / 100),
                                              backgroundColor: "#2f7d4f", maxBarThickness: 48 }] },
    options: {
      maintainAspectRatio: false,
      indexAxis: data.labels.length > 8 ? "y" : "x",
      plugins: { legend: { display: false },
                 tooltip: { callbacks: { label: (item) => euros.format(item.parsed[data.labels.length > 8 ? "x" : "y"]) } } },
    },
  });
});
