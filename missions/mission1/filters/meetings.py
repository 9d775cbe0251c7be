import django_filters
from django import forms

from communes.filters import CommuneChoiceFilter
from communes.models import Commune
from core.models import User
from core.shared_options import SharedOptionsFilter
from missions.mission1.models.meetings import Meeting


def team_choices() -> list[tuple[str, str]]:
    """The consultants and GBM officers, in the users' order, named as `str(user)` names them."""
    rows = (
        User.objects.filter(role__in=[User.Role.CONSULTANT, User.Role.GBM])
        .order_by(*User._meta.ordering)
        .values_list("pk", "first_name", "last_name", "username")
    )
    return [(str(pk), f"{first} {last}".strip() or username) for pk, first, last, username in rows]


class MeetingFilter(django_filters.FilterSet):
    # Only the communes with a meeting (300 of 1,340 at the benchmark's scale 20): the others would list nothing.
    commune = CommuneChoiceFilter(queryset=Commune.objects.filter(pk__in=Meeting.objects.values("commune")))
    kind = django_filters.ChoiceFilter(label="Type", choices=Meeting.Kind.choices, empty_label="Tous")
    # Plain (id, name) rows written once (SharedOptionsFilter): a ModelChoiceFilter built a User per option, and
    # Django's select a dict per option.
    consultant = SharedOptionsFilter(
        label="Saisie par", field_name="created_by", choices=team_choices, empty_label="Tout le monde"
    )
    date_from = django_filters.DateFilter(
        label="Du", field_name="starts_at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label="Au", field_name="starts_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Meeting
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not user.is_team:
            # An élu's meetings are already limited to their commune; other filters would only leak names.
            for name in ("commune", "consultant"):
                self.filters.pop(name)
