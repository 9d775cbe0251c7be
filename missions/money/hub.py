"""Order forms and time on the commune hub: for GBM officers and consultants only (élus never see prices or time).

The section and the timeline share their queries through `hub.memo`: the commune's order forms with their
lines and consumption, and the half-days logged for the commune (two queries).
"""

from django.db.models import F, Func, Subquery
from django.db.models.functions import Coalesce

from core import access, hub
from core.hub import HubSection, TimelineEvent
from missions.money.models.orders import OrderForm
from missions.money.models.time import TimeEntry
from missions.money.services.budget import order_form_budget, with_budget

# The commune's time is charged to its accompaniments or to its support requests (an entry has one activity). Summed
# apart, each sum walks the entries of one indexed foreign key; one OR across the two joins scanned every time entry
# (30,000 at scale 20).
COMMUNE_TIME_LOOKUPS = ("accompaniment__commune", "support_request__commune")


def _half_days_sum(commune, user, lookup):
    return TimeEntry.objects.visible_to(user).filter(**{lookup: commune}).order_by()


def _commune_half_days_expression(commune, user):
    """The half-days logged for the commune, as one SQL expression (two scalar subqueries added)."""
    sums = [
        Coalesce(
            Subquery(
                _half_days_sum(commune, user, lookup)
                .annotate(total=Func(F("half_days"), function="SUM"))
                .values("total")
            ),
            0,
        )
        for lookup in COMMUNE_TIME_LOOKUPS
    ]
    return sums[0] + sums[1]


def _order_forms(commune, user) -> list[OrderForm]:
    """The commune's order forms with their lines, each row also carrying the half-days logged for the commune.

    The half-days ride along as a scalar subquery (the same value on every row) so that a commune with order
    forms costs two queries here, not three; a commune without any asks for its half-days on their own.
    """
    commune_half_days = _commune_half_days_expression(commune, user)
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
        # The two sums in one query, read on the commune's own row.
        half_days = (
            type(commune)
            .objects.filter(pk=commune.pk)
            .annotate(half_days=_commune_half_days_expression(commune, user))
            .values_list("half_days", flat=True)
            .first()
        )
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
