"""A line past 100 % of its half-days (issue 25: BC-2026-002's chef·fe de projet line at 116,7 % while its order
form stands at 93,8 %): « Dépassement » wherever its order form appears, and not offered for new time except to
whoever may record an override (a GBM officer, with a reason)."""

import datetime
import html
from decimal import Decimal

import pytest

from missions.money.forms import order_line_options
from missions.money.models.orders import OrderForm, OrderLine
from missions.money.services.budget import figures_of_line, lines_for_new_time, order_form_budget
from pat_portal.pages.home import budget_with_alerts
from tests.factories import ProgrammeFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def _log(line, half_days, consultant=None):
    for day in range(half_days):
        kwargs = {"consultant": consultant} if consultant else {}
        TimeEntryFactory(order_line=line, date=datetime.date(2025, 4, 1) + datetime.timedelta(days=day), **kwargs)


@pytest.fixture
def programme():
    return ProgrammeFactory(start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2027, 12, 31))


@pytest.fixture
def overrun(programme, consultant):
    """An order form at 93,3 % whose « chef·fe de projet » line is at 116,7 % (7 of 6 half-days)."""
    order_form = OrderFormFactory(programme=programme, number="BC-2026-002", object="Accompagnement")
    chief = OrderLineFactory(order_form=order_form, description="Chef·fe de projet", quantity=6, unit_price=850)
    other = OrderLineFactory(order_form=order_form, description="Consultant·e", quantity=20, unit_price=255)
    _log(chief, 7, consultant)
    _log(other, 14, consultant)
    return order_form, chief, other


def test_one_line_past_100_percent_is_an_overrun_of_its_order_form_under_100():
    line = figures_of_line(
        unit=OrderLine.Unit.HALF_DAY, quantity=6, unit_price=850, consumed_half_days=7, executed=False
    )
    assert line.lines_over == 1 and line.level == "alert"
    full = figures_of_line(
        unit=OrderLine.Unit.HALF_DAY, quantity=6, unit_price=850, consumed_half_days=6, executed=False
    )
    assert full.lines_over == 0


def test_the_order_form_shows_depassement_although_its_total_is_under_100(overrun):
    order_form, _chief, _other = overrun
    budget = order_form_budget(OrderForm.objects.get(pk=order_form.pk))
    assert budget.figures.consumed_rate == Decimal("93.3")
    assert budget.figures.level == "alert"
    assert budget.figures.level_label == "Dépassement : 1 ligne au-delà de 100 %"


def test_gbm_home_shows_the_overrun_not_a_warning(client, gbm_officer, programme, overrun):
    order_form, _chief, _other = overrun
    _budget, alerts = budget_with_alerts(programme, gbm_officer)
    alert = next(alert for alert in alerts if alert.label.startswith("BC-2026-002"))
    assert alert.figures.level == "alert"
    client.force_login(gbm_officer)
    page = html.unescape(client.get("/").content.decode())
    assert "Dépassement : 1 ligne au-delà de 100 %" in page
    assert "Attention : 80 % atteints" not in page.split("BC-2026-002", 1)[1].split("</li>", 1)[0]


def test_a_full_line_is_not_offered_for_new_time_to_a_consultant(consultant, overrun):
    _order_form, chief, other = overrun
    offered = set(lines_for_new_time(consultant, statuses=[OrderForm.Status.ISSUED]).values_list("pk", flat=True))
    assert other.pk in offered and chief.pk not in offered
    choices, _missions = order_line_options(consultant)
    assert chief.pk not in {pk for _group, lines in choices for pk, _label in lines}
    # A week or an entry already on the line keeps it (its time can still be corrected).
    kept = lines_for_new_time(consultant, statuses=[OrderForm.Status.ISSUED], include_ids={chief.pk})
    assert chief.pk in set(kept.values_list("pk", flat=True))


def test_a_full_line_stays_offered_to_gbm_who_may_record_an_override(gbm_officer, overrun):
    _order_form, chief, _other = overrun
    choices, _missions = order_line_options(gbm_officer)
    assert chief.pk in {pk for _group, lines in choices for pk, _label in lines}
