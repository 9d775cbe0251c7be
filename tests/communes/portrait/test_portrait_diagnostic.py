"""Picking the portrait's figures into the diagnostic, freezing them with a validated version, what changed since."""

import io

import httpx
import pytest
from pypdf import PdfReader

from communes.portrait import services
from core.deliverables import submit_deliverable, validate_deliverable
from missions.mission1.models.diagnostics import DiagnosticFigure
from missions.mission1.services.portrait import changes_since_validated
from tests.factories_mission1 import DiagnosticFactory
from tests.harness.reading import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def diagnostic(commune, playback):
    services.refresh_commune(commune, client=playback().client())
    return DiagnosticFactory(accompaniment__commune=commune, with_content=True)


def url(commune):
    return f"/communes/{commune.insee_code}/diagnostic/chiffres/"


def form_ids(diagnostic, *keys):
    from communes.portrait.selectors import current_figures

    return {f.key: f.pk for f in current_figures(diagnostic.accompaniment.commune) if f.key in keys}


def pick(client, diagnostic, comments: dict, version=None):
    ids = form_ids(diagnostic, *comments)
    data = {"lock_version": diagnostic.lock_version if version is None else version}
    for key, comment in comments.items():
        data[f"retenir_{ids[key]}"] = "on"
        data[f"commentaire_{ids[key]}"] = comment
    return client.post(url(diagnostic.accompaniment.commune), data)


def test_a_consultant_picks_figures_with_a_comment_their_values_are_copied(diagnostic, users, client_for):
    client = client_for(users["consultant"])
    assert "934 habitants" in page_text(client, url(diagnostic.accompaniment.commune))
    response = pick(client, diagnostic, {"population": "", "part_bio": "Loin de l'objectif de 20 %."})
    assert response.status_code == 302
    picked = {f.key: f for f in DiagnosticFigure.objects.all()}
    assert (
        picked["population"].value_number == 934 and picked["population"].source_name == "API Découpage administratif"
    )
    assert picked["part_bio"].comment == "Loin de l'objectif de 20 %." and picked["part_bio"].period
    text = page_text(client, f"/communes/{diagnostic.accompaniment.commune.insee_code}/diagnostic/")
    assert "Chiffres publics retenus" in text and "Source : Ma Cantine (statistiques), 2024" in text


def test_a_comment_on_an_unticked_figure_is_refused_in_french_and_kept(diagnostic, users, client_for):
    client = client_for(users["consultant"])
    ids = form_ids(diagnostic, "population")
    response = client.post(
        url(diagnostic.accompaniment.commune),
        {"lock_version": diagnostic.lock_version, f"commentaire_{ids['population']}": "Village qui grandit"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Cochez « Population » pour garder votre commentaire" in body and "Village qui grandit" in body
    assert not DiagnosticFigure.objects.exists()


def test_a_stale_form_is_refused_and_nothing_changes(diagnostic, users, client_for):
    client = client_for(users["consultant"])
    pick(client, diagnostic, {"population": "Premier"})
    response = pick(client, diagnostic, {"part_bio": "Second, d'un formulaire ancien"}, version=0)
    assert response.status_code == 200 and "alert" in response.content.decode()
    assert list(DiagnosticFigure.objects.values_list("key", flat=True)) == ["population"]


def test_elus_may_not_pick_other_communes_are_not_found(diagnostic, users, client_for):
    commune = diagnostic.accompaniment.commune
    assert client_for(users["elu"]).get(url(commune)).status_code == 403
    assert pick(client_for(users["elu"]), diagnostic, {"population": "x"}).status_code == 403
    assert client_for(users["elu_other"]).get(url(commune)).status_code == 404
    assert not DiagnosticFigure.objects.exists()


def test_validated_version_freezes_its_figures_a_refresh_changes_nothing_the_next_shows_changes(
    diagnostic, users, client_for, playback, gbm_officer, consultant
):
    client = client_for(users["consultant"])
    pick(client, diagnostic, {"population": "Petite commune", "cantines": ""})
    diagnostic.refresh_from_db()
    version = submit_deliverable(subject=diagnostic, by=consultant)
    validate_deliverable(deliverable=version, by=gbm_officer)
    frozen = DiagnosticFigure.objects.filter(deliverable=version)
    assert sorted(frozen.values_list("key", flat=True)) == ["cantines", "population"]

    version.refresh_from_db()
    with version.pdf.open("rb") as frozen_pdf:
        pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(frozen_pdf.read())).pages)
    assert "Chiffres publics retenus" in pdf and "Source : API Découpage administratif" in pdf and "934" in pdf

    grown = playback(
        {"geo.api.gouv.fr": lambda request: httpx.Response(200, json={"population": 1010, "surface": 1184.61})}
    )
    services.refresh_commune(diagnostic.accompaniment.commune, client=grown.client())
    assert frozen.get(key="population").value_number == 934  # a refresh never changes a frozen version
    assert DiagnosticFigure.objects.get(deliverable=None, key="population").value_number == 934

    diagnostic.refresh_from_db()
    pick(client, diagnostic, {"population": "Elle grandit"})
    changes = {row["label"]: row for row in changes_since_validated(diagnostic)["rows"]}
    assert (
        changes["Population"]["before"] == "934 habitants" and changes["Population"]["now"] == "1\u202f010 habitants"
    )
    assert changes["Population"]["what"] == "modifié" and changes["Cantines"]["what"] == "retiré"
    assert frozen.get(key="population").value_number == 934


def test_coverage_gaps_name_the_actors_sirene_lists_but_nobody_met(diagnostic, users, client_for):
    text = page_text(
        client_for(users["consultant"]), f"/communes/{diagnostic.accompaniment.commune.insee_code}/diagnostic/"
    )
    assert "Pas encore rencontré : Agriculteur·rice (2 dans SIRENE)" in text


def test_a_diagnostic_without_picked_figures_hashes_as_before_the_portrait_existed(diagnostic, users, client_for):
    """A version submitted before the upgrade that brought the portrait is still what GBM validates after it."""
    from missions.mission1.services.diagnostics import diagnostic_content

    assert set(diagnostic_content(diagnostic)) == {"diagnostic", "stakes", "findings", "leads"}
    pick(client_for(users["consultant"]), diagnostic, {"population": ""})
    diagnostic.refresh_from_db()
    assert set(diagnostic_content(diagnostic)) == {"diagnostic", "stakes", "findings", "leads", "portrait_figures"}
