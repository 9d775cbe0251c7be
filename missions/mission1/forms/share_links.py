import datetime

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from missions.mission1.models.share_links import MAX_VALIDITY_DAYS, PlanShareLink


class ShareLinkForm(forms.Form):
    expires_on = forms.DateField(
        label="Valable jusqu'au (inclus)",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Par défaut 30 jours. Le lien cesse ensuite de fonctionner de lui-même.",
        error_messages={
            "required": "Indiquez jusqu'à quelle date le lien fonctionne.",
            "invalid": "Saisissez une date valide.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = PlanShareLink.default_expiry()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if expires_on < today:
            raise ValidationError(
                "La date de fin de validité est passée : choisissez aujourd'hui ou une date à venir."
            )
        if expires_on > today + datetime.timedelta(days=MAX_VALIDITY_DAYS):
            raise ValidationError("Un lien de partage vaut au plus un an : choisissez une date plus proche.")
        return expires_on


class ShareLinkRevokeForm(forms.Form):
    link = forms.IntegerField(min_value=1, max_value=2**63 - 1)
