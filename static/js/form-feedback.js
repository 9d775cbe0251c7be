// Form feedback, progressive (every form works without it):
// - a page that comes back with errors puts the focus on its error summary, and the summary's links move the focus
//   to the field (or to its people picker when Tom Select replaced the select);
// - a submit button with data-busy-label disables itself and says what is going on while a long action runs.
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      if (target.tomselect) {
        target.tomselect.focus();
      } else {
        target.focus();
      }
      var wrapper = target.closest(".mb-3, fieldset") || target;
      wrapper.scrollIntoView({ block: "center" });
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !button.hasAttribute("data-busy-label")) return;
      if (form.dataset.busy) {
        event.preventDefault(); // a second click while the first one is running
        return;
      }
      form.dataset.busy = "1";
      var label = button.getAttribute("data-busy-label");
      var spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm me-2";
      spinner.setAttribute("aria-hidden", "true");
      var status = document.createElement("span");
      status.setAttribute("role", "status");
      status.textContent = label;
      // After the submission has read the button's name and value: a disabled button is not submitted.
      window.setTimeout(function () {
        button.disabled = true;
        button.replaceChildren(spinner, status);
      }, 0);
    });
  });
})();
