"""The people picker: how every form of the portal chooses contacts.

A real `<select>` (multiple or single) of contacts, so that the form posts and saves without JavaScript; the
commune's people come first, in a group of their own. static/js/people-picker.js turns every
`select[data-people-picker]` into a searchable picker (Tom Select, vendored) showing the chosen people as removable
chips, with a "+ Nouvelle personne" button that creates a contact in a dialog without leaving the form (the
`data-create-url` endpoint answers with the new option). Without JavaScript, that button is a link to a page that
creates the person and comes back.
"""

import json

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse_lazy

from communes.models import Commune, Contact
from pat_portal.kernel.forms import IdMultipleChoiceField
from pat_portal.kernel.french import de
from pat_portal.kernel.querysets import get_visible_or_404

PLACEHOLDER = "Rechercher une personne (nom, organisme, commune)…"
QUICK_CREATE_URL = reverse_lazy("communes:contact_quick_create")
# Without JavaScript, "+ Nouvelle personne" opens the directory's contact form, which comes back to the page.
FALLBACK_CREATE_URL = reverse_lazy("communes:contact_create")


def contact_label(contact: Contact) -> str:
    """'Marie Dupont (Épicerie solidaire, Amagney)': enough to tell two people of the same name apart."""
    details = ", ".join(part for part in [contact.organisation, str(contact.commune or "")] if part)
    return f"{contact.full_name} ({details})" if details else contact.full_name


def picker_contacts():
    """The contacts a picker offers, in French name order, with what their labels show (one query)."""
    return (
        Contact.objects.select_related("commune")
        .only("id", "first_name", "last_name", "organisation", "commune__name")
        .order_by_name()
    )


def grouped_choices(contacts, *, commune=None) -> list:
    """The choices of a picker: the commune's people first in their own group, then everyone else.

    Without a commune (a workshop is open to every commune), one flat list in name order.
    """
    options = [(contact.pk, contact_label(contact), contact.commune_id) for contact in contacts]
    if commune is None:
        return [(pk, label) for pk, label, _commune in options]
    own = [(pk, label) for pk, label, commune_id in options if commune_id == commune.pk]
    others = [(pk, label) for pk, label, commune_id in options if commune_id != commune.pk]
    groups = []
    if own:
        groups.append((f"Personnes {de(commune)}", own))
    if others:
        groups.append(("Autres personnes" if own else "Personnes", others))
    return groups


class PeoplePickerMixin:
    """A select the picker script enhances; `create_url` is the inline creation endpoint (None: no button)."""

    template_name = "communes/widgets/people_picker.html"

    def __init__(self, attrs=None, *, create_url=QUICK_CREATE_URL, fallback_url=FALLBACK_CREATE_URL, commune=None):
        super().__init__(attrs=attrs)
        self.create_url = create_url
        self.fallback_url = fallback_url
        self.commune = commune

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-people-picker"] = ""
        widget_attrs["data-placeholder"] = PLACEHOLDER
        if self.create_url:
            widget_attrs["data-create-url"] = str(self.create_url)
        if self.commune is not None:
            widget_attrs["data-commune"] = str(self.commune.pk)
        context["widget"]["fallback_url"] = str(self.fallback_url) if self.fallback_url else ""
        context["widget"]["can_create"] = bool(self.create_url)
        return context


class PeoplePickerWidget(PeoplePickerMixin, forms.SelectMultiple):
    """Several people (participants, resource people, registrations)."""


class PersonPickerWidget(PeoplePickerMixin, forms.Select):
    """One person (an action's lead)."""


class ContactPickerField(IdMultipleChoiceField):
    """Several contacts through the people picker. `offer(commune=…)` lists the commune's people first."""

    widget = PeoplePickerWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Contact.objects.none())
        super().__init__(**kwargs)

    def label_from_instance(self, contact):
        return contact_label(contact)

    def offer(self, *, commune=None, contacts=None, choices=None) -> None:
        """What is checked on POST (`contacts`, every contact by default) and what is shown, the commune first
        (`choices`, computed once by a formset for all its forms, or here)."""
        self.queryset = picker_contacts() if contacts is None else contacts
        self.widget.commune = commune
        self.widget.choices = grouped_choices(self.queryset, commune=commune) if choices is None else choices


class ContactPickerChoiceField(forms.ModelChoiceField):
    """One contact through the people picker."""

    widget = PersonPickerWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Contact.objects.none())
        super().__init__(**kwargs)

    def label_from_instance(self, contact):
        return contact_label(contact)

    def offer(self, *, commune=None, contacts=None) -> None:
        self.queryset = picker_contacts() if contacts is None else contacts
        self.widget.commune = commune
        self.widget.choices = [("", self.empty_label or ""), *grouped_choices(self.queryset, commune=commune)]


# "+ Nouvelle personne": the endpoints' shared answer ---------------------------------------------------------------
QUICK_FORM_PREFIX = "nouvelle_personne"  # the dialog's fields never share an id with the form in progress
# JSON with <, > and & escaped: a name typed as markup reaches the page as text, whatever reads the answer.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _json(data: dict) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def visible_commune_or_404(user, raw) -> Commune | None:
    """The commune named by a request parameter, among those the user sees (404 otherwise); None when not named."""
    if raw in (None, ""):
        return None
    if not str(raw).isdigit():
        raise Http404("Commune inconnue.")
    return get_visible_or_404(Commune, user, pk=raw)


def group_label(contact: Contact, commune: Commune | None) -> str:
    """The picker group a new person joins (see grouped_choices)."""
    if commune is None:
        return ""
    return f"Personnes {de(commune)}" if contact.commune_id == commune.pk else "Autres personnes"


def quick_create_response(request, form, *, commune: Commune | None = None, picker_commune: Commune | None = None):
    """GET: the dialog's form (an HTML fragment). POST: the contact is created and the answer is its option
    (`{"option": {"value", "text", "group"}}`), or the form again with its French errors (`{"html": …}`).

    Both POST answers are 200 with JSON, as a form page answers 200 when it shows its errors. `commune`, when
    given, is the new person's (an élu's own); `picker_commune` is the commune the picker lists first.
    """
    action = request.get_full_path()
    if request.method != "POST":
        return render(request, "communes/_quick_contact_form.html", {"form": form, "action": action})
    if commune is not None:
        form.instance.commune = commune
    if not form.is_valid():
        html = render_to_string("communes/_quick_contact_form.html", {"form": form, "action": action}, request)
        return _json({"html": html})
    contact = form.save()
    option = {"value": str(contact.pk), "text": contact_label(contact), "group": group_label(contact, picker_commune)}
    return _json({"option": option})
