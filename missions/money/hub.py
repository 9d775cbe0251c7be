"""Order forms and time on the commune hub: for GBM officers and consultants only (élus never see prices or time).

The section and the timeline share their queries through `hub.memo`: the commune's order forms with their
lines and consumption, and the half-days logged for the commune (two queries).
"""

from django.db.models import F, Func, Q, Subquery, Sum

from core import access, hub
from core.hub import HubSection, TimelineEvent
from missions.money.models.orders import OrderForm
from missions.money.models.time import TimeEntry
from missions.money.services.budget import order_form_budget, with_budget


def _commune_time(commune, user):
    return TimeEntry.objects.visible_to(user).filter(
        Q(accompaniment__commune=commune) | Q(support_request__commune=commune)
    )


def _order_forms(commune, user) -> list[OrderForm]:
    """The commune's order forms with their lines, each row also carrying the half-days logged for the commune.

    The half-days ride along as a scalar subquery (the same value on every row) so that a commune with order
    forms costs two queries here, not three; a commune without any asks for its half-days on their own.
    """
    commune_half_days = Subquery(
        _commune_time(commune, user).order_by().annotate(total=Func(F("half_days"), function="SUM")).values("total")
    )
    return hub.memo(
        commune,
        "missions.order_forms",
        lambda: list(
            with_budget(OrderForm.objects.visible_to(user).filter(commune=commune))
            .annotate(commune_half_days=commune_half_days)
            .order_by("-issued_on")
        ),
    )


def order_forms_section(commune, user):
    if not access.can_read_order_forms(user):
        return None
    order_forms = _order_forms(commune, user)
    budgets = [order_form_budget(order_form) for order_form in order_forms]
    if order_forms:
        half_days = order_forms[0].commune_half_days
    else:
        half_days = _commune_time(commune, user).aggregate(total=Sum("half_days"))["total"]
    return HubSection(
        title="Bons de commande et temps passé",
        template="missions/orders/_hub_section.html",
        context={"budgets": budgets, "half_days": half_days or 0, "commune": commune},
        anchor="bons-de-commande",
    )


def order_form_events(commune, user):
    if not access.can_read_order_forms(user):
        return []
    return [
        TimelineEvent(
            date=order_form.issued_on,
            category="Bon de commande",
            title=f"{order_form.number} — {order_form.object}",
            url=order_form.get_absolute_url(),
            detail=order_form.get_status_display(),
        )
        for order_form in _order_forms(commune, user)
    ]
