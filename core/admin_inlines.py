"""One tabular inline for the whole admin, readable by screen readers.

Django's tabular inline names its inputs only by the column headers, which assistive technologies do not
announce for each cell (axe: critical 'label' / 'select-name'). Every input gets its field's name, and every
"delete" box the row it deletes.
"""

import json

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.utils.text import capfirst


class AccessibleInlineFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Supprimer la ligne {(index or 0) + 1}"


class AccessibleTabularInline(admin.TabularInline):
    formset = AccessibleInlineFormSet
    # The "add another" link's text; Django's French reads "Ajouter un objet <verbose name> supplémentaire".
    add_another_label = ""
    # At most this many rows, and never more built: a forged TOTAL_FORMS otherwise makes Django build and render up
    # to 2,000 rows for one POST (6 s of CPU, a 7 MB page; found by tests/security/test_fuzz_forms.py). The admin
    # lowers max_num to 0 on an inline that cannot add rows; the hard cap stays.
    ROW_LIMIT = 100
    max_num = ROW_LIMIT

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", self.ROW_LIMIT)
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            formfield.widget.attrs.setdefault("aria-label", capfirst(db_field.verbose_name))
        return formfield


class _LabelledInlineAdminFormSet(helpers.InlineAdminFormSet):
    def inline_formset_data(self):
        data = json.loads(super().inline_formset_data())
        label = getattr(self.opts, "add_another_label", "")
        if label:
            data["options"]["addText"] = label
        return json.dumps(data)


class InlineLabelsMixin:
    """On a ModelAdmin: its inlines' "add another" links say what their `add_another_label` says ("Ajouter une
    ligne") instead of Django's boilerplate."""

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            inline_formset.__class__ = _LabelledInlineAdminFormSet
        return inline_formsets
