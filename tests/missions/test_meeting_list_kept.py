"""/reunions/ keeps its body between requests (the filters, the table, the pagination): computed within a fixed
number of queries, read back without computing it again, and never stale."""

import pytest
from django.urls import reverse

from missions.mission1.models.meetings import Meeting
from tests.factories_mission1 import AccompanimentFactory, MeetingFactory, MeetingParticipantFactory
from tests.harness.fragments import KEPT_QUERIES, count_queries, page_text, same_minute

pytestmark = pytest.mark.django_db

URL = "/reunions/"


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_computed_list_runs_the_same_few_queries_with_more_meetings(client, users, commune, role):
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingParticipantFactory(meeting=MeetingFactory(accompaniment=accompaniment))
    client.force_login(users[role])
    small = count_queries(client, URL)
    for meeting in MeetingFactory.create_batch(12, accompaniment=accompaniment):
        MeetingParticipantFactory(meeting=meeting, contact__commune=commune)
    large = count_queries(client, URL)
    assert small == large <= 8, (small, large)


def test_a_list_read_again_without_any_write_is_not_computed_again(client, consultant, commune):
    MeetingFactory(accompaniment=AccompanimentFactory(commune=commune))
    client.force_login(consultant)
    with same_minute():
        client.get(URL)
        assert count_queries(client, URL, cold=False) <= KEPT_QUERIES
        assert count_queries(client, URL + "?kind=visite", cold=False) > KEPT_QUERIES  # other filters: another body


def test_a_renamed_meeting_shows_at_once(client, consultant, commune):
    meeting = MeetingFactory(accompaniment=AccompanimentFactory(commune=commune), title="Conseil de janvier")
    client.force_login(consultant)
    assert "Conseil de janvier" in page_text(client, URL)
    Meeting.objects.filter(pk=meeting.pk).update(title="Conseil de février")
    page = page_text(client, URL)
    assert "Conseil de février" in page and "Conseil de janvier" not in page


def test_each_user_reads_their_own_body(client, consultant, elu, commune, other_commune):
    MeetingFactory(accompaniment=AccompanimentFactory(commune=commune), title="Chez l'élu")
    MeetingFactory(accompaniment=AccompanimentFactory(commune=other_commune), title="Ailleurs")
    client.force_login(consultant)
    team_page = page_text(client, URL)
    assert "Ailleurs" in team_page and "Saisie par" in team_page
    client.force_login(elu)
    elu_page = page_text(client, URL)
    assert "Chez l'élu" in elu_page and "Ailleurs" not in elu_page and "Saisie par" not in elu_page


def test_the_commune_filter_offers_the_communes_with_a_meeting(client, consultant, commune, other_commune):
    MeetingFactory(accompaniment=AccompanimentFactory(commune=commune))
    client.force_login(consultant)
    choices = dict(client.get(reverse("missions:meeting_list")).context["filter"].form.fields["commune"].choices)
    assert commune.name in choices.values() and other_commune.name not in choices.values()
