"""Order forms and time on the commune hub: team only, fixed number of queries."""

import datetime
from decimal import Decimal

import pytest

from tests.factories_mission1 import AccompanimentFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory


@pytest.fixture
def extra_commune_order_form(commune):
    order_form = OrderFormFactory(commune=commune, number="BC-2025-900", object="Accompagnement d'Amagney")
    line = OrderLineFactory(order_form=order_form, quantity=Decimal("10"), unit_price=Decimal("255.00"))
    accompaniment = AccompanimentFactory(programme=order_form.programme, commune=commune)
    TimeEntryFactory(order_line=line, accompaniment=accompaniment, half_days=2, date=datetime.date(2025, 4, 7))
    return order_form


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_team_sees_the_communes_order_forms_and_time_on_its_hub(request, client, role, extra_commune_order_form):
    client.force_login(request.getfixturevalue(role))
    content = client.get(extra_commune_order_form.commune.get_absolute_url()).content.decode()
    assert "Bons de commande et temps passé" in content
    assert "BC-2025-900" in content
    assert "510,00\u00a0€ consommés sur 2\u202f550,00\u00a0€ HT" in content
    assert "Temps passé pour la commune : <strong>2</strong>" in content


@pytest.mark.django_db
def test_elu_sees_no_order_form_price_or_time_on_their_hub(client, elu, extra_commune_order_form):
    client.force_login(elu)
    content = client.get(extra_commune_order_form.commune.get_absolute_url()).content.decode()
    assert "Bons de commande" not in content
    assert "BC-2025-900" not in content
    assert "255,00" not in content and "510,00" not in content


@pytest.mark.django_db
def test_hub_query_count_does_not_grow_with_order_forms(
    client, consultant, extra_commune_order_form, django_assert_max_num_queries
):
    client.force_login(consultant)
    url = extra_commune_order_form.commune.get_absolute_url()
    client.get(url)  # caches that persist between requests (content types) are warm, as in test_page_queries
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for index in range(20):
        line = OrderLineFactory(order_form=OrderFormFactory(commune=extra_commune_order_form.commune))
        TimeEntryFactory(order_line=line, date=datetime.date(2025, 4, 1) + datetime.timedelta(days=index))
    with django_assert_max_num_queries(12) as large:
        content = client.get(url).content.decode()
    assert content.count("BC-2025-") >= 21
    assert len(small.captured_queries) == len(large.captured_queries)
