"""Optimistic concurrency: the second of two people editing the same row is refused, nothing is lost.

A row people share and edit inherits `VersionedModel` (a `lock_version` counter). Every write to such a row goes
through one helper, `save_versioned(instance, expected_version)`: it saves only if the row is still at the version
the writer read, and bumps it, in one step; otherwise it raises `StaleEdit` (French message naming who saved and
when) and writes nothing. Forms, transitions, services and the admin all use it:

- a form inherits `VersionedModelForm`, which carries the version read when the page was opened (hidden field), and
  the view or service saves with `form.save_versioned()`; on a conflict it returns False, the message sits on the
  form and the second person's input stays on screen;
- a state change of one row (`plan.submit()`, `workshop.cancel()`…) calls `save_versioned(self, self.lock_version,
  update_fields=[...])`, so that a form opened before it is refused;
- an admin of a versioned model inherits `VersionedAdminMixin`.
"""

from django import forms
from django.db import models, transaction

from core import french


class VersionedModel(models.Model):
    lock_version = models.PositiveIntegerField("version d'édition", default=0, editable=False)

    # French agreement of the conflict message: « Cette réunion a été modifiée… pendant que vous la modifiiez ».
    name_is_feminine = False

    class Meta:
        abstract = True


def last_change_description(instance) -> str:
    """'par Claire Vuillemin le 22 novembre 2026 à 14:05', from the row's history when it has one."""
    history = getattr(instance, "history", None)
    record = history.select_related("history_user").first() if history is not None else None
    if record is None:
        return ""
    who = f"par {record.history_user}" if record.history_user else "par une autre personne"
    return f"{who} le {french.date_time(record.history_date)}"


def _demonstrative(instance) -> tuple[str, str, str]:
    """(« Ce » / « Cet » / « Cette » + name, past-participle ending, object pronoun) for the row's French name."""
    label = str(instance._meta.verbose_name)
    if getattr(instance, "name_is_feminine", False):
        return f"Cette {label}", "e", "la"
    article = "Cet" if label[:1].lower() in "aàâeéèêiîoôuûhy" else "Ce"
    return f"{article} {label}", "", "le"


def conflict_message(current) -> str:
    """What the second person reads: who saved the row in between and when, and that their input is kept."""
    name, agreement, pronoun = _demonstrative(current)
    change = last_change_description(current)
    return (
        f"{name} a été modifié{agreement} {change} pendant que vous {pronoun} modifiiez. "
        "Vos modifications n'ont pas été enregistrées ; elles restent affichées ci-dessous. "
        "Ouvrez la page dans un autre onglet pour voir la version enregistrée : si vous enregistrez à nouveau "
        "ce formulaire, votre saisie remplacera la sienne."
    ).replace("  ", " ")


def deleted_message(instance) -> str:
    name, agreement, pronoun = _demonstrative(instance)
    return (
        f"{name} a été supprimé{agreement} pendant que vous {pronoun} modifiiez : vos modifications n'ont pas été "
        "enregistrées ; elles restent affichées ci-dessous."
    )


class StaleEdit(Exception):
    """The row was saved (or deleted) by someone else since its version was read; nothing was written.

    `current` is the row as it is now (None once deleted); the message (French) says who saved it and when.
    """

    def __init__(self, instance, current):
        self.instance = instance
        self.current = current
        super().__init__(conflict_message(current) if current is not None else deleted_message(instance))


def save_versioned(instance: VersionedModel, expected_version: int | None, *, update_fields=None) -> VersionedModel:
    """Save `instance` if its row is still at `expected_version`, one version up; raise StaleEdit otherwise.

    The compare-and-bump is one conditional UPDATE (… WHERE pk = %s AND lock_version = expected): it takes the row's
    write lock, so of two concurrent saves of the same version exactly one matches, on PostgreSQL as on SQLite. The
    ordinary `save()` then writes the fields in the same transaction (history row, `auto_now` dates). A new row is
    simply created at version 0. `expected_version` None (a form posted without its version) counts as stale.
    """
    model = type(instance)
    with transaction.atomic():
        if not instance._state.adding:
            bumped = (
                expected_version is not None
                and model._base_manager.filter(pk=instance.pk, lock_version=expected_version).update(
                    lock_version=expected_version + 1
                )
                == 1
            )
            if not bumped:
                raise StaleEdit(instance, model._base_manager.filter(pk=instance.pk).first())
            instance.lock_version = expected_version + 1
            if update_fields is not None:
                update_fields = {*update_fields, "lock_version"}
        instance.save(update_fields=update_fields)
    return instance


class VersionedModelForm(forms.ModelForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["lock_version"] = self.instance.lock_version
        elif self.instance.pk:
            self.initial.setdefault("lock_version", self.instance.lock_version)

    def refuse_stale(self, stale: StaleEdit) -> None:
        """Put the conflict message on the form; the input stays as posted, to be re-read and saved again."""
        self.add_error(None, str(stale))
        if stale.current is not None:
            # A deliberate second save, after reading the message, may replace the other person's text.
            self.data = self.data.copy()
            self.data[self.add_prefix("lock_version")] = stale.current.lock_version

    def save_versioned(self, commit_extra=None) -> bool:
        """Save the (valid) form only if nobody saved the row since it was loaded; False on a conflict.

        `commit_extra(instance)` runs inside the same transaction after the save (e.g. saving formsets): on a
        conflict nothing at all is written.
        """
        try:
            with transaction.atomic():
                instance = self.save(commit=False)
                save_versioned(instance, self.cleaned_data.get("lock_version"))
                self.save_m2m()
                if commit_extra is not None:
                    commit_extra(instance)
        except StaleEdit as stale:
            self.refuse_stale(stale)
            return False
        return True


class VersionedAdminForm(VersionedModelForm):
    """The admin's form: the version is checked while validating, so that a conflict re-renders the page."""

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if not instance._state.adding:
            # The admin's change view runs in a transaction: the row stays locked until this save is written.
            rows = type(instance)._base_manager
            if transaction.get_connection(rows.db).in_atomic_block:
                rows = rows.select_for_update()
            current = rows.filter(pk=instance.pk).first()
            if current is None or cleaned.get("lock_version") != current.lock_version:
                self.refuse_stale(StaleEdit(instance, current))
        return cleaned


class VersionedAdminMixin:
    """ModelAdmin of a versioned model: its change page carries the version and saves through `save_versioned`.

    Inline rows that are versioned themselves are saved one version up, so that a portal form opened before the
    admin's change is refused. Reverting to an old version from the history page is turned off: it would write an
    old copy of the row without its version (the history stays readable; the change page restores old values).
    """

    form = VersionedAdminForm
    # A non-editable model field cannot sit in a fieldset: the template writes the hidden version at the top.
    change_form_template = "admin/versioned_change_form.html"

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if name != "lock_version"]

    def revert_disabled(self, request, obj=None):
        return True

    def save_model(self, request, obj, form, change):
        save_versioned(obj, form.cleaned_data.get("lock_version"))

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            row.delete()
        for row in rows:
            if isinstance(row, VersionedModel):
                save_versioned(row, row.lock_version)
            else:
                row.save()
        formset.save_m2m()
