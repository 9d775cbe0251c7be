import django_filters
from django.db.models import Q

from .models import Commune, Contact


class CommuneFilter(django_filters.FilterSet):
    class PopulationBracket:
        CHOICES = [
            ("lt1000", "Moins de 1 000 habitants"),
            ("1000-4999", "De 1 000 à 4 999"),
            ("gte5000", "5 000 et plus"),
        ]
        LOOKUPS = {
            "lt1000": Q(population__lt=1000),
            "1000-4999": Q(population__gte=1000, population__lt=5000),
            "gte5000": Q(population__gte=5000),
        }

    name = django_filters.CharFilter(label="Nom", method="filter_name")
    population = django_filters.ChoiceFilter(
        label="Population", choices=PopulationBracket.CHOICES, method="filter_population", empty_label="Toutes"
    )
    ordering = django_filters.OrderingFilter(
        label="Trier par",
        fields=(("name", "name"), ("population", "population"), ("insee_code", "insee_code")),
        field_labels={"name": "Nom", "population": "Population", "insee_code": "Code INSEE"},
    )

    class Meta:
        model = Commune
        fields = []

    def filter_name(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(insee_code__startswith=value) | Q(postcodes__contains=value)
        )

    def filter_population(self, queryset, name, value):
        return queryset.filter(self.PopulationBracket.LOOKUPS[value])


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="filter_search")
    category = django_filters.ChoiceFilter(label="Catégorie", choices=Contact.Category.choices, empty_label="Toutes")
    commune = django_filters.ModelChoiceFilter(label="Commune", queryset=Commune.objects.all(), empty_label="Toutes")
    consent_to_share = django_filters.BooleanFilter(label="Accepte le partage")

    class Meta:
        model = Contact
        fields = []

    def filter_search(self, queryset, name, value):
        terms = value.split()
        for term in terms:
            queryset = queryset.filter(
                Q(last_name__icontains=term)
                | Q(first_name__icontains=term)
                | Q(organisation__icontains=term)
                | Q(email__icontains=term)
            )
        return queryset
