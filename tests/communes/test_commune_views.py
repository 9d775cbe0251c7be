import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from communes.models import Commune
from core import hub
from missions.mission1 import hub as mission1_hub
from missions.mission1.models.meetings import Meeting
from tests.factories import CommuneFactory
from tests.factories_mission1 import AccompanimentFactory, MeetingFactory
from tests.harness import reading
from tests.harness.assertions import assert_redirects_to_login


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_team_sees_every_commune(request, client, commune, other_commune, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("overview"))
    assert response.status_code == 200
    assert list(response.context["communes"]) == [commune, other_commune]


@pytest.mark.django_db
def test_elu_sees_only_their_commune_in_list(client, elu, other_commune):
    client.force_login(elu)
    response = client.get(reverse("overview"))
    assert list(response.context["communes"]) == [elu.commune]


@pytest.mark.django_db
def test_anonymous_is_redirected_from_communes(client, commune):
    assert_redirects_to_login(client.get(reverse("overview")))
    assert_redirects_to_login(client.get(reverse("communes:detail", args=[commune.insee_code])))


@pytest.mark.django_db
def test_elu_sees_own_commune_hub(client, elu):
    client.force_login(elu)
    response = client.get(reverse("communes:detail", args=[elu.commune.insee_code]))
    assert response.status_code == 200
    assert "Amagney" in response.content.decode()


@pytest.mark.django_db
def test_elu_cannot_see_other_commune_hub(client, elu, other_commune):
    client.force_login(elu)
    assert client.get(reverse("communes:detail", args=[other_commune.insee_code])).status_code == 404


@pytest.mark.django_db
def test_unknown_commune_is_404(client, consultant):
    client.force_login(consultant)
    assert client.get(reverse("communes:detail", args=["99999"])).status_code == 404


@pytest.mark.django_db
def test_filter_by_population_bracket_and_name(client, consultant):
    CommuneFactory(insee_code="25001", name="Petite", population=150)
    CommuneFactory(insee_code="25002", name="Moyenne", population=2500)
    CommuneFactory(insee_code="25003", name="Grande", population=118000)
    client.force_login(consultant)
    names = lambda response: [c.name for c in response.context["communes"]]  # noqa: E731
    assert names(client.get(reverse("overview"), {"population": "lt1000"})) == ["Petite"]
    assert names(client.get(reverse("overview"), {"population": "1000-4999"})) == ["Moyenne"]
    assert names(client.get(reverse("overview"), {"population": "gte5000"})) == ["Grande"]
    assert names(client.get(reverse("overview"), {"name": "oyen"})) == ["Moyenne"]
    assert names(client.get(reverse("overview"), {"ordering": "-population"})) == ["Grande", "Moyenne", "Petite"]


@pytest.mark.django_db
def test_list_is_paginated(client, consultant):
    Commune.objects.bulk_create(
        [Commune(insee_code=f"25{n:03d}", name=f"Commune {n:03d}", population=100 + n) for n in range(60)]
    )
    client.force_login(consultant)
    response = client.get(reverse("overview"), {"page": 3})
    assert response.status_code == 200
    assert len(response.context["communes"]) == 10
    assert "Page 3 sur 3" in response.content.decode()


@pytest.mark.django_db
def test_commune_list_query_count_does_not_grow(client, consultant, django_assert_max_num_queries):
    CommuneFactory()
    client.force_login(consultant)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("overview"))
    Commune.objects.bulk_create(
        [Commune(insee_code=f"25{n:03d}", name=f"Commune {n:03d}", population=100 + n) for n in range(200)]
    )
    with django_assert_max_num_queries(12) as large:
        client.get(reverse("overview"))
    assert len(small.captured_queries) == len(large.captured_queries)


# The commune hub: every app's section and the timeline, each reader's own -------------------------------------------
# Its queries, the same whatever the meetings (measured; the budget is 12): one more since issue 27 for the
# portrait alimentaire (its figures and sources; the issue allows it 2).
HUB_QUERIES = {"gbm": 12, "consultant": 12, "elu": 10}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_hub_runs_the_same_queries_whatever_the_meetings(client, users, commune, role):
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingFactory(accompaniment=accompaniment)
    client.force_login(users[role])
    url = commune.get_absolute_url()
    client.get(url)  # what persists between requests (content types, the navigation's count) is warm
    small = reading.count_queries(client, url)
    MeetingFactory.create_batch(45, accompaniment=accompaniment)
    large = reading.count_queries(client, url)
    assert small == large == HUB_QUERIES[role], (small, large)


@pytest.mark.django_db
def test_a_meeting_shows_in_its_section_and_the_timeline(client, elu, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingFactory(accompaniment=accompaniment, title="Réunion de lancement")
    client.force_login(elu)
    assert "Comité de pilotage" not in reading.page_text(client, commune.get_absolute_url())
    MeetingFactory(
        accompaniment=accompaniment,
        title="Comité de pilotage",
        starts_at=timezone.make_aware(datetime.datetime(2026, 3, 4, 18, 30)),
    )
    page = reading.page_text(client, commune.get_absolute_url())
    assert page.count("Comité de pilotage") == 2  # the section and the timeline
    assert "4 mars 2026 — Comité de pilotage" in page


@pytest.mark.django_db
def test_each_reader_gets_their_own_hub(client, consultant, elu_other_commune, commune):
    client.force_login(consultant)
    assert "Fil d'Ariane" in reading.page_text(client, commune.get_absolute_url())  # the team's breadcrumb
    client.force_login(elu_other_commune)
    assert client.get(commune.get_absolute_url()).status_code == 404


@pytest.mark.django_db
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
