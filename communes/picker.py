"""The people picker: how every form of the portal chooses contacts.

A real `<select>` (multiple or single) of contacts, so that the form posts and saves without JavaScript; the
commune's people come first, in a group of their own. static/js/people-picker.js turns every
`select[data-people-picker]` into a searchable picker (Tom Select, vendored) showing the chosen people as removable
chips, with a "+ Nouvelle personne" button that creates a contact in a dialog without leaving the form (the
`data-create-url` endpoint answers with the new option). Without JavaScript, that button is a link to a page that
creates the person and comes back.
"""

import json
from html import escape

from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils.choices import CallableChoiceIterator
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe

from communes import matching
from communes.models import Commune, Contact
from core import access, ratelimit
from core.forms import IdMultipleChoiceField
from core.french import de, french_sort_key
from core.querysets import get_visible_or_404

# An élu creates people of their own commune from the picker (each becomes a contact at once): a person already in
# the directory is chosen instead of being created again, and at most this many new people a day are created.
ELU_NEW_PEOPLE_PER_DAY = 30
ELU_LIMIT_MESSAGE = (
    f"Vous avez ajouté {ELU_NEW_PEOPLE_PER_DAY} nouvelles personnes aujourd'hui, le maximum par jour. "
    "Choisissez des personnes déjà connues, ou demandez à l'équipe du PAT d'ajouter les autres."
)
PLACEHOLDER = "Rechercher une personne (nom, organisme, commune)…"
QUICK_CREATE_URL = reverse_lazy("communes:contact_quick_create")
# The search as one types (Tom Select's remote load): `search_response` below.
SEARCH_URL = reverse_lazy("communes:contact_search")
# Without JavaScript, "+ Nouvelle personne" opens the directory's contact form, which comes back to the page.
FALLBACK_CREATE_URL = reverse_lazy("communes:contact_create")


def label_of(first_name: str, last_name: str, organisation: str, commune_name: str | None) -> str:
    """'Marie Dupont (Épicerie solidaire, Amagney)': enough to tell two people of the same name apart."""
    full_name = f"{first_name} {last_name}".strip()
    details = ", ".join(part for part in [organisation, commune_name or ""] if part)
    return f"{full_name} ({details})" if details else full_name


def contact_label(contact: Contact) -> str:
    """A contact's label in a picker (see label_of)."""
    return label_of(contact.first_name, contact.last_name, contact.organisation, str(contact.commune or ""))


def picker_contacts():
    """The contacts a picker offers, in French name order, with what their labels show (one query)."""
    return (
        Contact.objects.select_related("commune")
        .only("id", "first_name", "last_name", "organisation", "commune__name")
        .order_by_name()
    )


