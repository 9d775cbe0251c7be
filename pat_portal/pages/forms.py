"""Forms of the portal pages."""

from django import forms


class ReminderForm(forms.Form):
    subject = forms.CharField(label="Objet", max_length=200)
    message = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Envoyé tel quel aux élu·e·s de la commune ; modifiez-le avant l'envoi.",
    )
