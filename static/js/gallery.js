// Product gallery: a thumbnail shows its picture in the large frame. Without JavaScript
// the thumbnails are plain links to the full pictures.
(function () {
  "use strict";
  var gallery = document.querySelector("[data-gallery]");
  if (!gallery) {
    return;
  }
  var image = gallery.querySelector("[data-gallery-image]");
  var link = gallery.querySelector("[data-gallery-link]");
  var thumbs = gallery.querySelectorAll(".gallery-thumbs a");
  thumbs.forEach(function (thumb) {
    thumb.addEventListener("click", function (event) {
      if (!image || event.metaKey || event.ctrlKey || event.shiftKey) {
        return; // let a modified click open the full picture as usual
      }
      event.preventDefault();
      image.src = thumb.dataset.medium;
      image.alt = thumb.dataset.alt;
      link.href = thumb.href;
      thumbs.forEach(function (other) {
        other.removeAttribute("aria-current");
      });
      thumb.setAttribute("aria-current", "true");
    });
  });
})();
