// The people picker (communes/picker.py): every select[data-people-picker] becomes a searchable picker (Tom Select,
// vendored) with the chosen people as removable chips; "+ Nouvelle personne" creates a contact in a dialog and
// chooses them, without leaving the form. Without JavaScript the page keeps its plain select and a link to the
// contact form, so nothing here is needed to save a form.
(function () {
  "use strict";
  if (typeof window.TomSelect === "undefined") return;

  var status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  document.body.appendChild(status);

  function say(message) {
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = message;
    }, 50);
  }

  function escapeHtml(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function groupValue(picker, label) {
    if (!label) return null;
    var found = null;
    Object.keys(picker.optgroups).forEach(function (value) {
      if (picker.optgroups[value].label === label) found = value;
    });
    if (found === null) {
      picker.addOptionGroup(label, { label: label, value: label });
      found = label;
    }
    return found;
  }

  // A new person is offered by every picker of the page (present and excused…), chosen in the one that asked.
  function addPerson(option, chooser) {
    document.querySelectorAll("select[data-people-picker]").forEach(function (select) {
      var picker = select.tomselect;
      if (!picker) return;
      var data = { value: option.value, text: option.text };
      var group = groupValue(picker, option.group);
      if (group !== null) data.optgroup = group;
      picker.addOption(data);
      picker.refreshOptions(false);
    });
    chooser.addItem(option.value);
    chooser.close();
    say(option.text + " : personne créée et choisie.");
  }

  function openDialog(select, opener) {
    var picker = select.tomselect;
    var url = new URL(select.getAttribute("data-create-url"), window.location.href);
    if (select.dataset.commune) url.searchParams.set("commune", select.dataset.commune);

    var dialog = document.createElement("dialog");
    dialog.className = "people-picker-dialog";
    var titleId = select.id + "-nouvelle-personne";
    dialog.setAttribute("aria-labelledby", titleId);
    dialog.innerHTML =
      '<h2 class="h5" id="' + titleId + '">Nouvelle personne</h2>' +
      '<div class="people-picker-dialog-body"><p>Chargement du formulaire…</p></div>';
    document.body.appendChild(dialog);
    var body = dialog.querySelector(".people-picker-dialog-body");

    function close() {
      dialog.close();
    }
    dialog.addEventListener("close", function () {
      dialog.remove();
      opener.focus();
    });

    function show(html) {
      body.innerHTML = html;
      var form = body.querySelector("form");
      body.querySelector("[data-picker-cancel]").addEventListener("click", close);
      var summary = body.querySelector("[data-error-summary]");
      var first = summary || form.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("[type=submit]");
        button.disabled = true;
        var data = new FormData(form);
        fetch(form.action, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
        })
          .then(function (response) {
            if (!response.ok) throw new Error(String(response.status));
            return response.json();
          })
          .then(function (answer) {
            if (answer.option) {
              addPerson(answer.option, picker);
              close();
            } else {
              show(answer.html);
            }
          })
          .catch(function () {
            button.disabled = false;
            var alert = document.createElement("p");
            alert.className = "alert alert-danger mt-2";
            alert.setAttribute("role", "alert");
            alert.textContent = "La personne n'a pas pu être enregistrée. Vérifiez votre connexion et réessayez.";
            form.appendChild(alert);
          });
      });
    }

    dialog.showModal();
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(show)
      .catch(function () {
        body.innerHTML =
          '<p class="alert alert-danger" role="alert">Le formulaire n\'a pas pu être chargé.</p>' +
          '<button type="button" class="btn btn-secondary" data-picker-cancel>Fermer</button>';
        body.querySelector("[data-picker-cancel]").addEventListener("click", close);
      });
  }

  // Searching on the server as one types (communes/picker.py search_response): people the page does not list
  // (another commune's, at scale only the commune's people are in the page) are found by the endpoint, which
  // answers only what the reader may see. Each answer's groups are created on the fly.
  function remoteLoad(select) {
    var url = select.getAttribute("data-search-url");
    if (!url) return {};
    return {
      loadThrottle: 250,
      shouldLoad: function (query) {
        return query.trim().length >= 2;
      },
      load: function (query, callback) {
        var picker = select.tomselect;
        var address = new URL(url, window.location.href);
        address.searchParams.set("q", query);
        if (select.dataset.commune) address.searchParams.set("commune", select.dataset.commune);
        fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            if (!response.ok) throw new Error(String(response.status));
            return response.json();
          })
          .then(function (answer) {
            var results = (answer.results || []).map(function (option) {
              var group = groupValue(picker, option.optgroup);
              var data = { value: option.value, text: option.text };
              if (group !== null) data.optgroup = group;
              return data;
            });
            callback(results);
          })
          .catch(function () {
            callback();
            say("La recherche n'a pas abouti. Vérifiez votre connexion et réessayez.");
          });
      },
    };
  }

  function enhance(select) {
    var multiple = select.multiple;
    var picker = new window.TomSelect(select, Object.assign(remoteLoad(select), {
      plugins: multiple ? { remove_button: { title: "Retirer cette personne" } } : {},
      maxOptions: null,
      lockOptgroupOrder: true,
      allowEmptyOption: !multiple,
      placeholder: select.getAttribute("data-placeholder") || "",
      hidePlaceholder: multiple,
      closeAfterSelect: !multiple,
      // Ready for the next name: the search is cleared, the list stays open for a multiple choice.
      clearAfterSelect: true,
      // The list is in the page: filter at each key, without waiting (the default waits 300 ms for a server).
      refreshThrottle: 0,
      render: {
        no_results: function (data) {
          return (
            '<div class="no-results">Aucune personne ne correspond à « ' +
            escapeHtml(data.input) +
            " ». Créez-la avec « + Nouvelle personne ».</div>"
          );
        },
      },
    }));
    picker.wrapper.classList.add("people-picker");
    // Enter in the search box chooses a person (Tom Select's own handler runs first) and never sends the form,
    // even when the list has not opened yet on a slow device.
    picker.control_input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
    // The real select stays in the form for what is posted; its label now names the picker's search box, so the
    // select itself is hidden from assistive technologies as it is from sight (one control, not two).
    select.setAttribute("aria-hidden", "true");
    // The search field without JavaScript (a « Chercher » button posting the form back) gives way to the picker's
    // own search, which asks the server as one types.
    var fallbackSearch = document.querySelector('[data-picker-search-for="' + select.id + '"]');
    if (fallbackSearch) fallbackSearch.remove();

    var link = document.querySelector('a.people-picker-new[data-picker-for="' + select.id + '"]');
    if (link && select.getAttribute("data-create-url")) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = link.className;
      button.textContent = link.textContent;
      link.replaceWith(button);
      button.addEventListener("click", function () {
        openDialog(select, button);
      });
    }
  }

  document.querySelectorAll("select[data-people-picker]").forEach(enhance);

  // Rows added without saving (static/js/formsets.js, e.g. a diagnostic's new lead) get their picker too.
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      mutation.addedNodes.forEach(function (node) {
        if (node.nodeType !== Node.ELEMENT_NODE) return;
        var selects = node.matches("select[data-people-picker]")
          ? [node]
          : Array.prototype.slice.call(node.querySelectorAll("select[data-people-picker]"));
        selects.forEach(function (select) {
          if (!select.tomselect) enhance(select);
        });
      });
    });
  }).observe(document.querySelector("main") || document.body, { childList: true, subtree: true });
})();
