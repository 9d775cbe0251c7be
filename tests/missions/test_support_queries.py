"""The number of queries of every list, page, hub section and PDF does not grow with the data."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from missions.programme.choices import ActionTheme
from missions.support.models import FinancingLine, SupportRequest, SupportRequestEvent, SupportStep
from tests.factories import CommuneFactory, ProgrammeFactory, UserFactory
from tests.factories_support import accompany, plan_action

MAX_QUERIES = 12


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


def _requests(count, *, programme, communes, status=SupportRequest.Status.RECEIVED):
    kinds = itertools.cycle(SupportRequest.Kind.values)
    doors = itertools.cycle(SupportRequest.Door.values)
    start = SupportRequest.objects.count()
    submitter = UserFactory(username="saisie", consultant=True)
    rows = []
    for index, commune in zip(range(count), itertools.cycle(communes), strict=False):
        rows.append(
            SupportRequest(
                programme=programme,
                commune=commune,
                year=2026,
                number=start + index + 1,
                door=(door := next(doors)),
                submitted_by=None if door == SupportRequest.Door.PUBLIC else submitter,
                requester_kind=SupportRequest.RequesterKind.ASSOCIATION,
                organisation=f"Association {index}",
                contact_name="Dominique Martin",
                email=f"porteur{index}@example.org",
                title=f"Projet {index}",
                kind=next(kinds),
                description="Description",
                help_wanted="Aide",
                already_under_way=index % 2 == 0,
                received_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=index % 60),
                status=status,
            )
        )
    created = SupportRequest.objects.bulk_create(rows)
    SupportRequestEvent.objects.bulk_create(
        [SupportRequestEvent(request=support_request, status=status) for support_request in created]
    )
    return created


def _count(client, url, **params):
    client.get(url, params)  # warm-up: the weights row is created and content types cached on first use
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def communes(programme):
    communes = [CommuneFactory(population=300 + 1000 * index) for index in range(8)]
    accompany(communes[0], programme)
    plan_action(communes[1], programme, theme=ActionTheme.JARDINS)
    return communes


@pytest.mark.django_db
def test_queue_query_count_is_the_same_with_1_and_200_requests(client, consultant, programme, communes):
    client.force_login(consultant)
    url = reverse("missions:support_list")
    _requests(1, programme=programme, communes=communes)
    one = _count(client, url)
    _requests(199, programme=programme, communes=communes)
    many = _count(client, url)
    assert one == many <= MAX_QUERIES
    # Filtered and on another page: same count.
    assert _count(client, url, page=5, kind="jardin", status="toutes") == many


@pytest.mark.django_db
def test_elu_list_query_count_does_not_grow(client, elu, programme):
    client.force_login(elu)
    url = reverse("missions:support_list")
    _requests(1, programme=programme, communes=[elu.commune])
    one = _count(client, url)
    _requests(60, programme=programme, communes=[elu.commune])
    assert _count(client, url) == one <= MAX_QUERIES


def _follow_up(support_request, steps):
    for kind in SupportStep.Kind.values[:steps]:
        SupportStep.objects.create(request=support_request, kind=kind, position=SupportStep.KIND_ORDER[kind])
    FinancingLine.objects.bulk_create(
        [
            FinancingLine(request=support_request, nature=nature, label=f"Ligne {index}", amount=100, status="acquis")
            for index, nature in enumerate(["depense", "recette"] * steps)
        ]
    )
    SupportRequestEvent.objects.bulk_create(
        [SupportRequestEvent(request=support_request, status=SupportRequest.Status.IN_PROGRESS) for _ in range(steps)]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["consultant", "elu"])
def test_detail_query_count_does_not_grow_with_steps_lines_and_events(request, client, programme, elu, role):
    client.force_login(request.getfixturevalue(role))
    (small,) = _requests(1, programme=programme, communes=[elu.commune], status=SupportRequest.Status.IN_PROGRESS)
    (big,) = _requests(1, programme=programme, communes=[elu.commune], status=SupportRequest.Status.IN_PROGRESS)
    _follow_up(small, 1)
    _follow_up(big, 7)
    one = _count(client, small.get_absolute_url())
    many = _count(client, big.get_absolute_url())
    assert one == many <= MAX_QUERIES


@pytest.mark.django_db
def test_pdf_query_count_does_not_grow(client, consultant, programme, communes):
    client.force_login(consultant)
    small, big = _requests(2, programme=programme, communes=communes, status=SupportRequest.Status.IN_PROGRESS)
    _follow_up(small, 1)
    _follow_up(big, 7)
    one = _count(client, reverse("missions:support_pdf", args=[small.pk]))
    many = _count(client, reverse("missions:support_pdf", args=[big.pk]))
    assert one == many <= MAX_QUERIES


@pytest.mark.django_db
def test_hub_query_count_does_not_grow_with_requests(client, elu, programme):
    client.force_login(elu)
    url = elu.commune.get_absolute_url()
    _requests(1, programme=programme, communes=[elu.commune])
    one = _count(client, url)
    _requests(40, programme=programme, communes=[elu.commune])
    assert _count(client, url) == one
