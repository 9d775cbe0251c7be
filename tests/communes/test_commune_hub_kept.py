"""The commune hub keeps its body between requests (every app's section and the timeline; no form on it): computed
within the 12-query budget whatever the data, read back without computing it again, never stale, each reader's own.
The commune's latest meetings ride along in the hub's commune query."""

import datetime

import pytest
from django.utils import timezone

from communes.models import Commune
from core import hub
from missions.mission1 import hub as mission1_hub
from missions.mission1.models.meetings import Meeting
from tests.factories_mission1 import AccompanimentFactory, MeetingFactory
from tests.harness.fragments import KEPT_QUERIES, count_queries, page_text, same_minute

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_computed_hub_stays_within_budget_whatever_the_meetings(client, users, commune, role):
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingFactory(accompaniment=accompaniment)
    client.force_login(users[role])
    url = commune.get_absolute_url()
    client.get(url)  # what persists between requests (content types, the navigation's count) is warm
    small = count_queries(client, url)
    MeetingFactory.create_batch(45, accompaniment=accompaniment)
    large = count_queries(client, url)
    assert small == large <= 12, (small, large)


def test_a_hub_read_again_without_any_write_is_not_computed_again(client, consultant, commune):
    MeetingFactory(accompaniment=AccompanimentFactory(commune=commune))
    client.force_login(consultant)
    with same_minute():
        client.get(commune.get_absolute_url())
        assert count_queries(client, commune.get_absolute_url(), cold=False) <= KEPT_QUERIES


def test_a_new_meeting_shows_at_once_in_its_section_and_the_timeline(client, elu, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingFactory(accompaniment=accompaniment, title="Réunion de lancement")
    client.force_login(elu)
    assert "Comité de pilotage" not in page_text(client, commune.get_absolute_url())
    MeetingFactory(
        accompaniment=accompaniment,
        title="Comité de pilotage",
        starts_at=timezone.make_aware(datetime.datetime(2026, 3, 4, 18, 30)),
    )
    page = page_text(client, commune.get_absolute_url())
    assert page.count("Comité de pilotage") == 2  # the section and the timeline
    assert "4 mars 2026 — Comité de pilotage" in page


def test_each_reader_gets_their_own_hub(client, consultant, elu_other_commune, commune):
    client.force_login(consultant)
    assert "Fil d'Ariane" in page_text(client, commune.get_absolute_url())  # the team's breadcrumb
    client.force_login(elu_other_commune)
    assert client.get(commune.get_absolute_url()).status_code == 404  # not read from the team's kept body


@pytest.mark.parametrize("role", ["consultant", "elu"])
def test_the_meetings_riding_along_are_those_a_query_would_read(users, commune, other_commune, role):
    accompaniment = AccompanimentFactory(commune=commune)
    start = timezone.make_aware(datetime.datetime(2025, 1, 6, 9, 15))
    for index in range(mission1_hub.RECENT_MEETINGS + 5):
        MeetingFactory(accompaniment=accompaniment, starts_at=start + datetime.timedelta(days=index % 20, hours=index))
    MeetingFactory(accompaniment=AccompanimentFactory(commune=other_commune))
    user = users[role]
    annotated = hub.annotate_commune(Commune.objects, user).get(pk=commune.pk)
    assert hasattr(annotated, mission1_hub.MEETINGS_ANNOTATION)
    riding = mission1_hub._meetings(annotated, user)
    queried = mission1_hub._meetings(Commune.objects.get(pk=commune.pk), user)
    assert len(riding) == mission1_hub.RECENT_MEETINGS
    as_shown = lambda meetings: [(m.pk, m.starts_at, m.title, m.get_kind_display()) for m in meetings]  # noqa: E731
    assert as_shown(riding) == as_shown(queried)
    assert riding[0].get_absolute_url() == Meeting.objects.get(pk=riding[0].pk).get_absolute_url()