class PickerOptions:
    """The options of the pickers of one page: the commune's people in their own group, then the people chosen from
    elsewhere, then the matches of a search typed without JavaScript (issue 26.5: never the whole directory; at
    scale 20 a picker holding 16,000 people made the diagnostic edit page weigh 9.8 MB).

    The commune's people are read once, however many pickers show them (present and excused, each lead of a
    diagnostic): one query of plain rows, sorted by French name in Python, each option written once as an HTML
    string. A picker then renders as one join, with its chosen people marked `selected`; the chosen people of
    another commune are read by id (one query, only for ids not already known), so that an edit never loses them.
    Nothing is read until a picker is rendered: a form that saves never reads the directory (a POST checks its
    chosen ids with one query, the field's queryset, which may hold more people than the options).

    Without a commune (e.g. a workshop open to every commune) only the chosen people and the matches are shown.
    Anyone else is found by the search: Tom Select's remote load with JavaScript, the « Chercher » button without.
    """

    FIELDS = ("pk", "first_name", "last_name", "organisation", "commune_id", "commune__name")
    SEARCH_LIMIT = 50  # matches offered by a search without JavaScript

    def __init__(self, contacts=None, *, commune: Commune | None = None):
        self.contacts = contacts  # a queryset of contacts (every contact by default): who may be offered
        self.commune = commune
        self._known: dict[int, tuple[int, str, int | None, str]] = {}
        self._searches: dict[str, list[tuple[int, str, int | None, str]]] = {}

    def _queryset(self):
        return Contact.objects.all() if self.contacts is None else self.contacts

    def _read(self, contacts) -> list[tuple[int, str, int | None, str]]:
        """(id, label, commune id, commune name) of each person, in French name order (last name, first name, id)."""
        values = contacts.order_by().values_list(*self.FIELDS)
        values = sorted(values, key=lambda row: (french_sort_key(row[2]), french_sort_key(row[1]), row[0]))
        rows = [
            (pk, label_of(first, last, organisation, commune_name), commune_id, commune_name or "")
            for pk, first, last, organisation, commune_id, commune_name in values
        ]
        self._known.update((row[0], row) for row in rows)
        return rows

    @cached_property
    def rows(self) -> list[tuple[int, str, int | None, str]]:
        """The commune's people (none without a commune), in French name order."""
        if self.commune is None:
            return []
        return self._read(self._queryset().filter(commune_id=self.commune.pk))

    def chosen_rows(self, values) -> list[tuple[int, str, int | None, str]]:
        """The chosen people the commune's list does not hold (one query for the ids not read yet)."""
        known = {row[0] for row in self.rows}
        ids = {int(value) for value in values if str(value).isdigit() and len(str(value)) < 19}
        missing = ids - self._known.keys()
        if missing:
            self._read(self._queryset().filter(pk__in=missing))
        rows = [self._known[pk] for pk in ids - known if pk in self._known]
        return sorted(rows, key=lambda row: (french_sort_key(row[1]), row[0]))

    def search_rows(self, terms: list[str]) -> list[tuple[int, str, int | None, str]]:
        """The first SEARCH_LIMIT people matching every term (one query, cached per search)."""
        key = " ".join(terms)
        if key not in self._searches:
            contacts = matching_contacts(self._queryset(), terms)
            ids = contacts.order_by("last_name", "first_name", "pk").values_list("pk", flat=True)[: self.SEARCH_LIMIT]
            self._searches[key] = self._read(self._queryset().filter(pk__in=list(ids)))
        return self._searches[key]

    def groups(self, values=(), terms: list[str] | None = None) -> list[tuple[str, list[tuple[int, str]]]]:
        """[(group label, [(id, label)…])…]: the commune's people, the others chosen, the matches of `terms`."""
        own = [(pk, label) for pk, label, _commune_id, _name in self.rows]
        shown = {pk for pk, _label in own}
        others = [(pk, label) for pk, label, _c, _n in self.chosen_rows(values)]
        shown |= {pk for pk, _label in others}
        found = [(pk, label) for pk, label, _c, _n in self.search_rows(terms)] if terms else []
        found = [(pk, label) for pk, label in found if pk not in shown]
        groups = []
        if own:
            groups.append((f"Personnes {de(self.commune)}", own))
        if others:
            groups.append(("Autres personnes" if own else "Personnes choisies", others))
        if found:
            groups.append((f"Trouvées pour « {' '.join(terms)} »", found))
        if len(groups) == 1 and self.commune is None and not found:
            return [("", groups[0][1])]
        return groups

    def choices(self) -> list:
        """The commune's people as Django choices, for a widget that is not a picker (a list of checkboxes)."""
        return [(label, options) for label, options in self.groups()]

    @cached_property
    def _own_html(self) -> str:
        """The commune's options, written once as HTML (no option selected)."""
        return "\n".join([f'<option value="{pk}">{escape(label)}</option>' for pk, label, _c, _n in self.rows])

    def html(self, values, *, empty_label: str | None = None, multiple: bool = True, terms=None) -> str:
        """The select's options, as Django's select widget writes them, with `values` (strings) selected."""
        chosen = [str(value) for value in values if str(value).isdigit()]  # ids: nothing else can match
        if not multiple:
            chosen = chosen[:1]
        parts = []
        if empty_label is not None:
            selected = "" if chosen else " selected"
            parts.append(f'<option value=""{selected}>{escape(empty_label)}</option>')
        for index, (label, options) in enumerate(self.groups(chosen, terms)):
            if index == 0 and self.rows:
                html = self._own_html
            else:
                html = "\n".join([f'<option value="{pk}">{escape(text)}</option>' for pk, text in options])
            for value in chosen:  # a few people among hundreds: each a search in one string
                html = html.replace(f'<option value="{value}">', f'<option value="{value}" selected>', 1)
            if label:
                parts.append(f'<optgroup label="{escape(label)}">\n{html}\n</optgroup>')
            elif html:
                parts.append(html)
        return mark_safe("\n".join(parts))  # noqa: S308 - every label is escaped above


