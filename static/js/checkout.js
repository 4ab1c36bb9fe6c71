// Checkout: the new-address fields show only when "A new address" is chosen, and the
// order summary follows the coupon and shipping choices as they change (the server
// prices it: /checkout/summary/). Without script the "Apply" button does the same.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("checkout-form");
  if (!form) {
    return;
  }
  var newAddress = form.querySelector("[data-new-address]");
  var summary = form.querySelector("[data-checkout-summary]");
  var placeButton = form.querySelector("button[value=place]");

  function chosenAddress() {
    var checked = form.querySelector("input[name=address]:checked");
    return checked ? checked.value : "";
  }
  function toggleNewAddress() {
    if (newAddress) {
      newAddress.hidden = chosenAddress() !== "new";
    }
  }

  var pending = null;
  var timer = null;
  function refreshSummary() {
    var params = new URLSearchParams();
    params.set("coupon", (form.elements.coupon && form.elements.coupon.value) || "");
    var shipping = form.querySelector("input[name=shipping_method]:checked");
    if (shipping) {
      params.set("shipping_method", shipping.value);
    }
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    fetch(form.dataset.summaryUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      signal: pending.signal,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("summary " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        summary.innerHTML = html;
        if (placeButton) {
          placeButton.disabled = !!summary.querySelector("[role=alert]");
        }
      })
      .catch(function () {
        /* keep the last summary; the server checks everything again on "Place order" */
      });
  }
  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(refreshSummary, 350);
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "address") {
      toggleNewAddress();
    } else if (event.target.name === "shipping_method" || event.target.name === "coupon") {
      refreshSummary();
    }
  });
  if (form.elements.coupon) {
    form.elements.coupon.addEventListener("input", refreshSoon);
  }
  toggleNewAddress();
})();
