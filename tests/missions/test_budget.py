"""Budget: ordered vs consumed per line, order form and mission; thresholds; fixed query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from missions.money.models.orders import OrderForm, OrderLine
from missions.money.models.time import TimeEntry
from missions.money.services import consumption
from missions.money.services.budget import (
    BudgetFigures,
    order_form_budget,
    programme_budget,
    programme_totals,
    with_budget,
)
from tests.factories import ProgrammeFactory, UserFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory
from tests.harness.assertions import assert_redirects_to_login


def log_half_days(line: OrderLine, half_days: int, consultant=None) -> None:
    """Log `half_days` on `line` as entries of at most two half-days on successive days (bulk: one query)."""
    consultant = consultant or UserFactory(consultant=True)
    entries, day = [], datetime.date(2025, 4, 1)
    while half_days > 0:
        entries.append(TimeEntry(consultant=consultant, date=day, half_days=min(2, half_days), order_line=line))
        half_days -= 2
        day += datetime.timedelta(days=1)
    TimeEntry.objects.bulk_create(entries)
    consumption.refresh_all()  # a bulk creation sends no signal


@pytest.mark.parametrize(
    ("ordered", "consumed", "level", "rate"),
    [
        ("1000.00", "0.00", "ok", "0.0"),
        ("1000.00", "799.99", "ok", "80.0"),  # 79.999 % shows as 80.0 but is still below the threshold
        ("1000.00", "800.00", "warning", "80.0"),
        ("1000.00", "1000.00", "warning", "100.0"),
        ("1000.00", "1000.01", "alert", "100.0"),
        ("1000.00", "1500.00", "alert", "150.0"),
    ],
)
def test_warning_at_80_percent_and_alert_past_100_percent(ordered, consumed, level, rate):
    figures = BudgetFigures(ordered_amount=Decimal(ordered), consumed_amount=Decimal(consumed))
    assert figures.level == level
    assert figures.consumed_rate == Decimal(rate)
    assert figures.remaining_amount == Decimal(ordered) - Decimal(consumed)
    assert 0 <= figures.progress_value <= 100


def test_level_with_nothing_ordered():
    assert BudgetFigures().level == "ok"
    assert BudgetFigures().consumed_rate is None
    assert BudgetFigures(consumed_amount=Decimal("10")).level == "alert"


@pytest.mark.django_db
def test_consumption_is_time_valued_at_the_line_unit_price():
    order_form = OrderFormFactory()
    senior = OrderLineFactory(order_form=order_form, quantity=Decimal("10"), unit_price=Decimal("255.00"))
    junior = OrderLineFactory(order_form=order_form, quantity=Decimal("4"), unit_price=Decimal("186.15"))
    log_half_days(senior, 3)
    log_half_days(junior, 4)
    budget = order_form_budget(with_budget(OrderForm.objects.all()).get())
    by_line = {item.line: item.figures for item in budget.lines}
    assert by_line[senior].consumed_amount == Decimal("765.00")
    assert by_line[senior].remaining_half_days == Decimal("7")
    assert by_line[junior].consumed_amount == Decimal("744.60")
    assert by_line[junior].level == "warning"
    assert budget.figures.ordered_half_days == Decimal("14")
    assert budget.figures.consumed_half_days == Decimal("7")
    assert budget.figures.ordered_amount == Decimal("3294.60")
    assert budget.figures.consumed_amount == Decimal("1509.60")
    assert budget.figures.remaining_amount == Decimal("1785.00")
    assert all(isinstance(value, Decimal) for name, value in vars(budget.figures).items() if name != "lines_over")


@pytest.mark.django_db
def test_flat_line_is_consumed_once_the_order_form_is_executed():
    order_form = OrderFormFactory(status=OrderForm.Status.NOTIFIED)
    OrderLineFactory(order_form=order_form, unit=OrderLine.Unit.FLAT, quantity=1, unit_price=Decimal("480.00"))
    assert order_form_budget(order_form).figures.consumed_amount == Decimal("0.00")
    order_form.status = OrderForm.Status.EXECUTED
    assert order_form_budget(order_form).figures.consumed_amount == Decimal("480.00")
    assert order_form_budget(order_form).figures.ordered_half_days == Decimal("0")


@pytest.mark.django_db
def test_programme_budget_by_mission_leaves_drafts_and_other_programmes_out():
    programme = ProgrammeFactory()
    mission1 = OrderFormFactory(programme=programme, mission=1)
    line1 = OrderLineFactory(order_form=mission1, quantity=Decimal("10"), unit_price=Decimal("100.00"))
    mission3 = OrderFormFactory(programme=programme, mission=3, status=OrderForm.Status.PAID)
    line3 = OrderLineFactory(order_form=mission3, quantity=Decimal("2"), unit_price=Decimal("200.00"))
    OrderLineFactory(order_form=OrderFormFactory(programme=programme, mission=1, draft=True))
    OrderLineFactory(order_form=OrderFormFactory(programme=ProgrammeFactory(contract_reference="AUTRE")))
    log_half_days(line1, 9)
    log_half_days(line3, 3)

    budget = programme_budget(programme=programme)
    missions = {mission.mission: mission for mission in budget.missions}
    assert [item.order_form for item in missions[1].order_forms] == [mission1]
    assert missions[1].figures.consumed_amount == Decimal("900.00")
    assert missions[1].figures.level == "warning"
    assert missions[2].figures == BudgetFigures()
    assert missions[3].figures.consumed_amount == Decimal("600.00")
    assert missions[3].figures.level == "alert"
    assert budget.figures.ordered_amount == Decimal("1400.00")
    assert budget.figures.consumed_amount == Decimal("1500.00")
    assert budget.figures.remaining_amount == Decimal("-100.00")


@pytest.mark.django_db
def test_programme_budget_for_an_elu_is_empty(elu):
    programme = ProgrammeFactory()
    OrderLineFactory(order_form=OrderFormFactory(programme=programme))
    assert programme_budget(programme=programme, user=elu).figures == BudgetFigures()


@pytest.mark.django_db
def test_programme_budget_runs_a_fixed_number_of_queries(django_assert_num_queries):
    programme = ProgrammeFactory()
    line = OrderLineFactory(order_form=OrderFormFactory(programme=programme))
    log_half_days(line, 2)
    with django_assert_num_queries(2):
        programme_budget(programme=programme)
    for index in range(30):
        order_form = OrderFormFactory(programme=programme, mission=index % 3 + 1)
        log_half_days(OrderLineFactory(order_form=order_form), 3)
    with django_assert_num_queries(2):
        budget = programme_budget(programme=programme)
    assert sum(len(mission.order_forms) for mission in budget.missions) == 31


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, "gbm", "consultant", "elu"])
def test_programme_totals_are_the_budgets_figures_in_one_query(role, django_assert_max_num_queries):
    """The dashboard's plain-row totals agree with the order-form budget, mission by mission, to the cent."""
    programme = ProgrammeFactory()
    statuses = [status for status, _label in OrderForm.Status.choices]
    for index in range(24):
        order_form = OrderFormFactory(
            programme=programme, mission=index % 3 + 1, status=statuses[index % len(statuses)]
        )
        log_half_days(OrderLineFactory(order_form=order_form, unit_price=Decimal("255.55")), index % 7)
        OrderLineFactory(
            order_form=order_form,
            unit=OrderLine.Unit.FLAT,
            quantity=Decimal("1.5"),
            unit_price=Decimal("333.335"),
        )
    OrderLineFactory(order_form=OrderFormFactory(programme=ProgrammeFactory()))  # another programme: left out
    user = None if role is None else UserFactory(**{role: True})
    expected = programme_budget(programme=programme, user=user)
    with django_assert_max_num_queries(1):
        totals = programme_totals(programme=programme, user=user)
    assert totals.figures == expected.figures
    assert [(m.mission, m.figures) for m in totals.missions] == [(m.mission, m.figures) for m in expected.missions]
    if role != "elu":
        assert totals.figures.consumed_amount > 0 and totals.figures.ordered_amount > 0