class PeoplePickerMixin:
    """A select the picker script enhances; `create_url` is the inline creation endpoint (None: no button).

    Its options come from a PickerOptions (`options`), written as plain HTML strings: no model instance and no
    template per option (a directory of 16,000 people took seconds through Django's option templates).
    """

    template_name = "communes/widgets/people_picker.html"
    options: PickerOptions | None = None

    def __init__(self, attrs=None, *, create_url=QUICK_CREATE_URL, fallback_url=FALLBACK_CREATE_URL, commune=None):
        super().__init__(attrs=attrs)
        self.create_url = create_url
        self.fallback_url = fallback_url
        self.commune = commune

    search_term: str | None = None  # what was typed in the search field without JavaScript
    search_requested = False  # its « Chercher » button sent the form

    def value_from_datadict(self, data, files, name):
        term = data.get(search_name(name))
        self.search_term = term[: SEARCH_MAX_LENGTH * 2] if isinstance(term, str) else None
        # Its own button, or any picker's (Enter in a search field presses the form's first « Chercher ») with
        # something typed in this one.
        self.search_requested = data.get(SEARCH_BUTTON) == name or (
            SEARCH_BUTTON in data and bool((self.search_term or "").strip())
        )
        return super().value_from_datadict(data, files, name)

    def search_terms(self) -> list[str] | None:
        """The words searched without JavaScript, or None (nothing typed, or a search refused)."""
        try:
            return search_terms(self.search_term) if self.search_term else None
        except SearchRefused:
            return None

    def optgroups(self, name, value, attrs=None):
        if self.options is not None:
            return []  # written by PickerOptions.html
        return super().optgroups(name, value, attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-people-picker"] = ""
        widget_attrs["data-placeholder"] = PLACEHOLDER
        if self.create_url:
            widget_attrs["data-create-url"] = str(self.create_url)
        widget_attrs["data-search-url"] = str(SEARCH_URL)
        if self.commune is not None:
            widget_attrs["data-commune"] = str(self.commune.pk)
        context["widget"]["fallback_url"] = str(self.fallback_url) if self.fallback_url else ""
        context["widget"]["can_create"] = bool(self.create_url)
        if self.options is not None:
            context["widget"]["options_html"] = self.options.html(
                context["widget"]["value"],
                empty_label=self.empty_label,
                multiple=self.allow_multiple_selected,
                terms=self.search_terms(),
            )
            context["widget"]["search"] = {
                "name": search_name(name),
                "id": f"{widget_attrs.get('id') or name}-recherche",
                "value": self.search_term or "",
                "button": SEARCH_BUTTON,
                "maxlength": SEARCH_MAX_LENGTH,
            }
        return context


class PeoplePickerWidget(PeoplePickerMixin, forms.SelectMultiple):
    """Several people (participants, resource people, registrations)."""

    empty_label = None


class PersonPickerWidget(PeoplePickerMixin, forms.Select):
    """One person (an action's lead)."""

    empty_label = ""

    def use_required_attribute(self, initial):
        if self.options is None:
            return super().use_required_attribute(initial)
        return forms.Widget.use_required_attribute(self, initial)  # its first option is the empty one


def search_name(name: str) -> str:
    """The name of a picker's search field without JavaScript."""
    return f"{name}-recherche"


# The « Chercher » button of a picker without JavaScript: its value names the picker whose search is asked.
SEARCH_BUTTON = "chercher_personne"


def check_search(field) -> None:
    """A search asked without JavaScript sends the form back to be shown again (nothing saved, everything typed
    kept) with the matches offered in the picker, and says what was found, as an error of the field."""
    widget = field.widget
    if not getattr(widget, "search_requested", False):
        return
    try:
        terms = search_terms(widget.search_term)
    except SearchRefused as refused:
        raise forms.ValidationError(str(refused), code="search") from None
    options = widget.options
    found = len(options.search_rows(terms)) if options is not None else 0
    typed = " ".join(terms)
    if not found:
        message = f"Aucune personne ne correspond à « {typed} ». Essayez une autre orthographe, ou créez-la."
    elif found == 1:
        message = f"Une personne correspond à « {typed} » : choisissez-la dans la liste, puis enregistrez."
    else:
        more = " (les premières)" if found >= PickerOptions.SEARCH_LIMIT else ""
        message = f"{found} personnes{more} correspondent à « {typed} » : choisissez dans la liste, puis enregistrez."
    raise forms.ValidationError(message, code="search")


def _offer(field, *, commune, contacts, options) -> None:
    """What a POST is checked against (`contacts`: the field's queryset, one query for the chosen ids) and what
    is shown (`options`, shared by a page's pickers; by default the same people)."""
    field.queryset = picker_contacts() if contacts is None else contacts
    options = options if options is not None else PickerOptions(contacts, commune=commune)
    field.widget.commune = commune if commune is not None else options.commune
    if isinstance(field.widget, PeoplePickerMixin):
        field.widget.options = options
    else:
        field.widget.choices = CallableChoiceIterator(options.choices)  # read only if shown


class ContactPickerField(IdMultipleChoiceField):
    """Several contacts through the people picker. `offer(commune=…)` lists the commune's people first."""

    widget = PeoplePickerWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Contact.objects.none())
        super().__init__(**kwargs)

    def label_from_instance(self, contact):
        return contact_label(contact)

    def clean(self, value):
        check_search(self)
        return super().clean(value)

    def offer(self, *, commune=None, contacts=None, options: PickerOptions | None = None) -> None:
        """What is checked on POST (`contacts`, every contact by default) and what is shown, the commune first
        (`options`, shared by the page's pickers, or read here when shown)."""
        _offer(self, commune=commune, contacts=contacts, options=options)


