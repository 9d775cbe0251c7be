import django_filters
from django.db.models import Q
from django.utils import timezone

from ateliers.models import Theme, Workshop


class WorkshopFilter(django_filters.FilterSet):
    PERIODS = [("a_venir", "À venir"), ("passes", "Passés")]

    q = django_filters.CharFilter(label="Recherche", method="filter_search")
    # The validated themes as plain (id, title) rows, read once when the filter set is built (not a model instance
    # per theme, twice per request: validation and rendering).
    theme = django_filters.ChoiceFilter(label="Thème", choices=[], empty_label="Tous")
    status = django_filters.ChoiceFilter(label="Statut", choices=Workshop.Status.choices, empty_label="Tous")
    format = django_filters.ChoiceFilter(label="Format", choices=Workshop.Format.choices, empty_label="Tous")
    period = django_filters.ChoiceFilter(
        label="Période", choices=PERIODS, method="filter_period", empty_label="Toutes"
    )
    ordering = django_filters.OrderingFilter(
        label="Trier par",
        fields=(("starts_at", "starts_at"), ("number", "number"), ("title", "title")),
        field_labels={"starts_at": "Date", "number": "Numéro", "title": "Titre"},
    )

    class Meta:
        model = Workshop
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["theme"].extra["choices"] = list(
            Theme.objects.validated().order_by("title", "pk").values_list("pk", "title")
        )

    def filter_search(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(
                Q(title__icontains=term) | Q(place__icontains=term) | Q(theme__title__icontains=term)
            )
        return queryset

    def filter_period(self, queryset, name, value):
        now = timezone.now()
        if value == "a_venir":
            return queryset.filter(ends_at__gte=now).order_by("starts_at")
        return queryset.filter(ends_at__lt=now)


class ThemeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="Statut", choices=Theme.Status.choices, empty_label="Tous")
    q = django_filters.CharFilter(label="Recherche", method="filter_search")

    class Meta:
        model = Theme
        fields = []

    def filter_search(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(Q(title__icontains=term) | Q(description__icontains=term))
        return queryset
