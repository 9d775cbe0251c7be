"""Optimistic concurrency: the second of two people editing the same row is refused, nothing is lost.

A model people edit together inherits `VersionedModel`; its form inherits `VersionedModelForm`;
the view saves with `save_versioned(form)`:

    if request.method == "POST" and form.is_valid() and save_versioned(form):
        return redirect(...)

When someone saved in between, `save_versioned` adds a French error naming who changed the row and
when, keeps the second person's input in the form, and writes nothing.
"""

from django import forms
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format


class VersionedModel(models.Model):
    lock_version = models.PositiveIntegerField("version d'édition", default=0, editable=False)

    class Meta:
        abstract = True


class VersionedModelForm(forms.ModelForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["lock_version"] = self.instance.lock_version
        elif self.instance.pk:
            self.initial.setdefault("lock_version", self.instance.lock_version)


def last_change_description(instance) -> str:
    """'par Claire Vuillemin le 22 novembre 2026 à 14:05', from the row's history when it has one."""
    history = getattr(instance, "history", None)
    record = history.select_related("history_user").first() if history is not None else None
    if record is None:
        return ""
    who = f"par {record.history_user}" if record.history_user else "par une autre personne"
    when = timezone.localtime(record.history_date)
    return f"{who} le {date_format(when, 'j F Y')} à {date_format(when, 'H:i')}"


def conflict_message(instance) -> str:
    label = instance._meta.verbose_name
    change = last_change_description(instance)
    return (
        f"Ce {label} a été modifié {change} pendant que vous le modifiiez. "
        "Vos modifications n'ont pas été enregistrées ; elles restent affichées ci-dessous. "
        "Ouvrez la page dans un autre onglet pour voir la version enregistrée : si vous enregistrez à nouveau "
        "ce formulaire, votre saisie remplacera la sienne."
    ).replace("  ", " ")


def save_versioned(form: VersionedModelForm, commit_extra=None) -> bool:
    """Save the form only if nobody saved the row since the form was loaded. Returns False on conflict.

    `commit_extra(instance)` runs inside the same transaction after the save (e.g. saving formsets).
    """
    instance = form.instance
    expected = form.cleaned_data.get("lock_version")
    with transaction.atomic():
        if instance.pk:
            current = type(instance)._base_manager.select_for_update().get(pk=instance.pk)
            if expected is None or current.lock_version != expected:
                form.add_error(None, conflict_message(current))
                # A deliberate second save, after reading the message, may replace the other person's text.
                form.data = form.data.copy()
                form.data[form.add_prefix("lock_version")] = current.lock_version
                return False
            instance.lock_version = current.lock_version + 1
        form.save()
        if commit_extra is not None:
            commit_extra(form.instance)
    return True
