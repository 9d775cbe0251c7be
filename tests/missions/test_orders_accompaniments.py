"""Extra communes enter Mission 1 only through an order form: the accompaniment form at /accompagnements/nouveau/."""

import html

import pytest
from django.urls import reverse

from missions.mission1.models.accompaniments import Accompaniment
from tests.factories import ProgrammeFactory
from tests.factories_mission1 import AccompanimentFactory
from tests.factories_orders import OrderFormFactory

pytestmark = pytest.mark.django_db


def form_data(commune, programme, **overrides):
    return {
        "programme": programme.pk,
        "commune": commune.pk,
        "cohort": Accompaniment.Cohort.EXTRA,
        "phase": Accompaniment.Phase.IDENTIFIED,
        "started_on": "2025-04-01",
        **overrides,
    }


def test_extra_commune_without_an_order_form_is_refused_in_french_with_input_kept(client, gbm_officer, commune):
    programme = ProgrammeFactory()
    client.force_login(gbm_officer)
    response = client.post(reverse("missions:accompaniment_create"), form_data(commune, programme, notes="À suivre"))
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert "Une commune supplémentaire entre en Mission 1 par un bon de commande" in content
    assert "À suivre" in content
    assert not Accompaniment.objects.exists()


def test_extra_commune_with_another_communes_order_form_is_refused(client, gbm_officer, commune, other_commune):
    programme = ProgrammeFactory()
    order_form = OrderFormFactory(programme=programme, commune=other_commune, with_lines=True)
    client.force_login(gbm_officer)
    response = client.post(
        reverse("missions:accompaniment_create"), form_data(commune, programme, order_form=order_form.pk)
    )
    assert response.status_code == 200
    assert "Ce bon de commande ne concerne pas Amagney." in html.unescape(response.content.decode())
    assert not Accompaniment.objects.exists()


def test_order_form_of_another_mission_is_not_offered(client, gbm_officer, commune):
    programme = ProgrammeFactory()
    mission3 = OrderFormFactory(programme=programme, commune=commune, mission=3, number="BC-2025-030")
    client.force_login(gbm_officer)
    assert "BC-2025-030" not in client.get(reverse("missions:accompaniment_create")).content.decode()
    response = client.post(
        reverse("missions:accompaniment_create"), form_data(commune, programme, order_form=mission3.pk)
    )
    assert "Sélectionnez un choix valide" in html.unescape(response.content.decode())
    assert not Accompaniment.objects.exists()


def test_extra_commune_with_its_mission1_order_form_enters_the_programme(client, gbm_officer, commune):
    programme = ProgrammeFactory()
    order_form = OrderFormFactory(programme=programme, commune=commune, with_lines=True, number="BC-2025-012")
    client.force_login(gbm_officer)
    response = client.post(
        reverse("missions:accompaniment_create"), form_data(commune, programme, order_form=order_form.pk)
    )
    assert response.status_code == 302
    accompaniment = Accompaniment.objects.get()
    assert (accompaniment.cohort, accompaniment.order_form) == (Accompaniment.Cohort.EXTRA, order_form)
    detail = client.get(reverse("missions:order_form_detail", args=[order_form.pk])).content.decode()
    assert "Accompagnements rattachés" in detail and "Amagney" in detail


def test_consultant_cannot_change_the_order_form_of_an_accompaniment(client, consultant, commune):
    order_form = OrderFormFactory(commune=commune, with_lines=True)
    accompaniment = AccompanimentFactory(
        programme=order_form.programme, commune=commune, cohort=Accompaniment.Cohort.EXTRA, order_form=order_form
    )
    other = OrderFormFactory(programme=order_form.programme, commune=commune, with_lines=True)
    client.force_login(consultant)
    data = form_data(
        commune, order_form.programme, phase="diagnostic", order_form=other.pk, lock_version=accompaniment.lock_version
    )
    assert client.post(reverse("missions:accompaniment_update", args=[accompaniment.pk]), data).status_code == 302
    accompaniment.refresh_from_db()
    assert accompaniment.phase == "diagnostic"
    assert accompaniment.order_form == order_form
