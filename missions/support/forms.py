from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.db.models import Q
from django.utils import timezone

from communes.models import Commune
from core.concurrency import VersionedModelForm
from core.forms import bounded_inline_formset
from core.french import de
from core.submissions import SUBMISSION_TOKEN_FIELD, SubmissionTokenMixin
from core.text import ControlCharactersStrippedMixin
from core.uploads import UploadField
from missions.mission1.models.action_plans import Action
from missions.mission1.models.meetings import Meeting
from missions.programme.choices import Mission
from missions.support.models import FinancingLine, StepDocument, SupportRequest, SupportStep
from missions.support.services import Decision

DATE_WIDGET = {"type": "date"}
YES_NO_CHOICES = [("1", "Oui, le projet est déjà engagé"), ("0", "Non, c'est encore une idée ou un projet")]

PROJECT_FIELDS = ["title", "kind", "description", "help_wanted", "already_under_way"]
REQUESTER_FIELDS = ["requester_kind", "organisation", "contact_name", "email", "phone"]
TEXTAREA_WIDGETS = {
    "description": forms.Textarea(attrs={"rows": 6}),
    "help_wanted": forms.Textarea(attrs={"rows": 4}),
}
HELP_TEXTS = {
    "title": "Un intitulé court, par exemple « Jardin partagé de l'école ».",
    "description": "Le projet, ses objectifs, qui le porte, où il en est (5 000 caractères au plus).",
    "help_wanted": "Sur quoi souhaitez-vous être accompagné·e : montage, partenaires, financement… "
    "(3 000 caractères au plus).",
}


def _submit_helper(label: str, *, form_tag: bool = True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.add_input(Submit("submit", label))
    return helper


class CommuneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, commune):
        return f"{commune.name} ({commune.insee_code})"


