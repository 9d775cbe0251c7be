"""The meeting form builds no model instance it does not show: its accompaniment and commune selects are plain
rows written once, checked on POST by one row of the field's queryset."""

import re

import pytest
from django.db.models.signals import post_init
from django.urls import reverse

from missions.mission1.models.meetings import Meeting
from tests.factories import CommuneFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory

URL = reverse("missions:meeting_create")


def instances_built(client, url) -> tuple[int, str]:
    built = []

    def count(sender, **kwargs):
        built.append(sender.__name__)

    post_init.connect(count)
    try:
        response = client.get(url)
    finally:
        post_init.disconnect(count)
    assert response.status_code == 200
    return len(built), response.content.decode()


@pytest.mark.django_db
def test_the_form_builds_the_same_few_instances_however_many_communes_and_accompaniments(client):
    client.force_login(UserFactory(consultant=True))
    client.get(URL)
    few, _ = instances_built(client, URL)
    for _ in range(12):
        AccompanimentFactory(commune=CommuneFactory())
    CommuneFactory.create_batch(20)
    many, page = instances_built(client, URL)
    assert many == few <= 6  # the user, the session's, nothing per option
    assert page.count('<option value="') >= 12 + 32


@pytest.mark.django_db
def test_the_chosen_accompaniment_and_commune_are_selected_and_a_forged_one_refused(client):
    consultant = UserFactory(consultant=True)
    accompaniment = AccompanimentFactory(commune=CommuneFactory(name="Amagney"))
    client.force_login(consultant)
    page = client.get(URL, {"accompagnement": accompaniment.pk}).content.decode()
    assert f'<option value="{accompaniment.pk}" selected>Accompagnement d&#x27;Amagney</option>' in page
    assert f'<option value="{accompaniment.commune_id}" selected>Amagney</option>' in page
    response = client.post(
        URL, {"accompaniment": accompaniment.pk + 1000, "commune": "x" * 10_000, "title": "Réunion", "kind": "copil"}
    )
    assert response.status_code == 200
    assert not Meeting.objects.exists()
    page = response.content.decode()
    for field in ("accompaniment", "commune"):
        assert re.search(rf'<select name="{field}"[^>]*is-invalid', page), field
    assert "Sélectionnez un choix valide" in page
