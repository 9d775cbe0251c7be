from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.functional import cached_property

from communes.filters import communes_in_french_order
from communes.models import Commune, Contact
from communes.picker import (
    ContactPickerChoiceField,
    ContactPickerField,
    PeoplePickerWidget,
    PersonPickerWidget,
    PickerOptions,
    picker_contacts,
)
from core.concurrency import VersionedModelForm
from core.forms import bounded_inline_formset
from core.french import de, french_sorted
from core.models import User
from core.shared_options import SharedOptions, SharedOptionsSelect
from core.submissions import SUBMISSION_TOKEN_FIELD, SubmissionTokenMixin
from core.text import ControlCharactersStrippedMixin
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.diagnostics import ActionLead, Diagnostic, SharedFinding, Stake
from missions.mission1.models.meetings import HEADCOUNT_FIELDS, Meeting
from missions.programme.models import Programme


class AccompanimentForm(SubmissionTokenMixin, VersionedModelForm):
    class Meta:
        model = Accompaniment
        fields = [
            "programme",
            "commune",
            "cohort",
            "phase",
            "lead_consultant",
            "gbm_referent",
            "elected_referent",
            "started_on",
            "closed_on",
            "notes",
            "order_form",
        ]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            # A searchable picker (the commune's élus first), without "+ Nouvelle personne": the referent is an élu,
            # a person the directory already knows, and the dialog would let any category through.
            "elected_referent": PersonPickerWidget(create_url=None, fallback_url=None),
        }
        field_classes = {"elected_referent": ContactPickerChoiceField}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        elus = picker_contacts().filter(category=Contact.Category.ELU)
        commune = self.instance.commune if self.instance.pk else None
        self.fields["elected_referent"].offer(commune=commune, contacts=elus)
        self.fields["lead_consultant"].queryset = User.objects.consultants()
        self.fields["gbm_referent"].queryset = User.objects.gbm_officers()
        if not self.instance.pk:
            self.fields["programme"].initial = Programme.objects.current()
        if self.instance.pk or (user is not None and not user.is_gbm):
            # Which commune and which programme an accompaniment is about never changes once created;
            # the cohort is a contractual decision of GBM.
            self.fields["programme"].disabled = True
            self.fields["commune"].disabled = True
            if user is not None and not user.is_gbm:
                self.fields["cohort"].disabled = True
                self.fields["order_form"].disabled = True
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Enregistrer"))


def accompaniment_choices() -> list[tuple[int, str]]:
    """Every accompaniment as (id, "Accompagnement d'Amagney"), in French order of its commune (one query)."""
    rows = Accompaniment.objects.order_by("pk").values_list("pk", "commune__name")
    return [(pk, f"Accompagnement {de(name)}") for pk, name in french_sorted(rows, key=lambda row: row[1])]


def commune_choices() -> list[tuple[int, str]]:
    """Every commune as (id, name) in French order (one query of plain rows)."""
    return communes_in_french_order()


