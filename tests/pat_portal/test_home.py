import pytest

from tests.factories import ProgrammeFactory


@pytest.mark.django_db
def test_dashboard_shows_programme_targets_from_data(client, gbm_officer):
    ProgrammeFactory(target_workshops_min=2, target_workshops_max=6)
    client.force_login(gbm_officer)
    content = client.get("/").content.decode()
    assert "objectif 2 à 6" in content


@pytest.mark.django_db
def test_elu_has_a_home_of_their_own_with_their_commune_card_below(client, elu):
    client.force_login(elu)
    response = client.get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Amagney : ce qui vous attend" in content
    assert content.index("Votre prochain atelier") < content.index("Code INSEE")
