from django.db import models
from django.db.models import Count, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce


class CommuneScopedQuerySet(models.QuerySet):
    """Rows that belong to one commune (a `commune` foreign key): the portal's common visibility rule."""

    def visible_to(self, user):
        """GBM officers and consultants see every row; an élu only their own commune's."""
        if not user.is_authenticated:
            return self.none()
        if user.is_team:
            return self
        if user.is_elu:
            return self.filter(commune_id=user.commune_id)
        return self.none()


def count_subquery(queryset):
    """COUNT(*) of an already correlated queryset (filtered on an OuterRef), as an annotation; 0 when empty."""
    counted = queryset.order_by().annotate(group=Value(1)).values("group").annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), Value(0))
