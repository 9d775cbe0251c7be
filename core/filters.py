"""Filters shared by the lists of every app (django-filter)."""

import django_filters
from django import forms


class YesNoSelect(forms.NullBooleanSelect):
    """A yes/no filter's select whose first choice says that both are shown, not Django's « Inconnu »."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Indifférent"), ("true", "Oui"), ("false", "Non")]


class YesNoFilter(django_filters.BooleanFilter):
    """A yes/no filter of a list: « Indifférent » (the whole list), « Oui » or « Non »."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", YesNoSelect)
        super().__init__(*args, **kwargs)
