import pytest
from django.urls import reverse

from missions.mission1.models.accompaniments import Accompaniment
from tests.factories import ContactFactory, ProgrammeFactory
from tests.factories_mission1 import AccompanimentFactory
from tests.harness.assertions import assert_redirects_to_login

pytestmark = pytest.mark.django_db


def form_data(commune, programme, **overrides):
    return {
        "programme": programme.pk,
        "commune": commune.pk,
        "cohort": Accompaniment.Cohort.NEW,
        "phase": Accompaniment.Phase.IDENTIFIED,
        "started_on": "2025-01-06",
        **overrides,
    }


def test_gbm_officer_enrols_a_commune(client, gbm_officer, commune):
    programme = ProgrammeFactory()
    referent = ContactFactory(commune=commune, category="elu")
    client.force_login(gbm_officer)
    response = client.post(
        reverse("missions:accompaniment_create"), form_data(commune, programme, elected_referent=referent.pk)
    )
    assert response.status_code == 302
    accompaniment = Accompaniment.objects.get()
    assert (accompaniment.commune, accompaniment.elected_referent) == (commune, referent)
    hub = client.get(commune.get_absolute_url()).content.decode()
    assert "Nouvelle commune" in hub
    assert "Entrée dans le programme" in hub


def test_same_commune_twice_in_a_programme_is_refused_in_french(client, gbm_officer, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    client.force_login(gbm_officer)
    response = client.post(reverse("missions:accompaniment_create"), form_data(commune, accompaniment.programme))
    assert response.status_code == 200
    assert "existe déjà" in response.content.decode()
    assert Accompaniment.objects.count() == 1


@pytest.mark.parametrize("role", ["consultant", "elu"])
def test_only_gbm_enrols_communes(request, client, commune, role):
    programme = ProgrammeFactory()
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("missions:accompaniment_create")).status_code == 403
    assert client.post(reverse("missions:accompaniment_create"), form_data(commune, programme)).status_code == 403
    assert not Accompaniment.objects.exists()


def test_consultant_moves_phase_but_cannot_change_cohort(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    client.force_login(consultant)
    url = reverse("missions:accompaniment_update", args=[accompaniment.pk])
    data = form_data(commune, accompaniment.programme, phase="diagnostic", cohort="deja_engagee")
    assert client.post(url, {**data, "lock_version": accompaniment.lock_version}).status_code == 302
    accompaniment.refresh_from_db()
    assert accompaniment.phase == "diagnostic"
    assert accompaniment.cohort == "nouvelle"


def test_elu_cannot_edit_own_accompaniment_and_other_commune_is_404(client, elu, elu_other_commune):
    accompaniment = AccompanimentFactory(commune=elu.commune)
    url = reverse("missions:accompaniment_update", args=[accompaniment.pk])
    data = form_data(elu.commune, accompaniment.programme, phase="cloturee")
    client.force_login(elu)
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    client.force_login(elu_other_commune)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    accompaniment.refresh_from_db()
    assert accompaniment.phase == "identifiee"


def test_anonymous_is_redirected(client, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    assert_redirects_to_login(client.get(reverse("missions:accompaniment_create")))
    assert_redirects_to_login(client.post(reverse("missions:accompaniment_update", args=[accompaniment.pk]), {}))


def test_phase_only_moves_forward(commune):
    accompaniment = AccompanimentFactory(commune=commune, phase="plan_actions")
    assert not accompaniment.advance_to("diagnostic")
    assert accompaniment.advance_to("mise_en_oeuvre")
    accompaniment.refresh_from_db()
    assert accompaniment.phase == "mise_en_oeuvre"


def test_communes_list_filters_by_cohort_and_phase(client, consultant, commune, other_commune):
    AccompanimentFactory(commune=commune, cohort="nouvelle", phase="diagnostic")
    AccompanimentFactory(commune=other_commune, cohort="deja_engagee", phase="plan_actions")
    client.force_login(consultant)
    names = lambda params: [c.name for c in client.get(reverse("overview"), params).context["communes"]]  # noqa: E731
    assert names({"cohort": "nouvelle"}) == ["Amagney"]
    assert names({"phase": "plan_actions"}) == ["Devecey"]
