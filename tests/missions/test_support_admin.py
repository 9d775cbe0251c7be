import pytest
from django.urls import reverse

from missions.support.models import SupportPriorityWeights
from tests.factories import UserFactory
from tests.factories_support import SupportRequestFactory


@pytest.mark.django_db
def test_gbm_officer_edits_the_priority_weights_in_the_admin(client, gbm_officer):
    client.force_login(gbm_officer)
    changelist = client.get(reverse("admin:missions_supportpriorityweights_changelist"))
    weights = SupportPriorityWeights.objects.get()
    url = reverse("admin:missions_supportpriorityweights_change", args=[weights.pk])
    assert changelist.url == url
    response = client.post(
        url,
        {
            "points_per_week_waiting": 2,
            "max_waiting_points": 20,
            "under_way_points": 7,
            "not_yet_supported_points": 10,
            "small_commune_points": 8,
            "plan_coherence_points": 6,
        },
    )
    assert response.status_code == 302
    weights.refresh_from_db()
    assert (weights.points_per_week_waiting, weights.under_way_points) == (2, 7)
    assert weights.history.count() == 2


@pytest.mark.django_db
def test_weights_cannot_be_added_twice_nor_deleted(client, gbm_officer):
    SupportPriorityWeights.load()
    client.force_login(gbm_officer)
    assert client.get(reverse("admin:missions_supportpriorityweights_add")).status_code == 403
    assert (
        client.post(reverse("admin:missions_supportpriorityweights_delete", args=[1]), {"post": "yes"}).status_code
        == 403
    )
    assert SupportPriorityWeights.objects.count() == 1


@pytest.mark.django_db
def test_staff_without_the_gbm_role_cannot_change_the_weights(client):
    staff_consultant = UserFactory(username="staff-consultant", consultant=True, is_staff=True)
    client.force_login(staff_consultant)
    weights = SupportPriorityWeights.load()
    url = reverse("admin:missions_supportpriorityweights_change", args=[weights.pk])
    assert client.post(url, {"under_way_points": 99}).status_code == 403
    weights.refresh_from_db()
    assert weights.under_way_points == 5


@pytest.mark.django_db
def test_requests_are_read_in_the_admin_but_not_added_there(client, gbm_officer):
    support_request = SupportRequestFactory()
    client.force_login(gbm_officer)
    assert client.get(reverse("admin:missions_supportrequest_changelist")).status_code == 200
    assert client.get(reverse("admin:missions_supportrequest_change", args=[support_request.pk])).status_code == 200
    assert client.get(reverse("admin:missions_supportrequest_add")).status_code == 403
