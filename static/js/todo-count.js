// The navigation's "À faire (n)": a page that did not know the count asks for it once it is shown, so that no page
// pays a query for the navigation (pat_portal/pages/navigation.py). Without JavaScript the link reads "À faire".
(function () {
  "use strict";
  var link = document.querySelector("a[data-todo-count-url]");
  if (!link || !window.fetch) {
    return;
  }
  fetch(link.getAttribute("data-todo-count-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      return response.ok ? response.json() : null;
    })
    .then(function (data) {
      if (data && typeof data.label === "string") {
        link.textContent = data.label;
      }
    })
    .catch(function () {});
})();
