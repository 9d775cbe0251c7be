"""One tabular inline for the whole admin, readable by screen readers.

Django's tabular inline names its inputs only by the column headers, which assistive technologies do not
announce for each cell (axe: critical 'label' / 'select-name'). Every input gets its field's name, and every
"delete" box the row it deletes.
"""

from django import forms
from django.contrib import admin
from django.utils.text import capfirst


class AccessibleInlineFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Supprimer la ligne {(index or 0) + 1}"


class AccessibleTabularInline(admin.TabularInline):
    formset = AccessibleInlineFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            formfield.widget.attrs.setdefault("aria-label", capfirst(db_field.verbose_name))
        return formfield
