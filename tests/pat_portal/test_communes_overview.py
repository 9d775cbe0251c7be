"""The territory overview: accompanied communes first, the others one click away; referent consultant and last
activity; one card per commune on a phone; a query count that does not grow with the communes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from missions.mission1.models.accompaniments import Accompaniment
from tests.factories import CommuneFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory, MeetingFactory
from tests.harness import reading

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
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("overview")).status_code == 200
    for number in range(30):
        accompaniment = AccompanimentFactory(commune=CommuneFactory(name=f"Commune {number}"))
        MeetingFactory(accompaniment=accompaniment)
    with django_assert_max_num_queries(12) as many:
        assert client.get(reverse("overview")).status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


# /communes/ as each role reads it ------------------------------------------------------------------------------
# Its queries, the same whatever the communes (measured): only the page's communes are annotated.
OVERVIEW_QUERIES = {"gbm": 5, "consultant": 5, "elu": 5}


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_overview_runs_the_same_few_queries_with_more_communes(client, users, role):
    AccompanimentFactory(commune=CommuneFactory(name="Torpes"))
    client.force_login(users[role])
    client.get("/communes/")  # the navigation's counters are then kept in a cookie
    small = reading.count_queries(client, "/communes/")
    for number in range(30):
        MeetingFactory(accompaniment=AccompanimentFactory(commune=CommuneFactory(name=f"Commune {number}")))
    large = reading.count_queries(client, "/communes/")
    assert small == large == OVERVIEW_QUERIES[role], (small, large)


def test_the_second_page_carries_where_its_communes_stand(client, consultant):
    """Only the page's communes are annotated: a later page's rows still say where they stand, in page order."""
    for number in range(26):
        AccompanimentFactory(commune=CommuneFactory(name=f"Commune {number:02}"), phase=Accompaniment.Phase.DIAGNOSTIC)
    CommuneFactory(name="Aucun accompagnement")
    client.force_login(consultant)
    rows = client.get("/communes/", {"page": 2}).context["communes"]
    assert [row.name for row in rows] == ["Commune 25", "Aucun accompagnement"]
    assert rows[0].overview_phase == Accompaniment.Phase.DIAGNOSTIC and rows[0].overview_actions == 0
    assert rows[1].overview_phase is None and rows[1].consultant == ""


def test_each_reader_gets_their_own_overview(client, consultant, elu, commune, other_commune):
    client.force_login(consultant)
    page = reading.page_text(client, reverse("overview"))
    assert other_commune.name in page and "Exporter (CSV)" in page
    client.force_login(elu)
    page = reading.page_text(client, reverse("overview"))
    assert commune.name in page and other_commune.name not in page and "Exporter (CSV)" not in page
