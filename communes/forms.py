from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms

from communes.models import Commune, Contact
from core.concurrency import VersionedModelForm
from core.submissions import SUBMISSION_TOKEN_FIELD, SubmissionTokenMixin


class ContactForm(SubmissionTokenMixin, VersionedModelForm):
    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "organisation",
            "role_title",
            "category",
            "commune",
            "email",
            "phone",
            "consent_to_share",
            "consent_date",
            "consent_method",
            "notes",
        ]
        widgets = {
            "consent_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = Commune.objects.only("id", "name").order_by_name()
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("Identité", "first_name", "last_name", "organisation", "role_title", "category", "commune"),
            Fieldset("Coordonnées", "email", "phone"),
            Fieldset("Consentement au partage des coordonnées", "consent_to_share", "consent_date", "consent_method"),
            Fieldset("Notes", "notes"),
            SUBMISSION_TOKEN_FIELD,
            "lock_version",
            Submit("submit", "Enregistrer"),
        )


class QuickContactForm(forms.ModelForm):
    """A person met for the first time, created from the people picker without leaving the form in progress.

    The fields of the directory's contact form that matter there (name, organisation, category, commune, e-mail)
    and its consent block, checked by the same model rules (a consent has a date and a way it was collected). An
    élu registering people of their commune to a workshop records no consent and chooses no commune: the consent
    fields are removed (`with_consent=False`) and the view sets the commune.
    """

    CONSENT_FIELDS = ("consent_to_share", "consent_date", "consent_method")

    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "organisation",
            "category",
            "commune",
            "email",
            "consent_to_share",
            "consent_date",
            "consent_method",
        ]
        widgets = {"consent_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, with_consent: bool = True, with_commune: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_commune:
            self.fields["commune"].queryset = Commune.objects.only("id", "name").order_by_name()
            self.fields["commune"].empty_label = "— Aucune (structure extérieure) —"
        else:
            del self.fields["commune"]
        if not with_consent:
            for name in self.CONSENT_FIELDS:
                del self.fields[name]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        identity = ["first_name", "last_name", "organisation", "category", "commune", "email"]
        layout = [Fieldset("La personne", *[name for name in identity if name in self.fields])]
        if with_consent:
            layout.append(Fieldset("Consentement au partage des coordonnées", *self.CONSENT_FIELDS))
        self.helper.layout = Layout(*layout)
