// Category and search pages: filters open beside the results on wide screens (a
// collapsed <details> on phones), the sort select applies itself, and empty filter
// fields stay out of the address.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var filters = document.querySelector("[data-filters]");
  if (filters && window.matchMedia("(min-width: 760px)").matches) {
    filters.open = true;
  }

  var form = document.getElementById("filter-form");
  if (!form) {
    return;
  }
  form.addEventListener("submit", function () {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && field.value === "" && field.type !== "checkbox") {
        field.disabled = true;
      }
    });
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    });
  });
})();
