// Paying a campaign by card: Stripe.js collects the card, the server confirms the PaymentIntent,
// Stripe.js completes 3-D Secure if asked, then the return page asks Stripe how it went.
(function () {
  const form = document.getElementById("card-payment");
  if (!form || !window.Stripe) return;
  const stripe = window.Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const button = document.getElementById("card-submit");

  async function paymentMethodId() {
    const created = await stripe.createPaymentMethod({ type: "card", card: card });
    if (created && created.error) throw created.error;
    if (created && created.paymentMethod) return created.paymentMethod.id;
    // localstripe's Stripe.js stand-in (tests) has no createPaymentMethod: a token's card works there.
    const tokenized = await stripe.createToken(card);
    if (tokenized.error) throw tokenized.error;
    return tokenized.token.card.id;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    errors.textContent = "";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.dataset.confirmUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
        body: JSON.stringify({ payment_method: await paymentMethodId() }),
      });
      const answer = await response.json();
      if (!response.ok) throw { message: answer.error };
      if (answer.status === "requires_action") {
        // The server may have opened a fresh PaymentIntent (a card was declined before).
        const result = await stripe.confirmCardPayment(answer.client_secret || form.dataset.clientSecret);
        if (result.error) throw result.error;
      }
      window.location.assign(form.dataset.returnUrl);
    } catch (error) {
      errors.textContent = (error && error.message) || form.dataset.failed;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
})();