class ContactPickerChoiceField(forms.ModelChoiceField):
    """One contact through the people picker."""

    widget = PersonPickerWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Contact.objects.none())
        super().__init__(**kwargs)

    def label_from_instance(self, contact):
        return contact_label(contact)

    def clean(self, value):
        check_search(self)
        return super().clean(value)

    def offer(self, *, commune=None, contacts=None, options: PickerOptions | None = None) -> None:
        _offer(self, commune=commune, contacts=contacts, options=options)
        self.widget.empty_label = self.empty_label or ""


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
    given, is the new person's (an élu's own); `picker_commune` is the commune the picker lists first. A person the
    directory already has (`matching.same_person`) is answered as is, not created twice; an élu creates at most
    ELU_NEW_PEOPLE_PER_DAY people a day.
    """
    action = request.get_full_path()
    if request.method != "POST":
        return render(request, "communes/_quick_contact_form.html", {"form": form, "action": action})
    if commune is not None:
        form.instance.commune = commune
    if not form.is_valid():
        html = render_to_string("communes/_quick_contact_form.html", {"form": form, "action": action}, request)
        return _json({"html": html})
    data = form.cleaned_data
    contact = matching.same_person(
        commune=form.instance.commune if commune is not None else data.get("commune"),
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        email=data.get("email", ""),
    )
    if contact is None:
        if (
            commune is not None
            and not ratelimit.hit(
                "nouvelle-personne-elu", str(request.user.pk), limit=ELU_NEW_PEOPLE_PER_DAY, window=86400
            ).allowed
        ):
            form.add_error(None, ELU_LIMIT_MESSAGE)
            html = render_to_string("communes/_quick_contact_form.html", {"form": form, "action": action}, request)
            return _json({"html": html})
        contact = form.save()
    option = {"value": str(contact.pk), "text": contact_label(contact), "group": group_label(contact, picker_commune)}
    return _json({"option": option})


# Searching as one types: Tom Select's remote `load` -----------------------------------------------------------------
SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 100
SEARCH_RESULTS = 20
SEARCH_PER_MINUTE = 120  # per person: a few keystrokes a second while typing, never a copy of the directory


class SearchRefused(ValueError):
    """A search the endpoint answers 400 to, with the French reason."""


def searchable_contacts(user):
    """The people a reader may find: the team every contact, an élu their own commune's only."""
    if access.is_team(user):
        return Contact.objects.visible_to(user)
    if user.commune_id:
        return Contact.objects.filter(commune_id=user.commune_id)
    return Contact.objects.none()


