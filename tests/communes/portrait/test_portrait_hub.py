"""The hub's « Portrait alimentaire »: who sees it, what it says, its refresh and actors, its queries."""

from types import SimpleNamespace

import httpx
import pytest

from communes.models import Contact
from communes.portrait import selectors, services, tasks
from communes.portrait.models import Snapshot
from tests.factories import CommuneFactory
from tests.harness.reading import count_queries, page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_portrait(commune, playback):
    services.refresh_commune(commune, client=playback().client())
    services.refresh_gbm(client=playback().client())
    return commune


def test_team_and_own_elu_see_the_figures_with_source_date_licence_and_comparisons(read_portrait, users, client_for):
    for role in ("gbm", "consultant", "elu"):
        text = page_text(client_for(users[role]), read_portrait.get_absolute_url())
        assert "Portrait alimentaire" in text
        assert "Population et territoire" in text and "Restauration collective" in text
        assert "934 habitants" in text
        assert "196\u202f125 habitants" in text  # GBM as a whole, beside it
        assert "Licence Ouverte 2.0 (Etalab)" in text and "ODbL 1.0" in text
        assert "Habitants (population municipale)" in text  # what it counts, in words


def test_other_commune_elu_gets_404(read_portrait, users, client_for):
    assert client_for(users["elu_other"]).get(read_portrait.get_absolute_url()).status_code == 404


def test_a_figure_the_source_did_not_give_says_so_never_zero(commune, users, client_for, playback):
    unpublished = playback(
        {
            "ma-cantine.agriculture.gouv.fr": lambda request: httpx.Response(
                200, json={"canteen_count": 3, "teledeclarations_count": None, "bio_percent": None}
            )
        }
    )
    services.refresh_commune(commune, client=unpublished.client())
    text = page_text(client_for(users["consultant"]), commune.get_absolute_url())
    assert "non fourni par la source" in text
    start = text.index("Achats bio")
    row = text[start : text.index("</tr>", start)]
    assert "non fourni par la source" in row and ">0" not in row


def test_a_failed_attempt_shows_why_and_keeps_the_dated_values(read_portrait, users, client_for, playback):
    services.refresh_commune(
        read_portrait, client=playback({"geo.api.gouv.fr": lambda request: httpx.Response(500)}).client()
    )
    text = page_text(client_for(users["elu"]), read_portrait.get_absolute_url())
    assert "a échoué" in text and "Source indisponible : erreur 500 de la source (3 essais)." in text
    assert "934 habitants" in text


def test_refresh_is_for_the_team_elus_get_403_and_nothing_is_queued(
    commune, users, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks, "refresh_commune_portrait", SimpleNamespace(enqueue=queued.append))
    url = f"/communes/{commune.insee_code}/portrait/relire/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(users["elu"]).post(url).status_code == 403
        assert client_for(users["elu_other"]).post(url).status_code == 404
        assert client_for(users["anonymous"]).post(url).status_code == 302
        assert client_for(users["elu"]).get(url).status_code == 405
    assert queued == []
    assert not Snapshot.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(users["gbm"]).post(url).status_code == 302
    assert queued == [commune.insee_code]


def test_refresh_asked_by_a_consultant_runs_in_the_worker(
    commune, users, client_for, playback, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "SourceClient", lambda: playback().client())
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["consultant"]).post(f"/communes/{commune.insee_code}/portrait/relire/")
    assert response.status_code == 302
    assert Snapshot.objects.filter(commune=commune, is_current=True).count() == 5


def test_the_portrait_costs_two_queries_whatever_the_data(read_portrait, django_assert_num_queries):
    with django_assert_num_queries(2):
        portrait = selectors.portrait_of(read_portrait)
        assert sum(len(rows) for _label, rows in portrait.themes) > 10


def test_the_hub_reads_the_same_number_of_queries_with_one_or_many_snapshots(
    read_portrait, users, client_for, playback
):
    client = client_for(users["consultant"])
    first = count_queries(client, read_portrait.get_absolute_url())
    for _ in range(3):
        services.refresh_commune(read_portrait, client=playback().client())
    for code in ("25030", "25056"):
        services.refresh_commune(CommuneFactory(insee_code=code, population=900), client=playback().client())
    services.refresh_bands()
    assert count_queries(client, read_portrait.get_absolute_url()) == first


def test_a_consultant_turns_an_organisation_into_a_contact_in_one_click(read_portrait, users, client_for):
    client = client_for(users["consultant"])
    url = f"/communes/{read_portrait.insee_code}/portrait/acteur-vers-annuaire/"
    assert "GAEC DES VERGERS D'AMAGNEY" in page_text(client, read_portrait.get_absolute_url())
    client.post(url, {"siret": "41234567800017"})
    contact = Contact.objects.get()
    assert contact.organisation == "GAEC DES VERGERS D'AMAGNEY"
    assert contact.category == Contact.Category.AGRICULTEUR and contact.commune == read_portrait
    assert not contact.consent_to_share and "SIRET 41234567800017" in contact.notes
    client.post(url, {"siret": "41234567800017"})
    assert Contact.objects.count() == 1  # twice is once


def test_a_sole_traders_name_is_copied_only_when_the_consultant_says_so(read_portrait, users, client_for):
    client = client_for(users["consultant"])
    url = f"/communes/{read_portrait.insee_code}/portrait/acteur-vers-annuaire/"
    response = client.post(url, {"siret": "82345678900012"}, follow=True)
    assert "entreprise individuelle" in response.content.decode()
    assert not Contact.objects.exists()
    client.post(url, {"siret": "82345678900012", "copier_nom": "oui"})
    assert Contact.objects.get().last_name == "MARTINE EXEMPLE"


def test_actors_are_for_the_team_elus_neither_see_nor_add_them(read_portrait, users, client_for):
    elu = client_for(users["elu"])
    assert "GAEC DES VERGERS" not in page_text(elu, read_portrait.get_absolute_url())
    url = f"/communes/{read_portrait.insee_code}/portrait/acteur-vers-annuaire/"
    assert elu.post(url, {"siret": "41234567800017"}).status_code == 403
    assert client_for(users["elu_other"]).post(url, {"siret": "41234567800017"}).status_code == 404
    assert not Contact.objects.exists()


def test_an_unknown_siret_is_refused_in_french(read_portrait, users, client_for):
    response = client_for(users["gbm"]).post(
        f"/communes/{read_portrait.insee_code}/portrait/acteur-vers-annuaire/", {"siret": "' OR 1=1"}, follow=True
    )
    assert "ne figure plus dans la dernière lecture de SIRENE" in response.content.decode()
    assert not Contact.objects.exists()
