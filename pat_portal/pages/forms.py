"""Forms of the portal pages."""

from django import forms

from pat_portal.pages.models import ProgrammeReportEdition


class ReminderForm(forms.Form):
    subject = forms.CharField(label="Objet", max_length=200)
    message = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Envoyé tel quel aux élu·e·s de la commune ; modifiez-le avant l'envoi.",
    )


class ProgrammeReportForm(forms.ModelForm):
    """What GBM writes before generating the steering committee's report."""

    class Meta:
        model = ProgrammeReportEdition
        fields = ["commentary", "decisions"]
        widgets = {
            "commentary": forms.Textarea(attrs={"rows": 6}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {"commentary": {"required": "Écrivez le commentaire de GBM avant d'établir le bilan."}}