class _ProjectFieldsForm(ControlCharactersStrippedMixin, forms.ModelForm):
    """The project part shared by the three doors; "already under way" is a required yes/no question.

    Control characters pasted into the text are dropped (they broke the spreadsheet exports)."""

    already_under_way = forms.TypedChoiceField(
        label="Le projet a-t-il déjà commencé ?",
        choices=YES_NO_CHOICES,
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["already_under_way"] = "1" if self.instance.already_under_way else "0"
        for name, text in HELP_TEXTS.items():
            if name in self.fields:
                self.fields[name].help_text = text


class TrapInput(forms.TextInput):
    """A text input never written back with a value: a form shown again after a filled trap comes back empty."""

    def format_value(self, value):
        return None


class PublicSupportRequestForm(SubmissionTokenMixin, _ProjectFieldsForm):
    """The public form: no account; a trap field catches robots that fill every input.

    The trap is named and labelled so that no browser's autofill takes it for an address, a website or a phone, and
    it is never written back into the page. A filled trap is refused with a French message on the form, the person's
    input kept: nothing is stored or sent, and nobody is told "sent" when nothing was.
    """

    commune = CommuneChoiceField(
        label="Commune concernée", queryset=Commune.objects.order_by_name(), empty_label="Choisissez la commune"
    )
    verification = forms.CharField(
        label="Ne rien écrire dans ce champ (contrôle anti-robots)",
        required=False,
        max_length=200,
        widget=TrapInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = SupportRequest
        fields = [*REQUESTER_FIELDS, "commune", *PROJECT_FIELDS]
        widgets = TEXTAREA_WIDGETS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "Le numéro de votre demande et la réponse vous sont envoyés à cette adresse."
        self.fields["requester_kind"].choices = [
            choice
            for choice in self.fields["requester_kind"].choices
            if choice[0] != SupportRequest.RequesterKind.COMMUNE
        ]
        self.fields["organisation"].help_text = "Association, exploitation, collectif, école… ou votre nom."
        self.helper = _submit_helper("Envoyer ma demande")
        self.helper.layout = Layout(
            Fieldset("Vous", *REQUESTER_FIELDS),
            Fieldset("Votre projet", "commune", *PROJECT_FIELDS),
            SUBMISSION_TOKEN_FIELD,
            # Hidden from people (CSS and aria-hidden); robots fill it in and their request is refused.
            Div(Field("verification"), css_class="hp-field", aria_hidden="true"),
        )

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("verification"):
            raise forms.ValidationError(
                "Votre demande n'a pas été enregistrée : un champ caché, destiné à arrêter les robots, a été rempli "
                "(parfois par le remplissage automatique du navigateur). Vérifiez vos réponses ci-dessous et "
                "envoyez-la de nouveau.",
                code="trap",
            )
        return cleaned_data


class EluSupportRequestForm(SubmissionTokenMixin, _ProjectFieldsForm):
    """An élu asks for support for their own commune: the commune is not a field, it is theirs."""

    class Meta:
        model = SupportRequest
        fields = ["organisation", "contact_name", "email", "phone", *PROJECT_FIELDS]
        widgets = TEXTAREA_WIDGETS

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("organisation", f"Commune {de(user.commune)}")
        self.initial.setdefault("contact_name", user.get_full_name())
        self.initial.setdefault("email", user.email)
        self.initial.setdefault("phone", user.phone)
        self.fields["organisation"].help_text = "La commune, ou l'acteur local qui portera le projet."
        self.fields["email"].required = True
        self.helper = _submit_helper("Envoyer la demande")
        self.helper.layout = Layout(
            Fieldset("Le projet", *PROJECT_FIELDS),
            Fieldset("Qui contacter", "organisation", "contact_name", "email", "phone"),
            SUBMISSION_TOKEN_FIELD,
        )


class TeamSupportRequestForm(SubmissionTokenMixin, _ProjectFieldsForm):
    """A GBM officer or consultant records a request received by phone, e-mail, mail or in a meeting."""

    commune = CommuneChoiceField(label="Commune concernée", queryset=Commune.objects.order_by_name())

    class Meta:
        model = SupportRequest
        fields = ["channel", "received_on", "commune", *REQUESTER_FIELDS, *PROJECT_FIELDS]
        widgets = {**TEXTAREA_WIDGETS, "received_on": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            choice for choice in SupportRequest.Channel.choices if choice[0] != SupportRequest.Channel.PORTAL
        ]
        self.fields["email"].help_text = "Sans e-mail, informez le demandeur vous-même du numéro et de la réponse."
        self.helper = _submit_helper("Enregistrer la demande")
        self.helper.layout = Layout(
            Fieldset("Réception", "channel", "received_on", "commune"),
            Fieldset("Demandeur", *REQUESTER_FIELDS),
            Fieldset("Projet", *PROJECT_FIELDS),
            SUBMISSION_TOKEN_FIELD,
        )

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError("La date de réception ne peut pas être dans le futur.")
        return received_on


class SupportRequestUpdateForm(VersionedModelForm, _ProjectFieldsForm):
    class Meta:
        model = SupportRequest
        fields = [*REQUESTER_FIELDS, *PROJECT_FIELDS]
        widgets = TEXTAREA_WIDGETS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _submit_helper("Enregistrer")


class DecisionForm(forms.Form):
    """GBM's decision, as agreed with the contractor: outcome and reason, feasibility, nature, steps, time."""

    ACCEPT, REFUSE = "accepter", "refuser"

    outcome = forms.ChoiceField(
        label="Décision",
        choices=[(ACCEPT, "Accepter la demande"), (REFUSE, "Refuser la demande")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Motif de la décision",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Communiqué au demandeur par e-mail, tel quel.",
    )
    feasibility = forms.ChoiceField(label="Faisabilité", choices=SupportRequest.Feasibility.choices)
    support_nature = forms.CharField(
        label="Nature de l'appui",
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ce qui a été convenu avec le prestataire.",
    )
    steps = forms.MultipleChoiceField(
        label="Étapes d'accompagnement",
        choices=SupportStep.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    allotted_half_days = forms.DecimalField(
        label="Temps alloué (demi-journées)",
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal("200"),
        max_digits=5,
        decimal_places=1,
    )
    action = forms.ModelChoiceField(
        label="Action du plan d'actions communal",
        queryset=Action.objects.none(),
        required=False,
        empty_label="Aucune",
        help_text="Facultatif : l'action du plan de la commune dont relève le projet.",
    )

    order_form = forms.ModelChoiceField(
        label="Bon de commande",
        queryset=SupportRequest.order_form.field.related_model.objects.none(),
        required=False,
        empty_label="Aucun",
        help_text="Facultatif : le bon de commande de Mission 3 qui couvre cet accompagnement.",
    )

    def __init__(self, *args, support_request: SupportRequest, **kwargs):
        super().__init__(*args, **kwargs)
        # Order forms belong to the money domain, which sits above Mission 3: reached through the relation.
        self.fields["order_form"].queryset = (
            self.fields["order_form"]
            .queryset.model.objects.ordered()
            .filter(mission=Mission.LOCAL_PROJECTS, programme=support_request.programme)
            .filter(Q(commune__isnull=True) | Q(commune=support_request.commune))
            .order_by("-issued_on", "number")
        )
        self.fields["action"].queryset = (
            Action.objects.filter(plan__accompaniment__commune=support_request.commune)
            .exclude(status=Action.Status.ABANDONED)
            .order_by("title")
        )
        self.helper = _submit_helper("Enregistrer la décision et informer le demandeur")
        self.helper.layout = Layout(
            Fieldset("Décision", "outcome", "reason", "feasibility"),
            Fieldset(
                "Si la demande est acceptée",
                "support_nature",
                "steps",
                "allotted_half_days",
                "action",
                "order_form",
            ),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == self.ACCEPT:
            if not cleaned.get("steps"):
                self.add_error("steps", "Choisissez au moins une étape pour accepter la demande.")
            if not cleaned.get("allotted_half_days"):
                self.add_error("allotted_half_days", "Indiquez le temps alloué pour accepter la demande.")
            if not (cleaned.get("support_nature") or "").strip():
                self.add_error("support_nature", "Décrivez la nature de l'appui convenu avec le prestataire.")
            if cleaned.get("feasibility") == SupportRequest.Feasibility.NOT_FEASIBLE:
                self.add_error("feasibility", "Une demande jugée non faisable ne peut pas être acceptée.")
        return cleaned

    def to_decision(self) -> Decision:
        data = self.cleaned_data
        accepted = data["outcome"] == self.ACCEPT
        return Decision(
            accepted=accepted,
            reason=data["reason"],
            feasibility=data["feasibility"],
            support_nature=data.get("support_nature", "") if accepted else "",
            allotted_half_days=data.get("allotted_half_days") if accepted else None,
            steps=tuple(data.get("steps") or ()) if accepted else (),
            action=data.get("action") if accepted else None,
            order_form=data.get("order_form") if accepted else None,
        )


class CompleteForm(forms.Form):
    note = forms.CharField(
        label="Bilan en quelques mots",
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Envoyé au demandeur avec l'annonce de la fin de l'accompagnement.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _submit_helper("Terminer l'accompagnement")


class AbandonForm(forms.Form):
    reason = forms.CharField(
        label="Pourquoi le projet est-il abandonné ?",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Envoyé au demandeur.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _submit_helper("Enregistrer l'abandon")


class StepForm(VersionedModelForm):
    class Meta:
        model = SupportStep
        fields = ["status", "planned_start", "planned_end", "started_on", "completed_on", "notes"]
        widgets = {
            "planned_start": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
            "planned_end": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
            "started_on": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
            "completed_on": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _submit_helper("Enregistrer l'étape")
        self.helper.layout = Layout(
            "status",
            Div(Div("planned_start", css_class="col-sm"), Div("planned_end", css_class="col-sm"), css_class="row"),
            Div(Div("started_on", css_class="col-sm"), Div("completed_on", css_class="col-sm"), css_class="row"),
            "notes",
            "lock_version",
        )

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        status = cleaned.get("status")
        for name in ("started_on", "completed_on"):
            if cleaned.get(name) and cleaned[name] > today:
                self.add_error(name, "Cette date ne peut pas être dans le futur.")
        if (
            cleaned.get("planned_start")
            and cleaned.get("planned_end")
            and cleaned["planned_end"] < cleaned["planned_start"]
        ):
            self.add_error("planned_end", "La fin prévue ne peut pas précéder le début prévu.")
        if (
            cleaned.get("started_on")
            and cleaned.get("completed_on")
            and cleaned["completed_on"] < cleaned["started_on"]
        ):
            self.add_error("completed_on", "Une étape ne peut pas se terminer avant d'avoir commencé.")
        # The dates of the real course of the step default to the day its state is set.
        if status in {SupportStep.Status.IN_PROGRESS, SupportStep.Status.DONE} and not cleaned.get("started_on"):
            cleaned["started_on"] = today
        if status == SupportStep.Status.DONE and not cleaned.get("completed_on"):
            cleaned["completed_on"] = today
        if status in {SupportStep.Status.PLANNED, SupportStep.Status.IN_PROGRESS} and cleaned.get("completed_on"):
            self.add_error("completed_on", "Seule une étape terminée a une date de fin.")
        return cleaned


class StepDocumentForm(SubmissionTokenMixin, forms.ModelForm):
    class Meta:
        model = StepDocument
        fields = ["title", "file"]
        field_classes = {"file": UploadField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _submit_helper("Déposer le document")


class FinancingLineForm(forms.ModelForm):
    """One row of the financing plan's table (rendered as a table row, labels visually hidden)."""

    class Meta:
        model = FinancingLine
        fields = ["nature", "label", "status", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if name in ("nature", "status") else "form-control"
            if self.errors.get(name):
                css += " is-invalid"
            field.widget.attrs["class"] = css
        self.fields["amount"].widget.attrs["inputmode"] = "decimal"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("nature") == FinancingLine.Nature.RESOURCE and not cleaned.get("status"):
            self.add_error("status", "Précisez si ce financement est envisagé, sollicité ou acquis.")
        return cleaned


FinancingLineFormSet = bounded_inline_formset(
    SupportRequest, FinancingLine, form=FinancingLineForm, extra=3, can_delete=True, max_num=60
)


class FinancingPlanVersionForm(VersionedModelForm):
    """The version of the request the financing plan page was opened at (the plan is part of its follow-up sheet)."""

    class Meta:
        model = SupportRequest
        fields = []


class EvaluationForm(VersionedModelForm):
    class Meta:
        model = SupportRequest
        fields = ["outcomes", "evaluation_successes", "evaluation_difficulties", "evaluation_next_steps"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _submit_helper("Enregistrer l'évaluation")


class MeetingLinkForm(forms.Form):
    meeting = forms.ModelChoiceField(label="Réunion", queryset=Meeting.objects.none(), empty_label="Choisissez")

    def __init__(self, *args, support_request: SupportRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(
            commune=support_request.commune, support_request__isnull=True
        ).order_by("-starts_at")
        self.helper = _submit_helper("Rattacher la réunion")
