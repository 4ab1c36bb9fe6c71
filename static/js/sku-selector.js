// Product page: choosing attribute values shows that SKU's price, compare-at price and
// availability, and sets the hidden SKU id, without reloading the page.
//
// Groups narrow from the top: a value is offered when some SKU in stock has it together
// with the values chosen in the groups above it. When a choice makes a later group's
// value impossible, the first possible one is picked instead, so every reachable
// combination stays reachable.
(function () {
  "use strict";
  var form = document.querySelector("[data-sku-selector]");
  var skuNode = document.getElementById("sku-data");
  var textNode = document.getElementById("sku-text");
  if (!form || !skuNode || !textNode) {
    return;
  }
  var skus = JSON.parse(skuNode.textContent);
  var text = JSON.parse(textNode.textContent);
  var groups = Array.prototype.map.call(form.querySelectorAll(".option-group"), function (fieldset) {
    return Array.prototype.slice.call(fieldset.querySelectorAll("input[type=radio]"));
  });
  var price = form.querySelector("[data-sku-price]");
  var compareAt = form.querySelector("[data-sku-compare-at]");
  var availability = form.querySelector("[data-sku-availability]");
  var skuId = form.querySelector("[data-sku-id]");
  var skuCode = form.querySelector("[data-sku-code]");

  function checkedValue(inputs) {
    var checked = inputs.filter(function (input) { return input.checked; })[0];
    return checked ? Number(checked.value) : null;
  }

  function hasAll(sku, values) {
    return values.every(function (value) { return value === null || sku.values.indexOf(value) !== -1; });
  }

  function buyable(values) {
    return skus.some(function (sku) { return sku.available > 0 && hasAll(sku, values); });
  }

  function availabilityOf(available) {
    if (available <= 0) {
      return { state: "sold-out", text: text.sold_out };
    }
    if (available <= text.few_left_at) {
      return { state: "few-left", text: text.few_left.replace("%(count)s", String(available)) };
    }
    return { state: "in-stock", text: text.in_stock };
  }

  function refresh() {
    var chosen = [];
    groups.forEach(function (inputs) {
      inputs.forEach(function (input) {
        input.disabled = !buyable(chosen.concat([Number(input.value)]));
      });
      var current = inputs.filter(function (input) { return input.checked; })[0];
      if (!current || current.disabled) {
        var first = inputs.filter(function (input) { return !input.disabled; })[0];
        if (first) {
          first.checked = true;
        }
      }
      chosen.push(checkedValue(inputs));
    });

    var sku = skus.filter(function (candidate) {
      return candidate.values.length === chosen.length && hasAll(candidate, chosen);
    })[0];
    var shown = availabilityOf(sku ? sku.available : 0);
    availability.textContent = shown.text;
    availability.className = "availability availability-" + shown.state;
    if (!sku) {
      skuId.value = "";
      return;
    }
    price.textContent = sku.price;
    compareAt.textContent = sku.compare_at_price;
    compareAt.hidden = !sku.compare_at_price;
    skuId.value = String(sku.id);
    skuCode.textContent = sku.code;
  }

  form.addEventListener("change", refresh);
  refresh();
})();
