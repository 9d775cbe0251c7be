// "Ajouter une ligne" for Django inline formsets: clones the <template class="formset-empty"> of a
// fieldset.formset and renumbers __prefix__. Without JavaScript, one blank row is always offered.
document.querySelectorAll("fieldset.formset").forEach(function (fieldset) {
  var prefix = fieldset.dataset.prefix;
  var total = fieldset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
  var template = fieldset.querySelector("template.formset-empty");
  var button = fieldset.querySelector(".formset-add");
  if (!total || !template || !button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    fieldset.querySelector(".formset-forms").insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var added = fieldset.querySelectorAll(".formset-form");
    var first = added[added.length - 1].querySelector("input, select, textarea");
    if (first) first.focus();
  });
});
