"""/bons-de-commande/ is kept between requests (core/freshness.py) and never shown stale: computed once
per reader and query string, read back until the next write (time logged, an order form edited)."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from missions.money.models.orders import OrderForm
from missions.money.views.orders import OrderFormListView
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory
from tests.harness.fragments import same_minute

pytestmark = pytest.mark.django_db
URL = "/bons-de-commande/"


@pytest.fixture(autouse=True)
def _one_minute():
    """Every read falls in the same minute (part of a kept body's key): reads counted as "kept" stay kept."""
    with same_minute():
        yield


@pytest.fixture
def computed(monkeypatch):
    """How many times the list's body was computed (not read back)."""
    calls = []
    original = OrderFormListView.get_context_data

    def counting(self, **kwargs):
        calls.append(1)
        return original(self, **kwargs)

    monkeypatch.setattr(OrderFormListView, "get_context_data", counting)
    return calls


@pytest.fixture
def line(db):
    order_form = OrderFormFactory(number="BC-2025-041", object="Accompagnement de Chalezeule")
    return OrderLineFactory(order_form=order_form, quantity=10)


def _page(client, params=None) -> str:
    response = client.get(URL, params or {})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_the_list_is_read_back_until_a_write(request, role, client, line, computed):
    client.force_login(request.getfixturevalue(role))
    assert "BC-2025-041" in _page(client)
    with CaptureQueriesContext(connection) as captured:
        assert "BC-2025-041" in _page(client)
    assert len(captured.captured_queries) <= 3  # session, user, the data generation
    assert len(computed) == 1


def test_time_logged_and_an_edited_object_show_at_once(client, consultant, line, computed):
    client.force_login(consultant)
    assert "0 / 10" in _page(client)
    TimeEntryFactory(order_line=line, consultant=consultant, half_days=2)
    assert "2 / 10" in _page(client)
    OrderForm.objects.filter(pk=line.order_form_id).update(object="Accompagnement de Thise")
    page = _page(client)
    assert "Accompagnement de Thise" in page and "Accompagnement de Chalezeule" not in page
    assert len(computed) == 3


def test_each_filter_is_kept_apart(client, consultant, line, computed):
    OrderFormFactory(number="BC-2025-042", status=OrderForm.Status.PAID)
    client.force_login(consultant)
    assert "BC-2025-042" in _page(client)
    paid = _page(client, {"status": OrderForm.Status.PAID})
    assert "BC-2025-042" in paid and "BC-2025-041" not in paid
    assert "BC-2025-041" in _page(client)
    assert len(computed) == 2


def test_a_reader_never_gets_the_list_kept_for_another(client, gbm_officer, consultant, line):
    """GBM's staff see the link to create an order form in the admin; a consultant right after does not."""
    add_link = reverse("admin:missions_orderform_add")
    client.force_login(gbm_officer)
    assert add_link in _page(client)
    client.force_login(consultant)
    assert add_link not in _page(client)


def test_the_page_around_the_kept_list_is_rendered_per_request(client, consultant, line):
    client.force_login(consultant)
    _page(client)
    page = _page(client)
    assert "<title>Bons de commande · " in page
    assert page.count('<main id="contenu"') == 1


def test_elus_still_get_404(client, elu, line):
    client.force_login(elu)
    assert client.get(URL).status_code == 404
