from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms

from communes.models import Commune, Contact
from pat_portal.kernel.concurrency import VersionedModelForm
from pat_portal.kernel.submissions import SUBMISSION_TOKEN_FIELD, SubmissionTokenMixin


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
