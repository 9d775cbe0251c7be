"""The import preview (issue 25): every error at once, cross-column rules included, once each, in line order, in
French with its line and column; « 1 action », not « 1 actions »; the values each « Création » row will write."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.spreadsheets.reading import parse_table, read_upload
from missions.mission1.imports.changes import ImportResult
from missions.mission1.imports.diagnostics import DIAGNOSTIC_COLUMNS, preview_diagnostic_import
from missions.mission1.imports.plans import PLAN_COLUMNS, SHEET_NAMES, preview_plan_import
from missions.mission1.models.action_plans import Action
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accompaniment(commune):
    return AccompanimentFactory(commune=commune)


def csv_upload(text: str, name: str = "plan.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"))


def plan_preview(accompaniment, text: str):
    table = read_upload(csv_upload(text), PLAN_COLUMNS, sheet_names=SHEET_NAMES)
    return preview_plan_import(accompaniment=accompaniment, parsed=parse_table(table, PLAN_COLUMNS))


def test_every_error_is_listed_once_in_line_order_with_the_cross_column_rule(accompaniment):
    preview, stored = plan_preview(
        accompaniment,
        "Intitulé;Thème;Début;Fin;Coût\n"
        "Verger;Jardinage;mai 2026;mars 2026;10\n"
        "Cantine;Autre;01/06/26;01/03/26;beaucoup\n"
        "Épicerie;Autre;;;\n",
    )
    assert stored is None
    assert preview.errors == [
        "ligne 2, colonne « Thème » : « Jardinage » n'est pas une valeur possible ("
        + PLAN_COLUMNS.find("theme").parse.labels
        + ")",
        "ligne 2 : le mois de fin (mars 2026) précède le mois de début (mai 2026)",
        "ligne 3, colonne « Coût » : « beaucoup » n'est pas un montant",
        "ligne 3 : le mois de fin (mars 2026) précède le mois de début (juin 2026)",
    ]


def test_the_end_month_before_the_start_month_of_an_existing_action_is_found(accompaniment):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    ActionFactory(plan=plan, title="Verger", start_month="2026-05-01", end_month=None)
    preview, stored = plan_preview(accompaniment, "Intitulé;Fin\nVerger;mars 2026\n")
    assert stored is None
    assert preview.errors == ["ligne 2 : le mois de fin (mars 2026) précède le mois de début (mai 2026)"]


def test_a_created_row_shows_the_values_it_will_write(accompaniment):
    preview, stored = plan_preview(
        accompaniment,
        "Intitulé;Thème;Priorité;Début;Fin;Coût (€);Porteur;Financeur 1;Montant financeur 1;Indicateur 1\n"
        "Verger;Jardins et vergers;Haute;mars-26;01/12/2026;1 234,50;Marie Curie;Département;500;Arbres plantés\n",
    )
    assert stored is not None, preview.errors
    [row] = preview.rows
    assert row.operation == "create"
    assert "Thème : Jardins et vergers" in row.changes
    assert "Priorité : Haute" in row.changes
    assert any(change.endswith(" : mars 2026") for change in row.changes), row.changes
    assert any(change.endswith(" : décembre 2026") for change in row.changes), row.changes
    assert any("1\u202f234,50" in change or "1 234,50" in change for change in row.changes), row.changes
    assert "Porteur (contact) : Marie Curie (contact à créer)" in row.changes
    assert any(change.startswith("Financement : Département, 500") for change in row.changes), row.changes
    assert "Indicateur : Arbres plantés" in row.changes
    assert str(preview.summary) == (
        "<strong>1</strong> action à créer, <strong>0</strong> à modifier et <strong>0</strong> sans changement"
    )


def test_counts_are_pluralised_the_french_way():
    assert ImportResult(1, 0, 2, 1).summary("plan.xlsx") == (
        "Import du fichier « plan.xlsx » : 1 action créée, 0 modifiée, 2 inchangées, 1 contact créé."
    )
    assert ImportResult(3, 2, 0, 0, noun="ligne").summary("d.csv") == (
        "Import du fichier « d.csv » : 3 lignes créées, 2 modifiées, 0 inchangée, 0 contact créé."
    )


def test_a_created_diagnostic_row_shows_its_values(accompaniment):
    text = "Type;Intitulé;Catégorie;Thème\nPiste d'action;Marché de producteurs;;Circuits courts et marchés\n"
    table = read_upload(csv_upload(text, "diagnostic.csv"), DIAGNOSTIC_COLUMNS)
    parsed = parse_table(table, DIAGNOSTIC_COLUMNS)
    preview, stored = preview_diagnostic_import(accompaniment=accompaniment, parsed=parsed)
    assert stored is not None, preview.errors
    [row] = preview.rows
    assert "Thème : Circuits courts et marchés" in row.changes, row.changes


def test_the_preview_page_says_one_action_not_one_actions(client, accompaniment, commune, consultant):
    client.force_login(consultant)
    url = reverse("missions:action_plan_import", args=[commune.insee_code])
    response = client.post(url, {"file": csv_upload("Intitulé;Thème\nVerger;Autre\n")})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>1</strong> action à créer" in page
    assert "1 actions" not in page
    assert "Thème : Autre" in page
    assert not Action.objects.exists()
