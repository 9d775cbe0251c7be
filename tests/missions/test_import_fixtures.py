"""Templates filled and saved by LibreOffice Calc as XLSX, ODS and CSV (tests/fixtures/imports, see its README)
import without an error (issue 25); the downloadable templates carry an example row, a drop-down list on every
fixed-value column and a « Lisez-moi » sheet."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from core.spreadsheets.reading import parse_table, read_upload
from missions.mission1.imports.diagnostics import (
    DIAGNOSTIC_COLUMNS,
    apply_diagnostic_import,
    preview_diagnostic_import,
)
from missions.mission1.imports.diagnostics import SHEET_NAMES as DIAGNOSTIC_SHEETS
from missions.mission1.imports.plans import PLAN_COLUMNS, SHEET_NAMES, apply_plan_import, preview_plan_import
from missions.mission1.models.action_plans import Action
from missions.mission1.models.diagnostics import ActionLead, SharedFinding, Stake
from tests.factories_mission1 import AccompanimentFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def fixture(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes())


@pytest.fixture
def accompaniment(commune):
    return AccompanimentFactory(commune=commune)


@pytest.mark.parametrize("name", ["plan-calc.xlsx", "plan-calc.ods", "plan-calc.csv"])
def test_a_plan_saved_by_calc_imports_without_an_error(accompaniment, consultant, name):
    table = read_upload(fixture(name), PLAN_COLUMNS, sheet_names=SHEET_NAMES)
    preview, stored = preview_plan_import(accompaniment=accompaniment, parsed=parse_table(table, PLAN_COLUMNS))
    assert preview.errors == [] and stored is not None
    apply_plan_import(accompaniment=accompaniment, stored=stored, accepted=set(), by=consultant)
    verger = Action.objects.get(title="Verger partagé")
    assert (verger.start_month, verger.end_month) == (datetime.date(2026, 3, 1), datetime.date(2026, 11, 1))
    assert (verger.progress, verger.cost_estimate, verger.specific_support) == (45, Decimal("1500.50"), True)
    assert verger.get_priority_display() == "Haute" and verger.get_status_display() == "En cours"
    assert [(source.funder, source.amount) for source in verger.funding_sources.all()] == [
        ("Département", Decimal("500.00"))
    ]
    assert Action.objects.get(title="Cantine : produits locaux").end_month == datetime.date(2027, 6, 1)


@pytest.mark.parametrize("name", ["diagnostic-calc.xlsx", "diagnostic-calc.ods", "diagnostic-calc.csv"])
def test_a_diagnostic_saved_by_calc_imports_without_an_error(accompaniment, consultant, name):
    table = read_upload(fixture(name), DIAGNOSTIC_COLUMNS, sheet_names=DIAGNOSTIC_SHEETS)
    parsed = parse_table(table, DIAGNOSTIC_COLUMNS)
    preview, stored = preview_diagnostic_import(accompaniment=accompaniment, parsed=parsed)
    assert preview.errors == [] and stored is not None
    apply_diagnostic_import(accompaniment=accompaniment, stored=stored, accepted=set(), by=consultant)
    assert Stake.objects.get().get_priority_display() == "Prioritaire"
    assert SharedFinding.objects.get().text == "Peu de producteurs livrent la commune."
    assert ActionLead.objects.get().get_theme_display() == "Circuits courts et marchés"


@pytest.mark.parametrize(
    ("url_name", "sheet", "listed"),
    [
        (
            "missions:action_plan_template",
            "Actions",
            {"Thème", "Priorité", "Statut", "Accompagnement spécifique", "Statut financeur 1", "Statut financeur 3"},
        ),
        ("missions:diagnostic_template", "Diagnostic", {"Type", "Catégorie", "Priorité", "Thème"}),
    ],
)
def test_the_template_has_an_example_row_lists_and_a_readme(client, consultant, url_name, sheet, listed):
    client.force_login(consultant)
    workbook = load_workbook(io.BytesIO(client.get(reverse(url_name, args=["xlsx"])).content))
    assert workbook.sheetnames == [sheet, "Listes", "Lisez-moi"]
    table = workbook[sheet]
    headers = [cell.value for cell in table[1]]
    assert any(str(cell.value).startswith("Exemple") for cell in table[2])  # the example row
    with_list = set()
    for validation in table.data_validations.dataValidation:
        assert validation.type == "list" and validation.formula1.startswith("'Listes'!")
        for cell_range in validation.sqref.ranges:
            with_list.add(headers[cell_range.min_col - 1])
            assert (cell_range.min_row, cell_range.max_row) == (2, 1001)
    assert listed <= with_list
    readme = [row[0] for row in workbook["Lisez-moi"].iter_rows(values_only=True)]
    assert set(headers) <= set(readme)  # every column explained


def test_the_csv_template_has_the_header_and_the_example_row(client, consultant):
    client.force_login(consultant)
    response = client.get(reverse("missions:action_plan_template", args=["csv"]))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[0].startswith("Intitulé") and "Exemple" in lines[1]
