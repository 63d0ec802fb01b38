// "Ma commune": suggestions as one types a name or a postal code (progressive enhancement).
(function () {
  const list = document.getElementById("commune-options");
  if (!list) return;
  let timer = null;
  // Delegated: inputs added later (the communes picker of the business form) get suggestions too.
  document.addEventListener("input", function (event) {
    const input = event.target;
    if (!input.matches || !input.matches("[data-commune-input], input[list=commune-options]")) return;
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
})();

// A page following a background job (a catalogue import, a Stripe reconciliation): while the job
// is queued or running, fetch the page again every 2 s and put the fresh figures in place (the
// section is an aria-live region); once its status changed, load it for good. Neither the focus
// nor the scroll position moves meanwhile; without JavaScript a <noscript> refresh does the job.
(function () {
  const section = document.querySelector("[data-job-status]");
  if (!section || !["queued", "running"].includes(section.dataset.jobStatus)) return;
  const timer = setInterval(function () {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-job-status]");
        if (!fresh || fresh.dataset.jobStatus !== section.dataset.jobStatus) {
          clearInterval(timer);
          window.location.reload();
        } else if (!fresh.isEqualNode(section)) {
          section.replaceChildren(...document.adoptNode(fresh).childNodes);  // the parsed nodes, no HTML string
        }
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }, 2000);
})();

// Print buttons and confirmations before a form is sent, declared with data-print and
// data-confirm="question": the Content-Security-Policy forbids inline handlers (onclick=…).
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.addEventListener("submit", function (event) {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();

// A POST form's submit buttons are disabled for a few seconds once it is sent, so a double click
// sends one request (the server also creates once per form: marketplace/once.py); a second submit
// meanwhile (a click before the buttons are disabled, Enter) is stopped before anything else sees
// it. Only a submit that goes ahead counts: one refused by its data-confirm question, or taken over
// by a script (its listener on the form runs first), leaves the form alone. The buttons are
// disabled just after the event, so the clicked one's name is still sent; enabled again after a
// while (a download keeps the page) and when the browser shows the page again (Back).
(function () {
  const HOLD_MS = 4000;
  const isPost = function (form) {
    return form instanceof HTMLFormElement && (form.getAttribute("method") || "").toLowerCase() === "post";
  };
  const release = function (form) {
    delete form.dataset.sending;
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!("held" in element.dataset)) return;
      element.disabled = false;
      delete element.dataset.held;
    });
  };
  document.addEventListener("submit", function (event) {
    if (isPost(event.target) && "sending" in event.target.dataset) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!isPost(form) || event.defaultPrevented) return;
    form.dataset.sending = "";
    setTimeout(function () {
      Array.prototype.forEach.call(form.elements, function (element) {
        if (element.type !== "submit" || element.disabled) return;
        element.disabled = true;
        element.dataset.held = "";
      });
    }, 0);
    setTimeout(function () { release(form); }, HOLD_MS);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) document.querySelectorAll("form[data-sending]").forEach(release);
  });
})();

// A long list of boxes to tick (fieldset[data-checklist-filter], templates/_form.html): a filter
// field above it hides the choices whose name does not hold what is typed (accents and case
// aside), and a line says how many are ticked (and which, up to twelve). Hidden boxes keep their
// state and are still sent.
(function () {
  const fold = function (text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[-'’\s]+/g, " ").trim();
  };
  document.querySelectorAll("fieldset[data-checklist-filter]").forEach(function (fieldset) {
    const texts = fieldset.dataset;
    const options = fieldset.querySelector(".checklist-options");
    const labels = Array.prototype.slice.call(options.querySelectorAll("label"));
    const boxes = labels.map(function (label) { return label.querySelector("input"); });
    const names = labels.map(function (label) { return fold(label.textContent); });

    const filterLabel = document.createElement("label");
    filterLabel.htmlFor = options.id + "-filter";
    filterLabel.textContent = texts.filterLabel;
    const input = document.createElement("input");
    input.type = "search";
    input.id = options.id + "-filter";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-controls", options.id);
    const status = document.createElement("p");
    status.className = "checklist-status";
    status.setAttribute("aria-live", "polite");
    options.before(filterLabel, input, status);

    function update() {
      const words = fold(input.value);
      let shown = 0;
      labels.forEach(function (label, index) {
        const match = !words || names[index].indexOf(words) >= 0;
        label.hidden = !match;
        shown += match ? 1 : 0;
      });
      const ticked = labels.filter(function (label, index) { return boxes[index].checked; });
      let text = texts.countText.replace("{checked}", ticked.length).replace("{total}", boxes.length);
      if (ticked.length && ticked.length <= 12) {  // what is ticked, wherever the list is scrolled
        text += " : " + ticked.map(function (label) { return label.textContent.trim(); }).join(", ");
      }
      if (words) text += " · " + (shown ? texts.shownText.replace("{shown}", shown) : texts.noneText);
      status.textContent = text;
    }
    input.addEventListener("input", update);
    input.addEventListener("keydown", function (event) {  // Enter filters; it must not send the form
      if (event.key === "Enter") event.preventDefault();
    });
    options.addEventListener("change", update);
    update();
  });
})();

// "Mot de passe oublié ?" on the login page (a[data-carry-email="<field id>"]): the link carries
// the address typed so far, which prefills the next page. Without JavaScript the server builds the
// link with the address of a failed attempt.
(function () {
  document.querySelectorAll("a[data-carry-email]").forEach(function (link) {
    const input = document.getElementById(link.dataset.carryEmail);
    if (!input) return;
    const carry = function () {
      const url = new URL(link.href, window.location.href);
      const email = input.value.trim();
      if (email) url.searchParams.set("email", email); else url.searchParams.delete("email");
      link.href = url.pathname + url.search;
    };
    input.addEventListener("input", carry);
    carry();
  });
})();

// A form sent back with mistakes: focus its first field in error (the page scrolls to it), so
// the reader lands on what to fix rather than on the top of a long page. A page that chose its
// own focus (autofocus: the till, the card desk) keeps it.
(function () {
  const invalid = document.querySelector("form [aria-invalid=true]");
  if (invalid && !document.querySelector("[autofocus]")) invalid.focus();
})();

// "Copier" beside a value to type elsewhere (the territory's IBAN, a transfer's reference): one tap
// copies it, so a transfer never carries a mistyped reference that the bank statement cannot match.
// The buttons are hidden without JavaScript or without a clipboard (the value stays selectable).
(function () {
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    const label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        button.textContent = button.dataset.copied;
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
