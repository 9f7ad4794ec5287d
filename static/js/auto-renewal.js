// The automatic-renewal card form (/billing/auto-renewal/): the card is turned into a token in
// the browser and only the token is posted. Midtrans: MidtransNew3ds.getCardToken (its JS, loaded
// by the page). The dev gateway: a fake token made here, offline. The card inputs have no name,
// so the browser never sends them to MODO.
(function () {
  "use strict";
  var form = document.getElementById("card-token-form");
  if (!form) return;
  var tokenInput = document.getElementById("payment-token");
  var errorBox = document.getElementById("card-token-error");

  function value(id) {
    return document.getElementById(id).value.replace(/\s+/g, "");
  }

  function fail(message) {
    errorBox.textContent = message || form.dataset.errorMessage;
    errorBox.hidden = false;
  }

  function submitWith(token) {
    tokenInput.value = token;
    form.submit(); // a programmatic submit: this handler does not run again
  }

  function devToken() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "dev-tok-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errorBox.hidden = true;
    var card = {
      card_number: value("card-number"),
      card_exp_month: value("card-exp-month"),
      card_exp_year: value("card-exp-year"),
      card_cvv: value("card-cvv"),
    };
    if (!/^\d{12,19}$/.test(card.card_number) || !/^\d{2}$/.test(card.card_exp_month) ||
        !/^\d{4}$/.test(card.card_exp_year) || !/^\d{3,4}$/.test(card.card_cvv)) {
      fail();
      return;
    }
    if (form.dataset.gateway === "dev") {
      submitWith(devToken());
      return;
    }
    if (!window.MidtransNew3ds) {
      fail();
      return;
    }
    window.MidtransNew3ds.getCardToken(card, {
      onSuccess: function (response) { submitWith(response.token_id); },
      onFailure: function (response) { fail(response && response.status_message); },
    });
  });
})();
