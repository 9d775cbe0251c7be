"""/demandes/ is kept between requests (core/freshness.py) and never shown stale: the queue (team) and
the élu's list are computed once, read back until the next write, and each reader keeps their own."""

import datetime
import html
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from missions.mission1.models.action_plans import Action
from missions.programme.choices import ActionTheme
from missions.support import views
from missions.support.models import SupportPriorityWeights, SupportRequest
from missions.support.selectors import explain_priority, priority_queue
from tests.factories import CommuneFactory, ProgrammeFactory
from tests.factories_support import SupportRequestFactory, accompany, plan_action
from tests.harness.fragments import same_minute

pytestmark = pytest.mark.django_db
URL = "/demandes/"


@pytest.fixture(autouse=True)
def _one_minute():
    """Every read falls in the same minute (part of a kept body's key): reads counted as "kept" stay kept."""
    with same_minute():
        yield


@pytest.fixture
def programme():
    SupportPriorityWeights.load()  # created on first use (a write): as on a server that has read the queue once
    return ProgrammeFactory()


@pytest.fixture
def computed(monkeypatch):
    """How many times each body was computed (not read back)."""
    counts = {"queue": 0, "elu": 0}

    def counting(name, function):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(views, "_queue", counting("queue", views._queue))
    monkeypatch.setattr(views, "_elu_list", counting("elu", views._elu_list))
    return counts


def _page(client, params=None) -> str:
    response = client.get(URL, params or {})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, params or {}).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_the_queue_is_read_back_until_a_write(request, role, client, programme, commune, computed):
    SupportRequestFactory(programme=programme, commune=commune, title="Verger partagé")
    client.force_login(request.getfixturevalue(role))
    assert "Verger partagé" in _page(client)
    assert _queries(client) <= 3  # session, user, the data generation
    assert "Verger partagé" in _page(client)
    assert computed["queue"] == 1


def test_a_new_request_and_an_edited_title_show_at_once(client, consultant, programme, commune, computed):
    support_request = SupportRequestFactory(programme=programme, commune=commune, title="Verger partagé")
    client.force_login(consultant)
    assert "Potager de l'école" not in _page(client)
    SupportRequestFactory(programme=programme, commune=commune, title="Potager de l'école")
    assert "Potager de l'école" in _page(client)
    SupportRequest.objects.filter(pk=support_request.pk).update(title="Verger des écoles")
    page = _page(client)
    assert "Verger des écoles" in page and "Verger partagé" not in page
    assert computed["queue"] == 3


def test_each_filter_and_page_is_kept_apart(client, consultant, programme, commune, computed):
    SupportRequestFactory(
        programme=programme, commune=commune, title="Verger partagé", kind=SupportRequest.Kind.ORCHARD
    )
    SupportRequestFactory(
        programme=programme, commune=commune, title="Cuisine des enfants", kind=SupportRequest.Kind.TEACHING_KITCHEN
    )
    client.force_login(consultant)
    assert "Cuisine des enfants" in _page(client)
    orchards = _page(client, {"kind": SupportRequest.Kind.ORCHARD})
    assert "Verger partagé" in orchards and "Cuisine des enfants" not in orchards
    assert "Cuisine des enfants" in _page(client)
    assert computed["queue"] == 2


def test_a_reader_never_gets_the_body_kept_for_another(client, gbm_officer, consultant, programme, commune):
    """GBM's staff see the link to the weights' admin; a consultant reading the same URL right after does not."""
    SupportRequestFactory(programme=programme, commune=commune)
    admin_link = reverse("admin:missions_supportpriorityweights_changelist")
    client.force_login(gbm_officer)
    assert admin_link in _page(client)
    client.force_login(consultant)
    assert admin_link not in _page(client)


def test_the_elu_list_is_read_back_and_follows_writes(client, elu, elu_other_commune, programme, commune, computed):
    SupportRequestFactory(programme=programme, commune=commune, title="Verger partagé")
    client.force_login(elu)
    assert "Verger partagé" in _page(client)
    assert _queries(client) <= 3
    assert computed["elu"] == 1
    SupportRequestFactory(programme=programme, commune=commune, title="Potager de l'école")
    assert "Potager de l'école" in _page(client)
    assert computed["elu"] == 2
    client.force_login(elu_other_commune)
    page = _page(client)
    assert "Verger partagé" not in page and "Potager de l'école" not in page


def test_the_page_around_the_kept_body_is_the_readers(client, consultant, programme, commune):
    """Navigation, title and layout are rendered per request around the kept body."""
    SupportRequestFactory(programme=programme, commune=commune)
    client.force_login(consultant)
    _page(client)
    page = _page(client)
    assert "<title>Demandes d'accompagnement · " in page
    assert page.count('<main id="contenu"') == 1
    assert "csrfmiddlewaretoken" not in page.split('<main id="contenu"')[1].split("</main>")[0]


def test_the_commune_filter_offers_the_communes_with_a_request(client, consultant, programme, commune):
    SupportRequestFactory(programme=programme, commune=commune)
    without = CommuneFactory(name="Chalezeule")
    client.force_login(consultant)
    page = _page(client)
    assert f'<option value="{commune.pk}">{commune.name}</option>' in page
    assert f'value="{without.pk}"' not in page


def test_each_score_is_the_sum_of_its_criteria(programme):
    """The database ranks by the score; the page shows each criterion's points, read from the same annotations."""
    weights = SupportPriorityWeights.load()
    small, large, accompanied, planned = (
        CommuneFactory(population=400),
        CommuneFactory(large=True),
        CommuneFactory(population=700),
        CommuneFactory(population=9000),
    )
    accompany(accompanied, programme)
    plan_action(planned, ProgrammeFactory(contract_reference="AUTRE"), theme=ActionTheme.CUISINE)
    plan_action(
        planned,
        ProgrammeFactory(contract_reference="AUTRE-2"),
        theme=ActionTheme.JARDINS,
        status=Action.Status.ABANDONED,
    )
    SupportRequestFactory(programme=programme, commune=large, accepted=True)
    kinds = itertools.cycle(SupportRequest.Kind.values)
    for index, commune in enumerate(itertools.islice(itertools.cycle([small, large, accompanied, planned]), 24)):
        SupportRequestFactory(
            programme=programme,
            commune=commune,
            kind=next(kinds),
            already_under_way=index % 3 == 0,
            received_on=timezone.localdate() - datetime.timedelta(days=5 * index),
        )
    ranked = list(priority_queue(SupportRequest.objects.select_related("commune", "programme"), weights=weights))
    scores = []
    for support_request in ranked:
        explanation = explain_priority(support_request, weights)
        assert explanation.score == sum(criterion.points for criterion in explanation.criteria)
        scores.append(explanation.score)
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) > 3  # the criteria differ from one request to the next
