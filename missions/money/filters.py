"""Filters of the order-form list and of the time entries list (django-filter)."""

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils import timezone

from communes.filters import CommuneChoiceFilter
from communes.models import Commune
from core.filters import YesNoFilter
from core.models import User
from core.shared_options import SharedOptionsFilter
from missions.money.forms import activity_choices
from missions.money.models.orders import OrderForm
from missions.money.models.time import TimeEntry
from missions.programme.choices import Mission

MONTH_REGEX = r"^\d{4}-(0[1-9]|1[0-2])$"
FIRST_YEAR, LAST_YEAR = 2000, 2100


class YearFilter(django_filters.NumberFilter):
    """A whole year between 2000 and 2100: the database's year lookup fails on year 0, 10000 or more (500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "year")
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(*args, **kwargs)


class OrderFormFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="filter_search")
    status = django_filters.ChoiceFilter(label="Statut", choices=OrderForm.Status.choices, empty_label="Tous")
    mission = django_filters.ChoiceFilter(label="Mission", choices=Mission.choices, empty_label="Toutes")
    commune = CommuneChoiceFilter(queryset=Commune.objects.filter(order_forms__isnull=False).distinct())
    year = YearFilter(label="Année", field_name="issued_on")
    late = YesNoFilter(label="En retard", method="filter_late")

    class Meta:
        model = OrderForm
        fields = []

    def filter_late(self, queryset, name, value):
        """Past their planned end of execution and not executed, invoiced nor paid (OrderForm.objects.late)."""
        today = timezone.localdate()
        return queryset.late(today) if value else queryset.not_late(today)

    def filter_search(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(
                Q(number__icontains=term) | Q(object__icontains=term) | Q(commune__name__icontains=term)
            )
        return queryset


def consultant_choices() -> list[tuple[str, str]]:
    """The active consultants as plain (id, name) rows (their name as `str(user)` writes it)."""
    rows = User.objects.consultants().values_list("pk", "first_name", "last_name", "username")
    return [(str(pk), f"{first} {last}".strip() or username) for pk, first, last, username in rows]


def order_form_choices(user) -> list[tuple[str, str]]:
    """The order forms the user may see, as plain (id, label) rows (400 at scale 20: no model instance each)."""
    rows = OrderForm.objects.visible_to(user).values_list("pk", "number", "object")
    return [(str(pk), f"{number} — {title}") for pk, number, title in rows]


class TimeEntryFilter(django_filters.FilterSet):
    month = django_filters.CharFilter(
        label="Mois",
        method="filter_month",
        validators=[RegexValidator(MONTH_REGEX, "Indiquez un mois au format AAAA-MM, par exemple 2026-11.")],
        # No placeholder: the HTML of a month field has none (a browser without its picker says the format on error).
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    # Long selects (1,200 options for GBM at scale 20), written once and checked against a set.
    consultant = SharedOptionsFilter(label="Consultant·e", empty_label="Tout le monde")
    order_form = SharedOptionsFilter(label="Bon de commande", field_name="order_line__order_form", empty_label="Tous")
    activity = SharedOptionsFilter(label="Activité", method="filter_activity", empty_label="Toutes")

    class Meta:
        model = TimeEntry
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The queries behind the choices run only when a select is shown or a value checked, once each.
        self.filters["consultant"].read_choices = consultant_choices
        self.filters["order_form"].read_choices = lambda: order_form_choices(user)
        self.filters["activity"].read_choices = lambda: activity_choices(user)

    def filter_month(self, queryset, name, value):
        year, month = (int(part) for part in value.split("-"))
        return queryset.filter(date__year=year, date__month=month)

    def filter_activity(self, queryset, name, value):
        kind, _, pk = value.partition(":")
        field_name = TimeEntry.ACTIVITY_FIELDS.get(kind)
        if field_name:
            return queryset.filter(**{f"{field_name}_id": int(pk)})
        return queryset.filter(**{f"{field}__isnull": True for field in TimeEntry.ACTIVITY_FIELDS.values()})
