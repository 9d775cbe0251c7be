import re

import django_filters
from django.db.models import Q
from django.utils import timezone

from communes.filters import CommuneChoiceFilter
from communes.models import Commune
from core.filters import YesNoFilter
from missions.support.models import SupportRequest

TO_HANDLE = "a_traiter"
FOLLOWED = "suivies"
STARTED = "demarrees"
ALL = "toutes"
STATUS_CHOICES = [
    (TO_HANDLE, "À traiter (reçues, en instruction)"),
    (FOLLOWED, "Accompagnées (acceptées, en cours)"),
    (STARTED, "Accompagnement démarré ou terminé (objectif du marché)"),
    (ALL, "Toutes"),
    *SupportRequest.Status.choices,
]
REFERENCE = re.compile(r"^DA-(\d{4})-(\d{1,6})$", re.IGNORECASE)


class SupportRequestFilter(django_filters.FilterSet):
    """Filters of the queue; without a status chosen, it shows the requests waiting for a decision."""

    status = django_filters.ChoiceFilter(
        label="Statut", choices=STATUS_CHOICES, method="filter_status", empty_label=None
    )
    kind = django_filters.ChoiceFilter(label="Type de projet", choices=SupportRequest.Kind.choices, empty_label="Tous")
    # The communes with a request (270 of the 1,340 at scale 20): another commune would list nothing.
    commune = CommuneChoiceFilter(queryset=Commune.objects.filter(pk__in=SupportRequest.objects.values("commune")))
    door = django_filters.ChoiceFilter(label="Origine", choices=SupportRequest.Door.choices, empty_label="Toutes")
    q = django_filters.CharFilter(label="Recherche", method="filter_search", max_length=100)
    late = YesNoFilter(label="Étape en retard", method="filter_late")

    class Meta:
        model = SupportRequest
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("status"):
            data = data.copy()
            # Requests waiting for a decision have no steps yet: asking for late steps looks at every status.
            data["status"] = ALL if data.get("late") else TO_HANDLE
        super().__init__(data, *args, **kwargs)
        self.filters["q"].field.widget.attrs["placeholder"] = "DA-2026-0007, projet, structure"

    def filter_status(self, queryset, name, value):
        if value == TO_HANDLE:
            return queryset.filter(status__in=SupportRequest.OPEN_STATUSES)
        if value == FOLLOWED:
            return queryset.filter(status__in=[SupportRequest.Status.ACCEPTED, SupportRequest.Status.IN_PROGRESS])
        if value == STARTED:
            return queryset.started()
        if value == ALL:
            return queryset
        return queryset.filter(status=value)

    def filter_late(self, queryset, name, value):
        """Requests with a step past its planned end, neither done nor dropped (SupportStep.objects.late)."""
        today = timezone.localdate()
        return queryset.with_late_steps(today) if value else queryset.without_late_steps(today)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        match = REFERENCE.match(value)
        if match:
            return queryset.filter(year=int(match[1]), number=int(match[2]))
        for term in value.split():
            queryset = queryset.filter(
                Q(title__icontains=term) | Q(organisation__icontains=term) | Q(contact_name__icontains=term)
            )
        return queryset
