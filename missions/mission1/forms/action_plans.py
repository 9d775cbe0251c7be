import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone

from communes.picker import ContactPickerChoiceField
from core.concurrency import VersionedModelForm
from core.forms import bounded_inline_formset
from core.submissions import SUBMISSION_TOKEN_FIELD, SubmissionTokenMixin
from core.uploads import UploadField
from missions.mission1.models.action_plans import (
    Action,
    ActionPlan,
    FundingSource,
    Indicator,
    IndicatorValue,
    ProgressNote,
)


class MonthInput(forms.DateInput):
    """A month picker (`<input type="month">`): month precision is enough for an action's calendar."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class MonthField(forms.DateField):
    widget = MonthInput
    default_error_messages = {"invalid": "Saisissez un mois valide (AAAA-MM)."}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m", "%m/%Y", "%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_python(self, value):
        date = super().to_python(value)
        return date.replace(day=1) if date else date


class ActionPlanForm(VersionedModelForm):
    class Meta:
        model = ActionPlan
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"summary": "L'ambition du projet alimentaire communal en quelques lignes."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Enregistrer"))


class ActionForm(SubmissionTokenMixin, VersionedModelForm):
    start_month = MonthField(label="Début (mois)", required=False)
    end_month = MonthField(label="Fin (mois)", required=False)

    class Meta:
        model = Action
        fields = [
            "title",
            "theme",
            "priority",
            "status",
            "progress",
            "specific_support",
            "description",
            "lead_contact",
            "lead_organisation",
            "partners",
            "operational_objectives",
            "expected_results",
            "cost_estimate",
            "start_month",
            "end_month",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "partners": forms.Textarea(attrs={"rows": 2}),
            "operational_objectives": forms.Textarea(attrs={"rows": 3}),
            "expected_results": forms.Textarea(attrs={"rows": 3}),
            "progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5}),
            "cost_estimate": forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
        }
        field_classes = {"lead_contact": ContactPickerChoiceField}

    def __init__(self, *args, commune=None, **kwargs):
        super().__init__(*args, **kwargs)
        if commune is None and self.instance.plan_id:
            commune = self.instance.plan.accompaniment.commune
        # The lead is chosen through the people picker, the plan's commune first.
        self.fields["lead_contact"].offer(commune=commune)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "L'action",
                "title",
                Div(
                    Div("theme", css_class="col-md-6"),
                    Div("priority", css_class="col-md-3"),
                    Div("status", css_class="col-md-3"),
                    css_class="row",
                ),
                Div(
                    Div("progress", css_class="col-md-3"),
                    Div("specific_support", css_class="col-md-9"),
                    css_class="row",
                ),
                "description",
            ),
            Fieldset(
                "Porteur et partenaires",
                Div(
                    Div("lead_contact", css_class="col-md-6"),
                    Div("lead_organisation", css_class="col-md-6"),
                    css_class="row",
                ),
                "partners",
            ),
            Fieldset("Objectifs", "operational_objectives", "expected_results"),
            Fieldset(
                "Coût et calendrier",
                Div(
                    Div("cost_estimate", css_class="col-md-4"),
                    Div("start_month", css_class="col-md-4"),
                    Div("end_month", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            SUBMISSION_TOKEN_FIELD,
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_month"), cleaned.get("end_month")
        if start and end and end < start:
            self.add_error("end_month", "Le mois de fin ne peut pas précéder le mois de début.")
        return cleaned


class FundingSourceForm(forms.ModelForm):
    class Meta:
        model = FundingSource
        fields = ["funder", "amount", "status"]
        widgets = {"amount": forms.NumberInput(attrs={"min": 0, "step": "0.01"})}


FundingSourceFormSet = bounded_inline_formset(Action, FundingSource, form=FundingSourceForm, extra=1, can_delete=True)


class ProgressNoteForm(SubmissionTokenMixin, forms.ModelForm):
    class Meta:
        model = ProgressNote
        fields = ["date", "text"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Ajouter le point d'avancement"))

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate() + datetime.timedelta(days=1):
            raise forms.ValidationError("Un point d'avancement ne peut pas être daté dans le futur.")
        return date


class IndicatorForm(SubmissionTokenMixin, VersionedModelForm):
    class Meta:
        model = Indicator
        fields = ["name", "unit"]


class IndicatorValueForm(forms.ModelForm):
    class Meta:
        model = IndicatorValue
        fields = ["year", "target", "actual", "comment"]


IndicatorValueFormSet = bounded_inline_formset(
    Indicator, IndicatorValue, form=IndicatorValueForm, extra=2, can_delete=True
)


class ApprovalForm(forms.Form):
    council_decision_date = forms.DateField(
        label="Date de la délibération du conseil municipal",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date de la délibération du conseil municipal."},
    )

    council_decision_file = UploadField(
        label="Délibération du conseil municipal (PDF, facultatif)",
        required=False,
        help_text="Le document signé, en PDF (10 Mo au plus). Il sera affiché à côté de l'approbation.",
    )

    def clean_council_decision_date(self):
        date = self.cleaned_data["council_decision_date"]
        if date > timezone.localdate():
            raise forms.ValidationError("La délibération ne peut pas être datée dans le futur.")
        return date

    def clean_council_decision_file(self):
        # The upload validator has checked the size and the type read from the content; a délibération is a PDF.
        uploaded = self.cleaned_data.get("council_decision_file")
        if uploaded and getattr(uploaded, "content_type", "") != "application/pdf":
            raise forms.ValidationError(
                "La délibération doit être un document PDF (le fichier envoyé n'en est pas un)."
            )
        return uploaded
