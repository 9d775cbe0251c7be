// Time entry and week grid, progressive (without it every line is listed and the server refuses a line of another
// mission with a French message): each row's order-line select offers only the lines of its activity's mission.
// The activity value names its mission: "accompagnement:12" → Mission 1, "atelier:3" → 2, "demande:8" → 3;
// general programme work ("general") may go on any mission's line.
(function () {
  "use strict";

  var MISSIONS = { accompagnement: "1", atelier: "2", demande: "3" };

  function container(select) {
    return select.closest("tr") || select.form;
  }

  function filterLines(activity) {
    var scope = container(activity);
    var lines = scope && scope.querySelector("select[data-time-line]");
    if (!lines) return;
    var mission = MISSIONS[(activity.value || "").split(":")[0]] || "";
    Array.prototype.forEach.call(lines.options, function (option) {
      var other = mission && option.dataset.mission && option.dataset.mission !== mission;
      option.hidden = Boolean(other);
      option.disabled = Boolean(other);
      if (other && option.selected) lines.value = "";
    });
    Array.prototype.forEach.call(lines.querySelectorAll("optgroup"), function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
  }

  // The week grid's added-row template carries its selects with only the empty option (each long list is on
  // every row already): they get the lists of the first row, nothing chosen, before a row is added.
  document.querySelectorAll("template.formset-empty").forEach(function (template) {
    var fieldset = template.closest("fieldset");
    ["select[data-time-activity]", "select[data-time-line]"].forEach(function (selector) {
      var empty = template.content.querySelector(selector);
      var source = fieldset && fieldset.querySelector(".formset-forms " + selector);
      if (!empty || !source || empty.options.length > 1) return;
      empty.innerHTML = source.innerHTML;
      Array.prototype.forEach.call(empty.querySelectorAll("option[selected]"), function (option) {
        option.removeAttribute("selected");
      });
      if (empty.options.length) empty.options[0].setAttribute("selected", "");
    });
  });

  document.querySelectorAll("select[data-time-activity]").forEach(filterLines);
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-time-activity]")) filterLines(event.target);
  });
})();
