"""Filters of the portal's cross-app pages: the territory overview (and its export) filters communes by where
they stand in the programme, which the communes app cannot know."""

import django_filters

from communes.filters import CommuneFilter
from missions.mission1.models.accompaniments import Accompaniment
from missions.programme.models import Programme

NEW_PROJECTS = "nouveaux_projets"


class TerritoryFilter(CommuneFilter):
    cohort = django_filters.ChoiceFilter(
        label="Cohorte", choices=Accompaniment.Cohort.choices, method="filter_cohort", empty_label="Toutes"
    )
    phase = django_filters.ChoiceFilter(
        label="Phase", choices=Accompaniment.Phase.choices, method="filter_phase", empty_label="Toutes"
    )
    accompanied = django_filters.ChoiceFilter(
        label="Accompagnement",
        choices=[("oui", "Communes accompagnées"), ("non", "Communes non accompagnées")],
        method="filter_accompanied",
        empty_label="Toutes les communes",
    )
    target = django_filters.ChoiceFilter(
        label="Compte pour l'objectif",
        choices=[(NEW_PROJECTS, "Nouveaux projets alimentaires communaux (plan validé)")],
        method="filter_target",
        empty_label="—",
    )

    # The dashboard tile's link: the same rule as its count (Accompaniment.objects.counting_as_new_project).
    NEW_PROJECTS_TARGET = f"target={NEW_PROJECTS}"

    class Meta(CommuneFilter.Meta):
        fields = []

    def filter_accompanied(self, queryset, name, value):
        accompanied = Accompaniment.objects.values("commune_id")
        return queryset.filter(pk__in=accompanied) if value == "oui" else queryset.exclude(pk__in=accompanied)

    def filter_cohort(self, queryset, name, value):
        return queryset.filter(accompaniments__cohort=value).distinct()

    def filter_phase(self, queryset, name, value):
        return queryset.filter(accompaniments__phase=value).distinct()

    def filter_target(self, queryset, name, value):
        programme = Programme.objects.current()
        if programme is None:
            return queryset.none()
        counted = Accompaniment.objects.filter(programme=programme).counting_as_new_project()
        return queryset.filter(pk__in=counted.values("commune_id"))