class MeetingForm(SubmissionTokenMixin, ControlCharactersStrippedMixin, VersionedModelForm):
    """A meeting; control characters pasted into its text are dropped (they broke the spreadsheet exports)."""

    present = ContactPickerField(
        label="Participant·e·s présent·e·s",
        required=False,
        widget=PeoplePickerWidget(attrs={"size": 10}),
        help_text="Tapez un nom pour chercher ; les personnes de la commune viennent en premier.",
    )
    excused = ContactPickerField(label="Excusé·e·s", required=False, widget=PeoplePickerWidget(attrs={"size": 6}))

    class Meta:
        model = Meeting
        fields = [
            "starts_at",
            "kind",
            "title",
            "place",
            "accompaniment",
            "commune",
            *[name for name, _label, _categories in HEADCOUNT_FIELDS],
            "agenda",
            "minutes",
            "decisions",
            "next_steps",
            "internal_notes",
            "time_spent_half_days",
        ]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
            "internal_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"commune": "À renseigner si la réunion ne relève d'aucun accompagnement."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]
        # Shown as plain rows written once (no model instance per option: 2,200 per GET at scale 20); a posted id
        # is checked by the field's queryset, one row.
        self.fields["accompaniment"].queryset = Accompaniment.objects.select_related("commune")
        self.fields["commune"].queryset = Commune.objects.all()
        for name, choices in (("accompaniment", accompaniment_choices), ("commune", commune_choices)):
            field = self.fields[name]
            options = SharedOptions(lambda choices=choices, field=field: [("", field.empty_label), *choices()])
            field.widget = SharedOptionsSelect(options, attrs=field.widget.attrs)
        commune = self._commune()
        options = PickerOptions(commune=commune)  # read once for both pickers, only if the form is shown
        for name in ("present", "excused"):
            self.fields[name].offer(commune=commune, options=options)
        if self.instance.pk:
            by_attendance = {"present": [], "excuse": []}
            for participation in self.instance.participations.all():
                by_attendance[participation.attendance].append(participation.contact_id)
            self.initial["present"] = by_attendance["present"]
            self.initial["excused"] = by_attendance["excuse"]
        elif not self.is_bound:
            self.initial.setdefault("starts_at", timezone.localtime().replace(minute=0, second=0, microsecond=0))
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                "La réunion",
                Div(
                    Div("starts_at", css_class="col-md-4"),
                    Div("kind", css_class="col-md-4"),
                    Div("time_spent_half_days", css_class="col-md-4"),
                    css_class="row",
                ),
                "title",
                "place",
                Div(Div("accompaniment", css_class="col-md-6"), Div("commune", css_class="col-md-6"), css_class="row"),
            ),
            Fieldset(
                "Participant·e·s",
                Div(Div("present", css_class="col-md-6"), Div("excused", css_class="col-md-6"), css_class="row"),
                Div(
                    *[Div(name, css_class="col") for name, _label, _categories in HEADCOUNT_FIELDS],
                    css_class="row row-cols-2 row-cols-md-5",
                ),
            ),
            Fieldset("Contenu", "agenda", "minutes", "decisions", "next_steps"),
            Fieldset("Interne (jamais visible des élus)", "internal_notes"),
            "lock_version",
            SUBMISSION_TOKEN_FIELD,
            Submit("submit", "Enregistrer la réunion"),
        )

    def _commune(self) -> Commune | None:
        """The meeting's commune, whose people the pickers list first: the one saved, or the one being chosen."""
        if self.instance.pk:
            accompaniment = self.instance.accompaniment
            return self.instance.commune or (accompaniment.commune if accompaniment else None)
        data = self.data if self.is_bound else {}
        commune_id = data.get("commune") or self.initial.get("commune")
        accompaniment_id = data.get("accompaniment") or self.initial.get("accompaniment")
        commune_id = getattr(commune_id, "pk", commune_id)
        accompaniment_id = getattr(accompaniment_id, "pk", accompaniment_id)
        if str(commune_id or "").isdigit():
            return Commune.objects.filter(pk=commune_id).first()
        if str(accompaniment_id or "").isdigit():
            return Commune.objects.filter(accompaniments__pk=accompaniment_id).first()
        return None

    def clean(self):
        cleaned = super().clean()
        accompaniment = cleaned.get("accompaniment")
        commune = cleaned.get("commune")
        if accompaniment and commune and commune != accompaniment.commune:
            self.add_error("commune", "La commune doit être celle de l'accompagnement choisi.")
        present = set(cleaned.get("present") or [])
        excused = set(cleaned.get("excused") or [])
        if present & excused:
            names = ", ".join(sorted(contact.full_name for contact in present & excused))
            self.add_error("excused", f"Une même personne ne peut pas être présente et excusée : {names}.")
        return cleaned


class DiagnosticForm(VersionedModelForm):
    class Meta:
        model = Diagnostic
        fields = ["context", "data_collected"]
        widgets = {
            "context": forms.Textarea(attrs={"rows": 6}),
            "data_collected": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "context": "La commune, sa population, ses équipements (école, cantine, espaces verts), ses acteurs.",
            "data_collected": "Chiffres et sources : repas servis, surfaces, exploitations, commerces…",
        }


class StakeForm(forms.ModelForm):
    class Meta:
        model = Stake
        fields = ["category", "title", "priority", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class SharedFindingForm(forms.ModelForm):
    class Meta:
        model = SharedFinding
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class ActionLeadForm(forms.ModelForm):
    resource_people = ContactPickerField(
        label="Personnes ressources", required=False, widget=PeoplePickerWidget(attrs={"size": 6})
    )

    class Meta:
        model = ActionLead
        fields = ["title", "theme", "potential_leads", "resource_people", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, contact_options=None, commune=None, **kwargs):
        super().__init__(*args, **kwargs)
        # What is shown: read once for all the formset's forms (and only if they are shown).
        self.fields["resource_people"].offer(commune=commune, options=contact_options)


class ActionLeadBaseFormSet(forms.BaseInlineFormSet):
    """Lead forms share one reading of the contacts for their picker, instead of one query per form; the
    diagnostic's commune comes first."""

    @cached_property
    def commune(self):
        accompaniment = getattr(self.instance, "accompaniment", None)
        return accompaniment.commune if accompaniment is not None else None

    @cached_property
    def contact_options(self) -> PickerOptions:
        return PickerOptions(commune=self.commune)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "contact_options": self.contact_options, "commune": self.commune}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queryset = self.queryset.prefetch_related("resource_people")  # each form's initial people


def _formset(form_class, model, prefix_extra=1, formset=forms.BaseInlineFormSet):
    return bounded_inline_formset(
        Diagnostic,
        model,
        form=form_class,
        formset=formset,
        extra=prefix_extra,
        can_delete=True,
        can_order=True,
        max_num=50,
    )


StakeFormSet = _formset(StakeForm, Stake)
SharedFindingFormSet = _formset(SharedFindingForm, SharedFinding)
ActionLeadFormSet = _formset(ActionLeadForm, ActionLead, formset=ActionLeadBaseFormSet)
