import pytest
from django.urls import reverse

from communes.models import Commune
from tests.factories import CommuneFactory
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