# The budget page --------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_team_reads_the_budget_page(request, client, role):
    programme = ProgrammeFactory()
    order_form = OrderFormFactory(programme=programme, number="BC-2025-004", commune=None)
    line = OrderLineFactory(order_form=order_form, quantity=Decimal("4"), unit_price=Decimal("255.00"))
    log_half_days(line, 4)
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("missions:order_form_budget"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "BC-2025-004" in content
    assert "Mission 1 : projets alimentaires communaux" in content
    assert "1\u202f020,00\u00a0€" in content
    assert "100,0 % consommés" in content
    assert "Attention : 80 % atteints" in content


@pytest.mark.django_db
def test_elus_get_404_and_anonymous_login_on_the_budget_page(client, elu, elu_other_commune):
    for user in (elu, elu_other_commune):
        client.force_login(user)
        assert client.get(reverse("missions:order_form_budget")).status_code == 404
    client.logout()
    assert_redirects_to_login(client.get(reverse("missions:order_form_budget")))


@pytest.mark.django_db
def test_budget_page_query_count_is_constant_with_1_and_300_order_forms(
    client, consultant, django_assert_max_num_queries
):
    programme = ProgrammeFactory()
    line = OrderLineFactory(order_form=OrderFormFactory(programme=programme))
    TimeEntryFactory(order_line=line, consultant=consultant)
    client.force_login(consultant)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("missions:order_form_budget")).status_code == 200
    order_forms = OrderForm.objects.bulk_create(
        OrderForm(
            programme=programme, number=f"BC-2025-9{index:03d}", object="Bon", mission=index % 3 + 1, status="emis"
        )
        for index in range(100, 399)
    )
    lines = OrderLine.objects.bulk_create(
        OrderLine(order_form=order_form, description="Demi-journée", quantity=5, unit_price=Decimal("186.00"))
        for order_form in order_forms
    )
    TimeEntry.objects.bulk_create(
        TimeEntry(consultant=consultant, date=datetime.date(2025, 4, 2), half_days=1, order_line=line)
        for line in lines
    )
    consumption.refresh_all()  # a bulk creation sends no signal
    with django_assert_max_num_queries(12) as large:
        response = client.get(reverse("missions:order_form_budget"))
    assert response.content.decode().count("BC-2025-") >= 300
    assert len(small.captured_queries) == len(large.captured_queries)
