"""Picking the portrait's figures into the diagnostic's « Données collectées », each with a comment."""

from django import forms

from communes.portrait.display import display_value
from core.concurrency import StaleEdit


class PortraitPicksForm(forms.Form):
    """One box and one comment per current figure of the commune; the diagnostic's version travels with it."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, figures, picked, diagnostic, **kwargs):
        super().__init__(*args, **kwargs)
        self.figures = figures
        self.initial["lock_version"] = diagnostic.lock_version
        self.rows = []
        for figure in figures:
            earlier = picked.get((figure.snapshot.source, figure.key))
            pick, comment = f"retenir_{figure.pk}", f"commentaire_{figure.pk}"
            self.fields[pick] = forms.BooleanField(
                required=False, initial=earlier is not None, label=f"Retenir « {figure.label} »"
            )
            self.fields[comment] = forms.CharField(
                required=False,
                max_length=1000,
                initial=earlier.comment if earlier else "",
                label=f"Commentaire sur « {figure.label} »",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            value = display_value(figure.value_number, figure.value_text, figure.unit)
            kept = display_value(earlier.value_number, earlier.value_text, earlier.unit) if earlier else ""
            self.rows.append(
                {
                    "figure": figure,
                    "value": value,
                    "kept": kept if kept and kept != value else "",
                    "pick": self[pick],
                    "comment": self[comment],
                }
            )

    def clean(self):
        cleaned = super().clean()
        for figure in self.figures:
            if cleaned.get(f"commentaire_{figure.pk}") and not cleaned.get(f"retenir_{figure.pk}"):
                self.add_error(
                    f"retenir_{figure.pk}",
                    f"Cochez « {figure.label} » pour garder votre commentaire, ou effacez le commentaire.",
                )
        return cleaned

    def picks(self) -> dict[int, str]:
        return {
            figure.pk: self.cleaned_data.get(f"commentaire_{figure.pk}", "").strip()
            for figure in self.figures
            if self.cleaned_data.get(f"retenir_{figure.pk}")
        }

    def refuse_stale(self, stale: StaleEdit) -> None:
        """The conflict message on the form, the boxes and comments as posted; a second save is deliberate."""
        self.add_error(None, str(stale))
        if stale.current is not None:
            self.data = self.data.copy()
            self.data["lock_version"] = stale.current.lock_version
