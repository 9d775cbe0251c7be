"""The territory overview: accompanied communes first, the others one click away; referent consultant and last
activity; one card per commune on a phone; a query count that does not grow with the communes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core import freshness
from tests.factories import CommuneFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def names_on_page(response) -> list[str]:
    return [commune.name for commune in response.context["communes"]]


def test_accompanied_communes_come_first_in_french_order(client, consultant):
    for name in ("Audeux", "Chalèze", "Vaire"):
        CommuneFactory(name=name)
    AccompanimentFactory(commune=CommuneFactory(name="Torpes"))
    AccompanimentFactory(commune=CommuneFactory(name="Chalezeule"))
    client.force_login(consultant)
    names = names_on_page(client.get(reverse("overview")))
    assert names[:2] == ["Chalezeule", "Torpes"]
    assert names[2:] == ["Audeux", "Chalèze", "Vaire"]


def test_the_other_communes_are_one_filter_away(client, consultant):
    CommuneFactory(name="Audeux")
    AccompanimentFactory(commune=CommuneFactory(name="Torpes"))
    client.force_login(consultant)
    assert names_on_page(client.get(reverse("overview"), {"accompanied": "oui"})) == ["Torpes"]
    assert names_on_page(client.get(reverse("overview"), {"accompanied": "non"})) == ["Audeux"]
    page = client.get(reverse("overview")).content.decode()
    assert 'href="?accompanied=oui"' in page and 'href="?accompanied=non"' in page


def test_referent_consultant_and_last_activity_are_shown(client, gbm_officer):
    lead = UserFactory(consultant=True, first_name="Julien", last_name="Roussel")
    accompaniment = AccompanimentFactory(commune=CommuneFactory(name="Torpes"), lead_consultant=lead)
    MeetingFactory(accompaniment=accompaniment, starts_at=timezone.make_aware(datetime.datetime(2026, 9, 28, 18)))
    client.force_login(gbm_officer)
    response = client.get(reverse("overview"))
    row = response.context["communes"][0]
    assert row.consultant == "Julien Roussel"
    assert row.last_activity is not None and row.last_activity >= timezone.make_aware(
        datetime.datetime(2026, 9, 28, 18)
    )
    page = response.content.decode()
    assert "Consultant·e référent·e" in page and "Dernière activité" in page and "Julien Roussel" in page


def test_each_row_is_a_labelled_card_on_a_phone(client, consultant):
    AccompanimentFactory(commune=CommuneFactory(name="Torpes"))
    client.force_login(consultant)
    page = client.get(reverse("overview")).content.decode()
    assert 'class="table table-hover align-middle table-stack"' in page
    assert 'data-label="Phase"' in page and 'data-label="Dernière activité"' in page
    assert 'class="table-responsive"' not in page  # no sideways scroll hiding the status


def test_overview_query_count_does_not_grow_with_communes(client, consultant, django_assert_max_num_queries):
    AccompanimentFactory(commune=CommuneFactory(name="Torpes"))
    client.force_login(consultant)
    client.get(reverse("overview"))  # the navigation's counters are then kept in a cookie for a few minutes
    freshness.bump()  # the page's body is computed, not read back (as after any write by another request)
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("overview")).status_code == 200
    for number in range(30):
        accompaniment = AccompanimentFactory(commune=CommuneFactory(name=f"Commune {number}"))
        MeetingFactory(accompaniment=accompaniment)
    freshness.bump()
    with django_assert_max_num_queries(12) as many:
        assert client.get(reverse("overview")).status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)
