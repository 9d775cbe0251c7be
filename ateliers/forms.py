from html import escape

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe

from ateliers.models import LogisticsCost, Registration, Resource, Testimony, Theme, Workshop, WorkshopReport
from communes.matching import MAX_LINES, PastedLine, match_people, pasted_lines
from communes.models import Commune, Contact
from communes.picker import (
    ContactPickerChoiceField,
    ContactPickerField,
    PersonPickerWidget,
    PickerOptions,
    picker_contacts,
)
from core.concurrency import VersionedModelForm
from core.forms import IdMultipleChoiceField, bounded_inline_formset
from core.french import de, french_order, french_sorted
from core.submissions import SUBMISSION_TOKEN_FIELD, SubmissionTokenMixin
from core.uploads import UploadField
from missions.mission1.models.action_plans import Action
from missions.programme.models import Programme

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _helper(*layout, submit: str = "Enregistrer", form_tag: bool = True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.layout = Layout(*layout, Submit("submit", submit)) if submit else Layout(*layout)
    return helper


class ActionChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, action):
        return f"{action.plan.accompaniment.commune.name} — {action.title} ({action.get_theme_display()})"


class ThemeForm(SubmissionTokenMixin, VersionedModelForm):
    class Meta:
        model = Theme
        fields = ["title", "description", "action_theme", "actions"]
        field_classes = {"actions": ActionChoiceField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "actions": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action_theme"].choices = [("", "— Aucun —"), *self.fields["action_theme"].choices[1:]]
        self.fields["actions"].queryset = (
            Action.objects.select_related("plan__accompaniment__commune")
            .exclude(status=Action.Status.ABANDONED)
            .order_by(french_order("plan__accompaniment__commune__name"), "title")
        )
        self.fields["actions"].help_text = "Facultatif. Maintenez Ctrl (ou Cmd) pour en choisir plusieurs. " + str(
            self.fields["actions"].help_text
        )
        self.helper = _helper(
            "title",
            "description",
            Fieldset("D'où vient ce thème ?", "action_theme", "actions"),
            "lock_version",
            SUBMISSION_TOKEN_FIELD,
        )


class ThemeReviewForm(forms.Form):
    VALIDATE = "valider"
    REJECT = "refuser"

    decision = forms.ChoiceField(
        label="Décision",
        choices=[(VALIDATE, "Valider le thème"), (REJECT, "Refuser le thème")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez de valider ou de refuser le thème."},
    )
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour un refus : il est montré à l'équipe qui a proposé le thème.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("decision", "comment", submit="Enregistrer la décision")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REJECT and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", "Indiquez pourquoi le thème est refusé.")
        return cleaned


class WorkshopForm(SubmissionTokenMixin, VersionedModelForm):
    class Meta:
        model = Workshop
        fields = [
            "programme",
            "title",
            "theme",
            "format",
            "starts_at",
            "ends_at",
            "place",
            "capacity",
            "agenda",
            "visits",
        ]
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "agenda": forms.Textarea(attrs={"rows": 5}),
            "visits": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        themes = Theme.objects.validated()
        if self.instance.pk:
            # The theme already chosen stays selectable (validated themes never change status).
            themes = Theme.objects.filter(Q(status=Theme.Status.VALIDATED) | Q(pk=self.instance.theme_id))
        self.fields["theme"].queryset = themes.order_by("title")
        self.fields["theme"].empty_label = "— Choisir un thème validé —"
        self.fields["programme"].queryset = Programme.objects.order_by("-start_date")
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("programme", Programme.objects.current())
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
        self.helper = _helper(
            Fieldset("L'atelier", "programme", "title", "theme", "format", "capacity"),
            Fieldset("Date et lieu", "starts_at", "ends_at", "place"),
            Fieldset("Contenu", "agenda", "visits"),
            SUBMISSION_TOKEN_FIELD,
            "lock_version",
            submit="",
            form_tag=False,
        )

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at < starts_at:
            self.add_error("ends_at", "La fin de l'atelier ne peut pas précéder son début.")
        return cleaned


class TestimonyForm(forms.ModelForm):
    class Meta:
        model = Testimony
        fields = ["speaker", "organisation", "origin", "topic"]


class LogisticsCostForm(forms.ModelForm):
    class Meta:
        model = LogisticsCost
        fields = ["category", "label", "amount"]
        widgets = {"amount": forms.NumberInput(attrs={"step": "0.01", "min": "0"})}


TestimonyFormSet = bounded_inline_formset(Workshop, Testimony, form=TestimonyForm, extra=1, can_delete=True)
LogisticsCostFormSet = bounded_inline_formset(
    Workshop, LogisticsCost, form=LogisticsCostForm, extra=1, can_delete=True
)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez le motif de l'annulation."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("reason", submit="Annuler l'atelier")


# The documents from which the team records a person's consent; the person's own confirmation comes by its link.
TEAM_CONSENT_METHOD_CHOICES = [("", "—"), *((m.value, m.label) for m in Registration.RECORDED_BY_TEAM_METHODS)]


class ConsentFieldsMixin:
    """Consent to share contact details: yes/no, with the date and how it was collected when yes."""

    def clean_consent(self, cleaned):
        if cleaned.get("consent_to_share"):
            if not cleaned.get("consent_date"):
                self.add_error("consent_date", "Indiquez la date à laquelle le consentement a été recueilli.")
            if not cleaned.get("consent_method"):
                self.add_error("consent_method", "Indiquez comment le consentement a été recueilli.")
        consent_date = cleaned.get("consent_date")
        if consent_date and consent_date > timezone.localdate():
            self.add_error("consent_date", "La date du consentement ne peut pas être dans le futur.")


class RegistrationForm(SubmissionTokenMixin, ConsentFieldsMixin, forms.Form):
    """Register a known person, or a new one (an élu's new contact belongs to their commune)."""

    contact = ContactPickerChoiceField(
        label="Personne déjà connue",
        required=False,
        empty_label="— Choisir —",
        # The form creates a new person itself (below, with the consent asked by e-mail): no dialog here.
        widget=PersonPickerWidget(create_url=None),
    )
    first_name = forms.CharField(label="Prénom", max_length=100, required=False)
    last_name = forms.CharField(label="Nom", max_length=100, required=False)
    organisation = forms.CharField(label="Organisme", max_length=200, required=False)
    role_title = forms.CharField(label="Fonction", max_length=200, required=False)
    category = forms.ChoiceField(
        label="Catégorie", choices=Contact.Category.choices, initial=Contact.Category.HABITANT
    )
    commune = forms.ModelChoiceField(
        label="Commune",
        queryset=Commune.objects.none(),
        required=False,
        empty_label="— Aucune (structure extérieure) —",
    )
    email = forms.EmailField(label="E-mail", required=False)
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    consent_to_share = forms.BooleanField(
        label="La personne accepte que ses coordonnées soient partagées avec les autres participant·e·s",
        required=False,
    )
    consent_date = forms.DateField(label="Date du consentement", required=False, widget=DATE_WIDGET)
    consent_method = forms.ChoiceField(
        label="Consentement recueilli par",
        choices=TEAM_CONSENT_METHOD_CHOICES,
        required=False,
    )
    ask_consent = forms.BooleanField(
        label="Envoyer à la personne un e-mail lui demandant si elle accepte que ses coordonnées soient partagées",
        required=False,
        help_text=(
            "Elle répond elle-même, par un lien valable 30 jours. Sans réponse, ses coordonnées restent privées. "
            "Sans e-mail, son accord lui est demandé sur la feuille d'émargement."
        ),
    )

    def __init__(self, *args, user, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        already = workshop.registrations.values("contact_id")
        contacts = Contact.objects.select_related("commune").exclude(pk__in=already).order_by_name()
        if user.is_elu:
            contacts = contacts.filter(commune_id=user.commune_id)
            del self.fields["commune"]
            # An élu cannot consent for someone else: the person is asked, and answers, by e-mail.
            for name in ("consent_to_share", "consent_date", "consent_method"):
                del self.fields[name]
            self.fields["ask_consent"].initial = True
        else:
            self.fields["commune"].queryset = Commune.objects.only("id", "name").order_by_name()
        self.fields["contact"].offer(commune=user.commune if user.is_elu else None, contacts=contacts)
        self.initial.setdefault("consent_date", timezone.localdate())
        new_person = ["first_name", "last_name", "organisation", "role_title", "category"]
        new_person += ["email", "phone"] if user.is_elu else ["commune", "email", "phone"]
        consent_fields = [
            name for name in ("consent_to_share", "consent_date", "consent_method") if name in self.fields
        ]
        consent_fields.append("ask_consent")
        new_person_legend = (
            f"… ou une nouvelle personne {de(user.commune)}" if user.is_elu else "… ou une nouvelle personne"
        )
        self.helper = _helper(
            Fieldset("Une personne déjà connue…", "contact"),
            Fieldset(new_person_legend, *new_person),
            Fieldset("Partage des coordonnées", *consent_fields),
            SUBMISSION_TOKEN_FIELD,
            submit="Inscrire",
        )

    def clean(self):
        cleaned = super().clean()
        has_contact = cleaned.get("contact") is not None
        has_new = bool((cleaned.get("last_name") or "").strip())
        if has_contact == has_new:
            raise forms.ValidationError(
                "Choisissez une personne déjà connue, ou saisissez au moins le nom d'une nouvelle personne "
                "(l'un ou l'autre)."
            )
        self.clean_consent(cleaned)
        # An élu's box is ticked for them: with no e-mail, the person is asked on the signed sheet instead, and their
        # details stay private meanwhile (nothing to untick). The team ticked it themselves: they are told.
        asked_without_email = cleaned.get("ask_consent") and not self._email_to_ask(cleaned)
        if asked_without_email and not cleaned.get("consent_to_share") and not self.user.is_elu:
            self.add_error("ask_consent", "Indiquez l'e-mail de la personne pour lui demander son accord.")
        return cleaned

    @staticmethod
    def _email_to_ask(cleaned) -> str:
        contact = cleaned.get("contact")
        return contact.email if contact is not None else cleaned.get("email") or ""

    @property
    def asks_consent(self) -> bool:
        """The person is to be asked by e-mail (not when the team records their consent from a document)."""
        data = self.cleaned_data
        return bool(data.get("ask_consent") and not data.get("consent_to_share") and self._email_to_ask(data))

    @property
    def asks_consent_on_the_sheet(self) -> bool:
        """An élu's registration of someone with no e-mail: the consent is asked on the signed attendance sheet."""
        return bool(self.cleaned_data.get("ask_consent") and not self._email_to_ask(self.cleaned_data))

    def new_contact(self) -> Contact | None:
        """The unsaved new contact described by the form, if the form describes one."""
        if self.cleaned_data.get("contact") is not None:
            return None
        data = self.cleaned_data
        return Contact(
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            organisation=data["organisation"].strip(),
            role_title=data["role_title"].strip(),
            category=data["category"],
            commune=self.user.commune if self.user.is_elu else data.get("commune"),
            email=data["email"],
            phone=data["phone"].strip(),
        )


class ConsentForm(ConsentFieldsMixin, forms.Form):
    consent_date = forms.DateField(
        label="Date du consentement",
        widget=DATE_WIDGET,
        error_messages={"required": "Indiquez la date à laquelle le consentement a été recueilli."},
    )
    consent_method = forms.ChoiceField(
        label="Consentement recueilli par",
        choices=TEAM_CONSENT_METHOD_CHOICES,
        error_messages={"required": "Indiquez comment le consentement a été recueilli."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("consent_date", timezone.localdate())
        self.helper = _helper("consent_date", "consent_method", submit="Enregistrer le consentement")

    def clean(self):
        cleaned = super().clean()
        self.clean_consent({**cleaned, "consent_to_share": True})
        return cleaned


class AttendanceForm(forms.Form):
    """One presence choice per registration (and a consent box for those who have not consented yet).

    Each row carries the version of its registration read when the screen was opened (optimistic concurrency).
    """

    mark_held = forms.BooleanField(label="Marquer aussi l'atelier comme tenu", required=False, initial=True)

    def __init__(self, *args, registrations, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for registration in registrations:
            self.fields[f"version_{registration.pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=registration.lock_version
            )
            attendance_name = f"attendance_{registration.pk}"
            self.fields[attendance_name] = forms.ChoiceField(
                label=f"Présence {de(registration.contact.full_name)}",
                choices=Registration.Attendance.choices,
                initial=registration.attendance,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            consent_name = None
            if not registration.consent_to_share:
                consent_name = f"consent_{registration.pk}"
                self.fields[consent_name] = forms.BooleanField(
                    label=f"{registration.contact.full_name} a coché le partage de ses coordonnées sur la feuille signée",
                    required=False,
                    widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
                )
            self.rows.append((registration, attendance_name, consent_name))
        if not workshop.is_planned:
            del self.fields["mark_held"]

    def row_fields(self):
        """(registration, attendance bound field, consent bound field or None) for the template."""
        return [
            (registration, self[attendance], self[consent] if consent else None)
            for registration, attendance, consent in self.rows
        ]

    def attendance(self) -> dict[int, str]:
        return {registration.pk: self.cleaned_data[name] for registration, name, _consent in self.rows}

    def versions(self) -> dict[int, int | None]:
        return {registration.pk: self.cleaned_data[f"version_{registration.pk}"] for registration, *_ in self.rows}

    def refuse_stale(self, stale) -> None:
        """The conflict message on the form; the choices stay as posted and the versions become the ones just read
        (a deliberate second save, after reading the message, then goes through)."""
        self.add_error(None, str(stale))
        self.data = self.data.copy()
        for registration, *_ in self.rows:
            self.data[f"version_{registration.pk}"] = registration.lock_version
        if stale.current is not None:
            self.data[f"version_{stale.current.pk}"] = stale.current.lock_version

    def consents_on_sheet(self) -> set[int]:
        return {
            registration.pk for registration, _name, consent in self.rows if consent and self.cleaned_data[consent]
        }


class ResourceForm(SubmissionTokenMixin, forms.ModelForm):
    url = forms.URLField(
        label="Lien",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Ou bien un lien vers une page ou un document en ligne (https://…).",
    )

    class Meta:
        model = Resource
        fields = ["title", "description", "file", "url"]
        field_classes = {"file": UploadField}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "title",
            "description",
            Fieldset("Un fichier… ou un lien", "file", "url"),
            SUBMISSION_TOKEN_FIELD,
            submit="Ajouter la ressource",
        )

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("file")) == bool(cleaned.get("url")) and not self.errors:
            raise forms.ValidationError("Joignez un fichier ou indiquez un lien (l'un ou l'autre).")
        return cleaned


class ReportForm(VersionedModelForm):
    class Meta:
        model = WorkshopReport
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 16})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("text", "lock_version", submit="Enregistrer le compte rendu")


class BulkRegistrationForm(forms.Form):
    """Many people registered at once: chosen with the people picker, ticked in the list, or pasted (names or
    e-mails, matched against the directory). Pasted lines nobody matches come back with proposals (close names)
    and may be created as new contacts (no consent recorded: the person gives it later, on the signed sheet or by
    the e-mailed link). The team may also mark them present once the workshop has started (walk-ins).
    """

    picked = ContactPickerField(label="Rechercher dans l'annuaire", required=False)
    people = ContactPickerField(label="Cocher dans la liste", required=False, widget=forms.CheckboxSelectMultiple)
    list_commune = forms.ModelChoiceField(
        label="Personnes de la commune",
        queryset=Commune.objects.none(),
        required=False,
        empty_label="— Choisir une commune —",
        help_text="La liste à cocher montre les personnes d'une commune ; les autres se cherchent ci-dessus.",
    )
    pasted = forms.CharField(
        label="Coller une liste",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Une personne par ligne : « Marie Dupont », « DUPONT Marie » ou son adresse e-mail, par exemple "
        "copiées d'un tableur. Chaque ligne est cherchée dans l'annuaire.",
    )
    pending = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20000)
    create = forms.TypedMultipleChoiceField(
        label="Créer et inscrire", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    new_people_commune = forms.ModelChoiceField(
        label="Commune des personnes créées",
        queryset=Commune.objects.none(),
        required=False,
        empty_label="— Aucune (structure extérieure) —",
    )
    present = forms.BooleanField(
        label="Marquer ces personnes présentes (l'atelier a eu lieu : personnes venues sans inscription)",
        required=False,
    )

    def __init__(self, *args, user, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.workshop = workshop
        registered = set(workshop.registrations.values_list("contact_id", flat=True))
        pool = (
            picker_contacts()
            .filter(anonymised_at__isnull=True)
            .only("id", "first_name", "last_name", "organisation", "email", "anonymised_at", "commune__name")
        )
        if user.is_elu:
            pool = pool.filter(commune_id=user.commune_id)
            del self.fields["new_people_commune"]
            del self.fields["list_commune"]
            list_commune = user.commune
        else:
            communes = Commune.objects.only("id", "name").order_by_name()
            self.fields["new_people_commune"].queryset = communes
            self.fields["list_commune"].queryset = communes
            list_commune = self._list_commune()
        if not (user.is_team and workshop.has_started):
            del self.fields["present"]
        self.registered = registered
        self._pool = pool
        # What a POST is checked against: the same people, as a query (no list of ids, however long the directory).
        contacts = pool.exclude(pk__in=workshop.registrations.values("contact_id"))
        # What the picker and the list show: the commune's people (an élu's own, the one the team chose for the
        # list), read once, as plain rows, and only if the page is shown; anyone else is searched.
        self.options = PickerOptions(contacts, commune=list_commune)
        self.fields["picked"].offer(commune=list_commune, contacts=contacts, options=self.options)
        self.fields["picked"].widget.create_url = reverse("ateliers:registration_new_person", args=[workshop.pk])
        self.fields["picked"].widget.fallback_url = reverse("ateliers:registration_create", args=[workshop.pk])
        self.fields["people"].offer(contacts=contacts, options=self.options)  # written by people_groups()
        self.lines: list = []
        self.unknown_now: list[str] = []
        self.pending_lines: list = []
        self.already: list = []
        self.unknown: list[str] = [line for line in (self.data.get("pending") or "").splitlines() if line.strip()]
        self.fields["create"].choices = [(index, line) for index, line in enumerate(self.unknown)]

    def _list_commune(self) -> Commune | None:
        """The commune whose people the team's list to tick shows (posted, or `?commune=` given as initial)."""
        raw = self.data.get("list_commune") if self.is_bound else self.initial.get("list_commune")
        if not str(raw or "").isdigit() or len(str(raw)) > 18:
            return None
        return Commune.objects.only("id", "name").filter(pk=raw).first()

    @cached_property
    def pool(self) -> list[Contact]:
        """Everyone a pasted line may name (instances: the matching reads names and e-mails); read only for a paste."""
        return list(self._pool)

    @property
    def available_count(self) -> int:
        return len(self._list_rows())

    def _list_rows(self):
        """The commune's people not yet registered, and the people ticked elsewhere (kept ticked)."""
        ticked = [str(value) for value in (self["people"].value() or [])]
        return [*self.options.rows, *self.options.chosen_rows(ticked)]

    def people_groups(self) -> list[tuple[str, str]]:
        """The list to tick, one group per commune (people of no commune last): (commune, its checkboxes as HTML).

        Written as Django's CheckboxSelectMultiple writes each box (`checkbox.tag` and its label), in Python: a
        template per box took seconds for a directory of 16,000 people.
        """
        ticked = {str(value) for value in (self["people"].value() or [])}
        name = self["people"].auto_id
        list_rows = self._list_rows()
        rows = french_sorted([row for row in list_rows if row[3]], key=lambda row: row[3])
        rows += [row for row in list_rows if not row[3]]
        groups: dict[str, list[str]] = {}
        for index, (pk, label, _commune_id, commune) in enumerate(rows):
            box_id = f"{name}_{index}"
            checked = " checked" if str(pk) in ticked else ""
            groups.setdefault(commune or "Sans commune (structures extérieures)", []).append(
                f'<div class="form-check"><input type="checkbox" name="people" value="{pk}" id="{box_id}"{checked}>'
                f'<label class="form-check-label" for="{box_id}">{escape(label)}</label></div>'
            )
        return [(commune, mark_safe("\n".join(boxes))) for commune, boxes in groups.items()]  # noqa: S308 - escaped

    def clean_pasted(self):
        text = self.cleaned_data["pasted"]
        if len(pasted_lines(text)) > MAX_LINES:
            raise forms.ValidationError(f"Collez au plus {MAX_LINES} lignes à la fois.")
        return text

    def match(self) -> None:
        """Match the paste: known people are ticked, the others join the pending lines (with proposals)."""
        if not (pasted_lines(self.cleaned_data.get("pasted", "")) or self.unknown):
            return  # nothing pasted: the directory is not read
        self.lines = match_people(self.cleaned_data.get("pasted", ""), self.pool)
        new_unknown = [line.text for line in self.lines if not line.matched]
        self.unknown_now = new_unknown
        self.unknown = list(dict.fromkeys([*self.unknown, *new_unknown]))
        proposals = {
            line.text: [contact for contact in line.proposals if contact.pk not in self.registered]
            for line in match_people("\n".join(self.unknown), self.pool)
        }
        self.pending_lines = [(index, text, proposals.get(text, [])) for index, text in enumerate(self.unknown)]

    def already_registered(self) -> list:
        return [line for line in self.lines if line.matched and line.contact.pk in self.registered]

    def chosen(self) -> list:
        """Everyone to register: picked, ticked and matched by the paste (not the ones already registered)."""
        chosen = [*self.cleaned_data.get("picked", []), *self.cleaned_data.get("people", [])]
        chosen += [line.contact for line in self.lines if line.matched]
        unique = {contact.pk: contact for contact in chosen if contact.pk not in self.registered}
        return list(unique.values())

    def people_to_create(self) -> list[Contact]:
        """Unsaved contacts for the pending lines ticked "Créer et inscrire"."""
        commune = self.user.commune if self.user.is_elu else self.cleaned_data.get("new_people_commune")
        created = []
        for index in self.cleaned_data.get("create", []):
            line = PastedLine(text=self.unknown[index])
            first_name, last_name = line.name_guess
            if last_name:
                created.append(
                    Contact(first_name=first_name[:100], last_name=last_name[:100], email=line.email, commune=commune)
                )
        return created

    def rebound_after_matching(self) -> "BulkRegistrationForm":
        """The same form showing the matching's outcome: known people ticked, the paste emptied, the lines nobody
        matched kept as pending (listed with their proposals)."""
        data = self.data.copy()
        ticked = {str(pk) for pk in data.getlist("people")}
        ticked |= {
            str(line.contact.pk) for line in self.lines if line.matched and line.contact.pk not in self.registered
        }
        data.setlist("people", sorted(ticked))
        data["pasted"] = ""
        data["pending"] = "\n".join(self.unknown)
        form = BulkRegistrationForm(data, user=self.user, workshop=self.workshop)
        form.is_valid()
        form.match()
        form.already = self.already_registered()
        return form