def search_terms(raw: str | None) -> list[str]:
    """The words of a search, checked: 2 to 100 characters; SQL wildcards (% _) are searched as typed."""
    text = " ".join((raw or "").split())
    if len(text) < SEARCH_MIN_LENGTH:
        raise SearchRefused(f"Tapez au moins {SEARCH_MIN_LENGTH} caractères pour chercher une personne.")
    if len(text) > SEARCH_MAX_LENGTH:
        raise SearchRefused(f"La recherche est limitée à {SEARCH_MAX_LENGTH} caractères.")
    return text.split()[:5]


def matching_contacts(contacts, terms: list[str]):
    """The contacts matching every term, in their name, first name, organisation or commune (SQL wildcards as typed:
    Django escapes them in `icontains`)."""
    for term in terms:
        contacts = contacts.filter(
            Q(last_name__icontains=term)
            | Q(first_name__icontains=term)
            | Q(organisation__icontains=term)
            | Q(commune__name__icontains=term)
        )
    return contacts


def search_options(user, terms: list[str], *, commune: Commune | None = None) -> list[dict]:
    """The first SEARCH_RESULTS people matching every term (name, organisation or commune), the commune's first,
    as Tom Select options (`value`, `text`, `optgroup`). One query of plain rows, whatever the directory's size."""
    contacts = matching_contacts(searchable_contacts(user), terms)
    own_first = (
        Case(When(commune_id=commune.pk, then=Value(0)), default=Value(1), output_field=IntegerField())
        if commune is not None
        else Value(0)
    )
    # The binary order picks the first rows cheaply (a French collation would be called for every match); the page
    # of results is then put in French order here.
    rows = contacts.annotate(own_first=own_first).order_by("own_first", "last_name", "first_name", "pk")
    rows = rows.values_list(
        "own_first", "pk", "first_name", "last_name", "organisation", "commune_id", "commune__name"
    )
    rows = sorted(rows[:SEARCH_RESULTS], key=lambda row: (row[0], french_sort_key(row[3]), french_sort_key(row[2])))
    return [
        {
            "value": str(pk),
            "text": label_of(first, last, organisation, commune_name),
            "optgroup": (f"Personnes {de(commune)}" if commune_id == commune.pk else "Autres personnes")
            if commune is not None
            else "",
        }
        for _own, pk, first, last, organisation, commune_id, commune_name in rows
    ]


def search_response(request) -> HttpResponse:
    """`GET ?q=…&commune=…`: `{"results": […]}`; 400 with `{"error": …}` for a search too short or too long, 404 for
    a commune the reader does not see, 429 past SEARCH_PER_MINUTE searches a minute."""
    commune = visible_commune_or_404(request.user, request.GET.get("commune"))
    try:
        terms = search_terms(request.GET.get("q"))
    except SearchRefused as refused:
        response = _json({"error": str(refused)})
        response.status_code = 400
        return response
    if not ratelimit.hit("recherche-personnes", str(request.user.pk), limit=SEARCH_PER_MINUTE, window=60).allowed:
        response = _json({"error": "Trop de recherches en une minute : patientez un instant."})
        response.status_code = 429
        return response
    return _json({"results": search_options(request.user, terms, commune=commune)})
