"""Importing a diagnostic's stakes, shared findings and action leads from one table (issue 20), with the same dry
run, rules and all-or-nothing import as the action plan, and its export in the same template."""

import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from communes.models import Contact
from core.models import ContentLocked, WorkflowStatus
from core.spreadsheets.reading import parse_table, read_upload
from missions.mission1.imports.diagnostics import (
    DIAGNOSTIC_COLUMNS,
    SHEET_NAMES,
    apply_diagnostic_import,
    preview_diagnostic_import,
)
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.diagnostics import ActionLead, Diagnostic, SharedFinding, Stake
from missions.mission1.services.diagnostics import diagnostic_content
from tests.factories import ContactFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionLeadFactory,
    DiagnosticFactory,
    SharedFindingFactory,
    StakeFactory,
)

pytestmark = pytest.mark.django_db

HEADERS = [
    "Type",
    "Intitulé",
    "Description",
    "Catégorie",
    "Priorité",
    "Thème",
    "Porteurs potentiels",
    "Personnes ressources",
]


def xlsx_file(rows, name="diagnostic.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    handle = io.BytesIO()
    workbook.save(handle)
    return SimpleUploadedFile(name, handle.getvalue())


def preview_of(accompaniment, upload):
    table = read_upload(upload, DIAGNOSTIC_COLUMNS, sheet_names=SHEET_NAMES)
    return preview_diagnostic_import(accompaniment=accompaniment, parsed=parse_table(table, DIAGNOSTIC_COLUMNS))


def import_file(accompaniment, upload, by, *, accepted=None):
    preview, stored = preview_of(accompaniment, upload)
    assert stored is not None, preview.errors
    keys = {proposal["key"] for proposal in preview.proposals if proposal["checked"]} if accepted is None else accepted
    return apply_diagnostic_import(accompaniment=accompaniment, stored=stored, accepted=keys, by=by)


@pytest.fixture
def accompaniment(commune):
    return AccompanimentFactory(commune=commune)


ROWS = [
    HEADERS,
    ["Enjeu", "Cantine locale", "30 % de produits locaux", "Restauration collective", "Prioritaire", "", "", ""],
    ["Enjeu", "Transmission des fermes", "", "transmission agricole", "", "", "", ""],
    ["Constat partagé", "", "La cantine sert 80 repas par jour.", "", "", "", "", ""],
    [
        "Piste d'action",
        "Verger communal",
        "Sur le terrain de la mairie",
        "",
        "",
        "Jardins et vergers",
        "Mairie",
        "Jean Dupont ; Lucie Nouvelle",
    ],
]


def test_stakes_findings_and_leads_are_imported(accompaniment, commune, consultant):
    known = ContactFactory(commune=commune, first_name="Jean", last_name="Dupont")
    preview, _ = preview_of(accompaniment, xlsx_file(ROWS))
    assert [(p["name"], p["role"], p["checked"]) for p in preview.proposals] == [
        ("Lucie Nouvelle", "personne ressource", True)
    ]
    result = import_file(accompaniment, xlsx_file(ROWS), consultant)
    assert (result.created, result.contacts_created) == (4, 1)
    diagnostic = Diagnostic.objects.get(accompaniment=accompaniment)
    canteen, farms = diagnostic.stakes.order_by("position")
    assert (canteen.category, canteen.priority, canteen.description) == (
        Stake.Category.RESTAURATION,
        Stake.Priority.HIGH,
        "30 % de produits locaux",
    )
    assert (farms.category, farms.priority) == (Stake.Category.TRANSMISSION, Stake.Priority.MEDIUM)
    assert diagnostic.findings.get().text == "La cantine sert 80 repas par jour."
    lead = diagnostic.action_leads.get()
    assert (lead.theme, lead.potential_leads) == ("jardins_vergers", "Mairie")
    created = Contact.objects.get(last_name="Nouvelle")
    assert (created.first_name, created.consent_to_share, created.consent_date, created.consent_method) == (
        "Lucie",
        False,
        None,
        "",
    )
    assert set(lead.resource_people.all()) == {known, created}
    accompaniment.refresh_from_db()
    assert accompaniment.phase == Accompaniment.Phase.DIAGNOSTIC
    assert diagnostic.history.first().history_change_reason.startswith(
        "Import du fichier « diagnostic.xlsx » : 4 créées, 0 modifiée, 1 contact"
    )


def test_reimporting_the_same_diagnostic_changes_nothing(accompaniment, commune, consultant):
    ContactFactory(commune=commune, first_name="Jean", last_name="Dupont")
    import_file(accompaniment, xlsx_file(ROWS), consultant)
    counts = (
        Stake.objects.count(),
        SharedFinding.objects.count(),
        ActionLead.objects.count(),
        Contact.objects.count(),
    )
    preview, stored = preview_of(accompaniment, xlsx_file(ROWS))
    assert (preview.created, preview.updated, preview.unchanged, stored) == (0, 0, 4, None)
    assert preview.proposals == []
    assert (
        Stake.objects.count(),
        SharedFinding.objects.count(),
        ActionLead.objects.count(),
        Contact.objects.count(),
    ) == counts


def test_export_then_import_changes_nothing(client, accompaniment, commune, consultant):
    diagnostic = DiagnosticFactory(accompaniment=accompaniment)
    StakeFactory(diagnostic=diagnostic, title="Cantine", category=Stake.Category.RESTAURATION, position=0)
    StakeFactory(diagnostic=diagnostic, title="Friches", category=Stake.Category.AUTRE, priority=3, position=1)
    SharedFindingFactory(diagnostic=diagnostic, text="- Peu de producteurs\n- Une école", position=0)
    lead = ActionLeadFactory(diagnostic=diagnostic, title="Verger", description="=Planter", position=0)
    lead.resource_people.set([ContactFactory(commune=commune), ContactFactory(commune=commune)])
    before = diagnostic_content(diagnostic)
    client.force_login(consultant)
    for fmt in ("xlsx", "csv"):
        response = client.get(reverse("missions:diagnostic_export", args=[commune.insee_code, fmt]))
        upload = SimpleUploadedFile(f"export.{fmt}", b"".join(response.streaming_content))
        preview, stored = preview_of(accompaniment, upload)
        assert preview.errors == [] and stored is None, preview.errors
        assert {row.operation for row in preview.rows} == {"unchanged"} and len(preview.rows) == 4
    assert diagnostic_content(diagnostic) == before


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["Remarque", "Cantine"], "ligne 2, colonne « Type » : « Remarque » n'est pas un type de ligne"),
        (["Enjeu", ""], "ligne 2, colonne « Intitulé » : intitulé manquant pour cette ligne « Enjeu »"),
        (["Enjeu", "Cantine", "", "Cuisine"], "ligne 2, colonne « Catégorie » : « Cuisine » n'est pas une valeur"),
        (["Constat partagé", "", ""], "ligne 2, colonne « Description » : texte du constat manquant"),
        (["Piste d'action", "Verger", "", "", "", "Arboriculture"], "ligne 2, colonne « Thème » : « Arboriculture »"),
    ],
)
def test_every_error_names_its_line_and_column(accompaniment, row, message):
    preview, stored = preview_of(accompaniment, xlsx_file([HEADERS, row]))
    assert stored is None
    assert any(error.startswith(message) for error in preview.errors), preview.errors
    assert not Diagnostic.objects.exists()


