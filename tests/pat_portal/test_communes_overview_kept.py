"""/communes/ keeps its body between requests (filters, table, pagination): computed in a fixed number of queries
that annotate only the page's communes, read back without computing it again, never stale, each reader's own."""

import pytest
from django.urls import reverse

from missions.mission1.models.accompaniments import Accompaniment
from tests.factories import CommuneFactory
from tests.factories_mission1 import AccompanimentFactory, MeetingFactory
from tests.harness.fragments import KEPT_QUERIES, count_queries, page_text, same_minute

pytestmark = pytest.mark.django_db

URL = "/communes/"


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_computed_overview_runs_the_same_few_queries_with_more_communes(client, users, role):
    AccompanimentFactory(commune=CommuneFactory(name="Torpes"))
    client.force_login(users[role])
    client.get(URL)  # the navigation's counters are then kept in a cookie
    small = count_queries(client, URL)
    for number in range(30):
        MeetingFactory(accompaniment=AccompanimentFactory(commune=CommuneFactory(name=f"Commune {number}")))
    large = count_queries(client, URL)
    assert small == large <= 7, (small, large)


def test_the_second_page_carries_where_its_communes_stand(client, consultant):
    """Only the page's communes are annotated: a later page's rows still say where they stand, in page order."""
    for number in range(26):
        AccompanimentFactory(commune=CommuneFactory(name=f"Commune {number:02}"), phase=Accompaniment.Phase.DIAGNOSTIC)
    CommuneFactory(name="Aucun accompagnement")
    client.force_login(consultant)
    rows = client.get(URL, {"page": 2}).context["communes"]
    assert [row.name for row in rows] == ["Commune 25", "Aucun accompagnement"]
    assert rows[0].overview_phase == Accompaniment.Phase.DIAGNOSTIC and rows[0].overview_actions == 0
    assert rows[1].overview_phase is None and rows[1].consultant == ""


def test_an_overview_read_again_without_any_write_is_not_computed_again(client, consultant):
    AccompanimentFactory(commune=CommuneFactory(name="Torpes"))
    client.force_login(consultant)
    with same_minute():
        client.get(URL)
        assert count_queries(client, URL, cold=False) <= KEPT_QUERIES
        assert (
            count_queries(client, URL + "?accompanied=oui", cold=False) > KEPT_QUERIES
        )  # other filters: another body


def test_a_new_accompaniment_shows_at_once(client, consultant):
    commune = CommuneFactory(name="Vaire")
    client.force_login(consultant)
    assert "Vaire" not in page_text(client, URL + "?accompanied=oui")
    AccompanimentFactory(commune=commune)
    assert "Vaire" in page_text(client, URL + "?accompanied=oui")


def test_each_reader_gets_their_own_overview(client, consultant, elu, commune, other_commune):
    client.force_login(consultant)
    page = page_text(client, reverse("overview"))
    assert other_commune.name in page and "Exporter (CSV)" in page
    client.force_login(elu)
    page = page_text(client, reverse("overview"))
    assert commune.name in page and other_commune.name not in page and "Exporter (CSV)" not in page
