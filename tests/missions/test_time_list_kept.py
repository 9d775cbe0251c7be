"""/temps/ is kept between requests (core/freshness.py) and never shown stale. The kept list holds no
token: its buttons (delete an entry, lock or reopen a month) post the page's one form, rendered per request, to the
URL each names (`form` and `formaction` attributes)."""

import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import freshness
from missions.money.models.time import TimeEntry, TimeMonthLock
from missions.money.views.time import TimeEntryListView
from tests.factories import UserFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory
from tests.harness.forms import form_posting_to, post_forms

pytestmark = pytest.mark.django_db
URL = "/temps/"
TODAY = datetime.datetime(2025, 4, 18, 10, 0, tzinfo=datetime.UTC)
MONDAY = datetime.date(2025, 4, 14)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def line(db):
    return OrderLineFactory(
        order_form=OrderFormFactory(number="BC-2025-003"), quantity=Decimal("20"), unit_price=Decimal("255.00")
    )


@pytest.fixture
def computed(monkeypatch):
    """How many times the list's body was computed (not read back)."""
    calls = []
    original = TimeEntryListView.get_context_data

    def counting(self, **kwargs):
        calls.append(1)
        return original(self, **kwargs)

    monkeypatch.setattr(TimeEntryListView, "get_context_data", counting)
    return calls


def _page(client, params=None) -> str:
    response = client.get(URL, params or {})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", page).replace("\u202f", " ").replace("\xa0", " ").split())


@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_the_list_is_read_back_until_a_write(request, role, client, line, consultant, computed):
    TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY, comment="Réunion d'élus")
    client.force_login(request.getfixturevalue(role))
    assert "Réunion d'élus" in _page(client)
    with CaptureQueriesContext(connection) as captured:
        assert "Réunion d'élus" in _page(client)
    assert len(captured.captured_queries) <= 3  # session, user, the data generation
    assert len(computed) == 1


def test_an_entry_logged_or_corrected_shows_at_once(client, consultant, line, computed):
    entry = TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY, half_days=1)
    client.force_login(consultant)
    assert "1 saisie · 1 demi-journée · valorisées 255,00 € HT" in _text(_page(client))
    TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY + datetime.timedelta(days=1), half_days=2)
    assert "2 saisies · 3 demi-journées · valorisées 765,00 € HT" in _text(_page(client))
    TimeEntry.objects.filter(pk=entry.pk).update(comment="Comité de pilotage")
    assert "Comité de pilotage" in _page(client)
    assert len(computed) == 3


def test_each_filter_is_kept_apart(client, gbm_officer, consultant, line, computed):
    other = UserFactory(consultant=True, first_name="Amélie", last_name="Faivre")
    TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY, comment="Entretien avec le maire")
    TimeEntryFactory(consultant=other, order_line=line, date=MONDAY, comment="Visite de la cantine")
    client.force_login(gbm_officer)
    assert "Visite de la cantine" in _page(client)
    hers = _page(client, {"consultant": other.pk})
    assert "Visite de la cantine" in hers and "Entretien avec le maire" not in hers
    assert "Entretien avec le maire" in _page(client)
    assert len(computed) == 2


def test_a_reader_never_gets_the_list_kept_for_another(client, gbm_officer, consultant, line):
    """A consultant may change only their own entries, and never lock a month: the list kept for GBM, who may do
    both, is not theirs."""
    other = UserFactory(consultant=True)
    colleague_entry = TimeEntryFactory(consultant=other, order_line=line, date=MONDAY)
    delete_url = reverse("missions:time_delete", args=[colleague_entry.pk])
    client.force_login(gbm_officer)
    page = _page(client)
    assert delete_url in page and "Verrouiller" in page
    client.force_login(consultant)
    page = _page(client)
    assert delete_url not in page and "Verrouiller" not in page


def test_the_kept_list_holds_no_token_and_its_buttons_post_the_pages_form(client, consultant, line):
    entry = TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY)
    client.force_login(consultant)
    _page(client)
    second = client.get(URL).content.decode()  # read back
    main = second.split('<main id="contenu"')[1].split("</main>")[0]
    assert main.count("csrfmiddlewaretoken") == 1  # in the page's form, outside the list
    assert '<form id="time-actions" method="post">' in main
    delete_url = reverse("missions:time_delete", args=[entry.pk])
    assert f'form="time-actions" formaction="{delete_url}"' in main
    # As a browser submits it: the page's token, to the button's URL.
    form = form_posting_to(second, URL, delete_url)
    assert form.data()["csrfmiddlewaretoken"]
    assert not [form for form in post_forms(second) if form.in_main and form.action in ("", URL)]
    client.handler.enforce_csrf_checks = True
    response = client.post(delete_url, form.data())
    assert response.status_code == 302
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_a_month_locked_from_the_kept_list(client, gbm_officer, line):
    client.force_login(gbm_officer)
    client.get(URL)
    page = client.get(URL).content.decode()  # read back
    lock_url = reverse("missions:time_month_lock", args=[2025, 3])
    form = form_posting_to(page, URL, lock_url)
    client.handler.enforce_csrf_checks = True
    assert client.post(lock_url, form.data()).status_code == 302
    assert TimeMonthLock.objects.get().month == datetime.date(2025, 3, 1)
    page = _page(client)
    assert "Mars 2025 Verrouillé le" in _text(page)
    assert f'formaction="{reverse("missions:time_month_unlock", args=[2025, 3])}"' in page


def test_elus_still_get_404(client, elu, line):
    client.force_login(elu)
    assert client.get(URL).status_code == 404


def test_a_chosen_filter_value_costs_no_more_queries(client, gbm_officer, consultant, line):
    """The choices of a select are read once, whether a value is checked against them or not."""
    TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY)
    client.force_login(gbm_officer)

    def computed_queries(params):
        client.get(URL, params)
        freshness.bump()  # as after any write: the list is computed, not read back
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params).status_code == 200
        return len(captured.captured_queries)

    plain = computed_queries({})
    chosen = {"consultant": consultant.pk, "order_form": line.order_form_id, "activity": "general", "month": "2025-04"}
    assert computed_queries(chosen) == plain <= 11
    assert "1 saisie" in _text(_page(client, chosen))