def test_a_submitted_diagnostic_refuses_the_import(accompaniment, consultant):
    diagnostic = DiagnosticFactory(accompaniment=accompaniment)
    preview, stored = preview_of(accompaniment, xlsx_file(ROWS[:3]))
    Diagnostic.objects.filter(pk=diagnostic.pk).update(workflow_status=WorkflowStatus.SUBMITTED)
    with pytest.raises(ContentLocked):
        apply_diagnostic_import(accompaniment=accompaniment, stored=stored, accepted=set(), by=consultant)
    assert not Stake.objects.exists()


def test_consultant_imports_through_the_pages(client, accompaniment, commune, consultant):
    client.force_login(consultant)
    url = reverse("missions:diagnostic_import", args=[commune.insee_code])
    page = client.post(url, {"file": xlsx_file(ROWS[:3])})
    assert "Confirmer l'import" in html.unescape(page.content.decode())
    confirm = reverse("missions:diagnostic_import_confirm", args=[commune.insee_code])
    response = client.post(confirm, {"apercu": page.context["preview"].sha256})
    assert response.status_code == 302 and response.url == reverse("missions:diagnostic", args=[commune.insee_code])
    assert Stake.objects.count() == 2


def test_only_the_team_imports_a_diagnostic(client, accompaniment, commune, elu, elu_other_commune):
    url = reverse("missions:diagnostic_import", args=[commune.insee_code])
    confirm = reverse("missions:diagnostic_import_confirm", args=[commune.insee_code])
    client.force_login(elu)
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": xlsx_file(ROWS)}).status_code == 403
    assert client.post(confirm, {"apercu": "0" * 64}).status_code == 403
    client.force_login(elu_other_commune)
    assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/connexion/")
    assert not Diagnostic.objects.exists() and not Stake.objects.exists()
