// Attendance screen: a "everyone present" button (the page works without it).
(function () {
  "use strict";
  document.querySelectorAll(".js-only").forEach(function (element) {
    element.classList.remove("d-none");
  });
  document.querySelectorAll("[data-mark-all]").forEach(function (button) {
    button.addEventListener("click", function () {
      var value = button.getAttribute("data-mark-all");
      var form = button.closest("form");
      form.querySelectorAll('input[type="radio"][value="' + value + '"]').forEach(function (radio) {
        radio.checked = true;
      });
    });
  });
})();
