import django_filters
from django.db.models import Q

from communes.filters import CommuneChoiceFilter
from communes.models import Commune
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
    specific_support = django_filters.BooleanFilter(label="Accompagnement spécifique")
    small = django_filters.BooleanFilter(label="Communes de moins de 5 000 habitants", method="filter_small")

    class Meta:
        model = Action
        fields = []

    def filter_search(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(
                Q(title__icontains=term) | Q(lead_organisation__icontains=term) | Q(description__icontains=term)
            )
        return queryset

    def filter_small(self, queryset, name, value):
        programme = Programme.objects.current()
        threshold = programme.small_commune_population if programme else 5000
        lookup = Q(plan__accompaniment__commune__population__lt=threshold)
        return queryset.filter(lookup) if value else queryset.exclude(lookup)
