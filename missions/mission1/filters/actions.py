import django_filters
from django.db.models import Q
from django.utils import timezone

from communes.filters import CommuneChoiceFilter
from communes.models import Commune
from core.filters import YesNoFilter
from missions.mission1.models.action_plans import Action
from missions.programme.choices import ActionTheme
from missions.programme.models import Programme


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="filter_search", max_length=100)
    commune = CommuneChoiceFilter(
        field_name="plan__accompaniment__commune",
        queryset=Commune.objects.filter(accompaniments__isnull=False).distinct(),
    )
    theme = django_filters.ChoiceFilter(label="Thème", choices=ActionTheme.choices, empty_label="Tous")
    status = django_filters.ChoiceFilter(label="Statut", choices=Action.Status.choices, empty_label="Tous")
    specific_support = YesNoFilter(label="Accompagnement spécifique")
    late = YesNoFilter(label="En retard", method="filter_late")
    small = YesNoFilter(label="Communes sous le seuil de population", method="filter_small")
    target = django_filters.ChoiceFilter(
        label="Compte pour l'objectif",
        choices=[("accompagnement_specifique", "Projets d'actions accompagnés (objectif du marché)")],
        empty_label="—",
        method="filter_target",
    )

    # The dashboard tile's link: the same rule as its count (Action.objects.toward_specific_support_target).
    SPECIFIC_SUPPORT_TARGET = "target=accompagnement_specifique"

    class Meta:
        model = Action
        fields = []

    def filter_search(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(
                Q(title__icontains=term) | Q(lead_organisation__icontains=term) | Q(description__icontains=term)
            )
        return queryset

    def filter_late(self, queryset, name, value):
        """Past their end month and neither done nor abandoned (Action.objects.late), or the others."""
        today = timezone.localdate()
        return queryset.late(today) if value else queryset.not_late(today)

    def filter_small(self, queryset, name, value):
        """Communes under the current programme's population threshold (the contract's, never a literal)."""
        programme = Programme.objects.current()
        if programme is None:
            return queryset.none() if value else queryset
        lookup = Q(plan__accompaniment__commune__population__lt=programme.small_commune_population)
        return queryset.filter(lookup) if value else queryset.exclude(lookup)

    def filter_target(self, queryset, name, value):
        programme = Programme.objects.current()
        if programme is None:
            return queryset.none()
        return queryset.toward_specific_support_target(programme)
