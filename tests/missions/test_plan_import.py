"""Importing an action plan from a spreadsheet (issue 20): the template, the dry run, the all-or-nothing import of
what was previewed, idempotent re-imports, contacts proposed with their consent unset, the export in the same
template and its lossless round trip, and every kind of bad file answered in French."""

import datetime
import html
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from communes.models import Contact
from core.models import ContentLocked, WorkflowStatus
from core.spreadsheets.reading import ImportFileError, parse_table, read_upload
from missions.mission1.imports.plans import (
    PLAN_COLUMNS,
    SHEET_NAMES,
    PreviewOutdated,
    apply_plan_import,
    preview_plan_import,
)
from missions.mission1.models.action_plans import Action, ActionPlan, FundingSource, Indicator, IndicatorValue
from missions.mission1.services.action_plans import action_plan_content
from tests.factories import ContactFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionPlanFactory,
    FundingSourceFactory,
    IndicatorFactory,
    IndicatorValueFactory,
)

pytestmark = pytest.mark.django_db

HEADERS = ["Intitulé", "Thème", "Statut", "Avancement (%)", "Coût", "Début", "Fin", "Porteur", "Structure porteuse"]


def xlsx_file(rows, *, name="plan.xlsx", sheet="Actions", build=None) -> SimpleUploadedFile:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    if build is not None:
        build(worksheet)
    handle = io.BytesIO()
    workbook.save(handle)
    return SimpleUploadedFile(name, handle.getvalue(), content_type="application/octet-stream")


def csv_file(text: str, *, name="plan.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def preview_of(accompaniment, upload):
    table = read_upload(upload, PLAN_COLUMNS, sheet_names=SHEET_NAMES)
    return preview_plan_import(accompaniment=accompaniment, parsed=parse_table(table, PLAN_COLUMNS))


def import_file(accompaniment, upload, by, *, accepted=None):
    preview, stored = preview_of(accompaniment, upload)
    assert stored is not None, preview.errors
    keys = {proposal["key"] for proposal in preview.proposals if proposal["checked"]} if accepted is None else accepted
    return apply_plan_import(accompaniment=accompaniment, stored=stored, accepted=keys, by=by)


@pytest.fixture
def accompaniment(commune):
    return AccompanimentFactory(commune=commune)


def test_a_french_spreadsheet_creates_the_plan_and_its_actions(accompaniment, consultant):
    upload = xlsx_file(
        [
            HEADERS,
            [
                "Verger partagé",
                "Jardins et vergers",
                "En cours",
                "45 %",
                "1 234,50 €",
                "mars 2026",
                "03/2027",
                "",
                "Mairie",
            ],
            ["Cantine locale", "approvisionnement de la restauration collective", "", 0.3, 800, "2026-04", "", "", ""],
        ],
        build=lambda sheet: setattr(sheet["D3"], "number_format", "0%"),
    )
    result = import_file(accompaniment, upload, consultant)
    assert (result.created, result.updated) == (2, 0)
    plan = ActionPlan.objects.get(accompaniment=accompaniment)
    orchard, canteen = plan.actions.order_by("position")
    assert orchard.title == "Verger partagé"
    assert orchard.theme == "jardins_vergers"
    assert orchard.status == Action.Status.IN_PROGRESS
    assert orchard.progress == 45
    assert orchard.cost_estimate == Decimal("1234.50")
    assert (orchard.start_month, orchard.end_month) == (datetime.date(2026, 3, 1), datetime.date(2027, 3, 1))
    assert orchard.lead_organisation == "Mairie"
    assert canteen.status == Action.Status.PROPOSED
    assert canteen.progress == 30  # a percentage cell is read as shown
    assert canteen.cost_estimate == Decimal("800.00")


def test_a_csv_from_french_excel_is_read(accompaniment, consultant):
    text = (
        "Intitulé;Thème;Coût;Début;Accompagnement spécifique\r\n"
        'Épicerie solidaire;Précarité alimentaire;"1 234,50 €";févr. 2026;oui\r\n'
    )
    result = import_file(accompaniment, csv_file(text, encoding="cp1252"), consultant)
    assert result.created == 1
    action = Action.objects.get()
    assert (action.title, action.theme) == ("Épicerie solidaire", "precarite")
    assert action.cost_estimate == Decimal("1234.50")
    assert action.start_month == datetime.date(2026, 2, 1)
    assert action.specific_support is True


def test_headers_are_recognised_without_accents_case_or_punctuation(accompaniment, consultant):
    upload = xlsx_file(
        [
            ["INTITULE DE L'ACTION", "thematique", "Cout estimé (€)", "Date de début", "mois de fin", "ÉTAT"],
            ["Verger", "jardins et vergers", "10", "01/2026", "12/2026", "réalisée"],
        ]
    )
    import_file(accompaniment, upload, consultant)
    action = Action.objects.get()
    assert (action.cost_estimate, action.status) == (Decimal("10.00"), Action.Status.DONE)
    assert (action.start_month, action.end_month) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 1))


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("Coût", "environ 3000", "ligne 2, colonne « Coût » : « environ 3000 » n'est pas un montant"),
        ("Coût", "-40", "ligne 2, colonne « Coût » : « -40 » est négatif"),
        ("Coût", "12,345", "ligne 2, colonne « Coût » : « 12,345 » a plus de 2 décimales"),
        ("Début", "printemps 2026", "ligne 2, colonne « Début » : « printemps 2026 » n'est pas un mois"),
        ("Statut", "bientôt", "ligne 2, colonne « Statut » : « bientôt » n'est pas une valeur possible"),
        ("Avancement (%)", "120", "ligne 2, colonne « Avancement (%) » : « 120 » n'est pas un pourcentage"),
        ("Accompagnement spécifique", "peut-être", "ligne 2, colonne « Accompagnement spécifique » : « peut-être »"),
        ("Montant financeur 1", "500", "ligne 2, colonne « Financeur 1 » : financeur manquant pour ce montant"),
        ("Indicateur 1 cible 2026", "20", "ligne 2, colonne « Indicateur 1 » : nom de l'indicateur manquant"),
    ],
)
def test_every_error_names_its_line_and_column_and_nothing_is_written(accompaniment, header, value, message):
    headers = ["Intitulé", "Thème", header]
    if header == "Montant financeur 1":
        headers.append("Financeur 1")
    if header.startswith("Indicateur 1 "):
        headers.append("Indicateur 1")
    upload = xlsx_file([headers, ["Verger", "Jardins et vergers", value]])
    preview, stored = preview_of(accompaniment, upload)
    assert stored is None and not preview.can_confirm
    assert any(error.startswith(message) for error in preview.errors), preview.errors
    assert not ActionPlan.objects.exists() and not Action.objects.exists()


def test_row_rules_are_errors_naming_their_line(accompaniment):
    upload = xlsx_file(
        [
            ["Intitulé", "Thème", "Début", "Fin"],
            ["Verger", "Jardins et vergers", "mai 2026", "mars 2026"],
            ["", "Jardins et vergers", "", ""],
            ["Cantine", "Autre", "", ""],
            ["cantine ", "Autre", "", ""],
        ]
    )
    preview, stored = preview_of(accompaniment, upload)
    assert stored is None
    assert "ligne 2 : le mois de fin (mars 2026) précède le mois de début (mai 2026)" in preview.errors
    assert (
        "ligne 3, colonne « Intitulé » : intitulé manquant : chaque ligne du tableau est une action" in preview.errors
    )
    assert "ligne 5, colonne « Intitulé » : l'action « cantine » figure déjà ligne 4" in preview.errors


def test_creating_an_action_needs_its_theme_column(accompaniment):
    preview, stored = preview_of(accompaniment, xlsx_file([["Intitulé", "Statut"], ["Verger", "En cours"]]))
    assert stored is None
    assert preview.errors == ["ligne 2 : la colonne « Thème » manque pour créer l'action « Verger »"]


def workbook_bytes(build) -> bytes:
    workbook = Workbook()
    build(workbook.active)
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def _formula_without_value(sheet):
    sheet.append(["Intitulé", "Thème", "Coût"])
    sheet.append(["Verger", "Autre", "=B7*2"])


def _merged_header(sheet):
    sheet.append(["Intitulé", "Thème", "", "Coût"])
    sheet.merge_cells("B1:C1")
    sheet.append(["Verger", "Autre", "", "10"])


def _empty_sheet(sheet):
    pass


def _only_headers(sheet):
    sheet.append(["Intitulé", "Thème"])


def _fifteen_hundred_rows(sheet):
    sheet.append(["Intitulé", "Thème"])
    for index in range(1500):
        sheet.append([f"Action {index}", "Autre"])


def _no_title_column(sheet):
    sheet.append(["Nom", "Thème"])
    sheet.append(["Verger", "Autre"])


def _twice_the_same_column(sheet):
    sheet.append(["Intitulé", "Thème", "Coût", "Coût (€)"])
    sheet.append(["Verger", "Autre", "1", "2"])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (_merged_header, "Ligne 1 : les cellules d'en-tête B1 à C1 sont fusionnées"),
        (_empty_sheet, "La feuille « Actions » est vide : aucun tableau à importer."),
        (_only_headers, "La feuille « Actions » n'a aucune ligne sous ses en-têtes (ligne 1) : rien à importer."),
        (_fifteen_hundred_rows, "La feuille « Actions » compte plus de 1\u202f000 lignes sous ses en-têtes"),
        (_no_title_column, "Aucune ligne d'en-têtes reconnue dans les 20 premières lignes de la feuille « Actions »"),
        (_twice_the_same_column, "Ligne 1 : la colonne « Coût (€) » apparaît deux fois (colonnes C et D)"),
    ],
)
def test_bad_workbooks_get_a_french_message(accompaniment, build, message):
    def named(sheet):
        sheet.title = "Actions"
        build(sheet)

    upload = SimpleUploadedFile("plan.xlsx", workbook_bytes(named))
    with pytest.raises(ImportFileError) as refused:
        preview_of(accompaniment, upload)
    assert str(refused.value).startswith(message) or message in str(refused.value), str(refused.value)


def test_a_formula_never_computed_is_an_error_naming_its_cell(accompaniment):
    def named(sheet):
        sheet.title = "Actions"
        _formula_without_value(sheet)

    preview, stored = preview_of(accompaniment, SimpleUploadedFile("plan.xlsx", workbook_bytes(named)))
    assert stored is None
    assert preview.errors == [
        "ligne 2, colonne « Coût » : la cellule contient une formule (=B7*2) dont la valeur n'a pas été calculée. "
        "Ouvrez le fichier dans Excel ou LibreOffice et enregistrez-le (ou remplacez la formule par sa valeur), puis "
        "déposez-le à nouveau"
    ]


def test_a_formula_computed_by_the_spreadsheet_is_read_at_its_value(accompaniment, consultant):
    def computed(sheet):
        sheet.append(["Intitulé", "Thème", "Coût"])
        sheet.append(["Verger", "Autre", "=20*2"])

    content = workbook_bytes(computed)
    # What Excel or LibreOffice write after computing: the formula and its cached value side by side.
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(content))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>20*2</f><v />", b"<f>20*2</f><v>40</v>")
                assert b"<v>40</v>" in data, data
            target.writestr(member, data)
    import_file(accompaniment, SimpleUploadedFile("plan.xlsx", rebuilt.getvalue()), consultant)
    assert Action.objects.get().cost_estimate == Decimal("40.00")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "plan.xlsx",
            b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
            "porte l'extension « .xlsx » mais son contenu est un document PDF",
        ),
        ("plan.xlsx", b"PK\x03\x04 not really a zip", "n'est pas d'un type accepté"),
        (
            "plan.csv",
            b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
            "porte l'extension « .csv » mais son contenu est un document PDF",
        ),
        (
            "plan.xls",
            b"\xd0\xcf\x11\xe0 old excel",
            "enregistrez-le au format Excel (.xlsx), LibreOffice (.ods) ou CSV",
        ),
        ("plan.xlsx", b"", "Le fichier est vide."),
        ("plan.csv", b"Intitul\xc3\xa9;Th\xc3\xa8me\n\x00\x00", "n'est pas un fichier texte CSV"),
    ],
)
def test_files_in_another_format_get_a_french_message(accompaniment, name, content, message):
    with pytest.raises(ImportFileError) as refused:
        preview_of(accompaniment, SimpleUploadedFile(name, content))
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (csv_file("Intitulé;Thème\n" + "Verger;Autre\n" * 10), "« plan.csv » dépasse la taille maximale de 10 Mo"),
        (xlsx_file([["Intitulé", "Thème"], ["Verger", "Autre"]]), "la taille maximale est de 10 Mo"),
    ],
)
def test_a_file_over_the_upload_limit_is_refused(accompaniment, upload, message):
    upload.size = 11 * 1024 * 1024
    with pytest.raises(ImportFileError) as refused:
        preview_of(accompaniment, upload)
    assert message in str(refused.value)


def test_reimporting_the_same_file_creates_no_duplicates(accompaniment, consultant):
    rows = [
        [*HEADERS, "Financeur 1", "Montant financeur 1", "Indicateur 1", "Indicateur 1 cible 2026"],
        [
            "Verger",
            "Jardins et vergers",
            "En cours",
            "10",
            "100",
            "03/2026",
            "",
            "",
            "Mairie",
            "Région",
            "50",
            "Arbres",
            12,
        ],
        ["Cantine", "Autre", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    import_file(accompaniment, xlsx_file(rows), consultant)
    history = Action.history.count() + FundingSource.history.count() + IndicatorValue.history.count()
    preview, stored = preview_of(accompaniment, xlsx_file(rows))
    assert (preview.created, preview.updated, preview.unchanged) == (0, 0, 2)
    assert stored is None  # nothing to confirm
    assert (Action.objects.count(), FundingSource.objects.count(), Indicator.objects.count()) == (2, 1, 1)
    assert Action.history.count() + FundingSource.history.count() + IndicatorValue.history.count() == history


def test_a_changed_row_updates_its_fields_and_the_preview_lists_them(accompaniment, consultant):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    action = ActionFactory(plan=plan, title="Verger partagé", cost_estimate=Decimal("1000"), status="proposee")
    upload = xlsx_file([["Intitulé", "Coût", "Statut"], ["verger  PARTAGE", "1 200", "En cours"]])
    preview, _stored = preview_of(accompaniment, upload)
    (row,) = preview.rows
    assert row.operation == "update"
    assert "Coût estimé (€) : 1\u202f000,00\u00a0€ → 1\u202f200,00\u00a0€" in row.changes
    assert "Statut : Proposée → En cours" in row.changes
    import_file(
        accompaniment,
        xlsx_file([["Intitulé", "Coût", "Statut"], ["verger  PARTAGE", "1 200", "En cours"]]),
        consultant,
    )
    action.refresh_from_db()
    assert (action.cost_estimate, action.status, action.title) == (Decimal("1200.00"), "en_cours", "verger  PARTAGE")
    assert action.theme == "restauration_collective"  # no theme column: left alone
    assert action.start_month == datetime.date(2025, 3, 1)


def test_actions_absent_from_the_file_are_kept_in_their_place(accompaniment, consultant):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    first = ActionFactory(plan=plan, title="Premier", position=0)
    second = ActionFactory(plan=plan, title="Second", position=1)
    import_file(
        accompaniment, xlsx_file([["Intitulé", "Thème"], ["Nouveau", "Autre"], ["Second", "Autre"]]), consultant
    )
    assert list(plan.actions.order_by("position").values_list("title", flat=True)) == ["Premier", "Second", "Nouveau"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.position, second.position, second.theme) == (0, 1, "autre")


def test_a_file_listing_every_action_gives_the_plan_its_order(accompaniment, consultant):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    ActionFactory(plan=plan, title="Premier", position=0)
    ActionFactory(plan=plan, title="Second", position=1)
    import_file(accompaniment, xlsx_file([["Intitulé"], ["Second"], ["Premier"]]), consultant)
    assert list(plan.actions.order_by("position").values_list("title", flat=True)) == ["Second", "Premier"]


def test_financing_and_indicator_columns_describe_the_whole_list(accompaniment, consultant):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    action = ActionFactory(plan=plan, title="Verger")
    FundingSourceFactory(action=action, funder="Département", amount=Decimal("100"))
    FundingSourceFactory(action=action, funder="Région", amount=Decimal("200"))
    kept = IndicatorFactory(action=action, name="Arbres plantés", unit="arbres")
    IndicatorValueFactory(indicator=kept, year=2026, target=Decimal("10"), actual=None)
    IndicatorFactory(action=action, name="Bénévoles")
    upload = xlsx_file(
        [
            ["Intitulé", "Financeur 1", "Montant financeur 1", "Indicateur 1", "Indicateur 1 réalisé 2026"],
            ["Verger", "région", "250,5", "arbres plantes", "8"],
        ]
    )
    preview, _ = preview_of(accompaniment, upload)
    changes = preview.rows[0].changes
    assert "Financement retiré : Département, 100,00\u00a0€" in changes
    assert "Indicateur retiré : Bénévoles" in changes
    import_file(accompaniment, upload, consultant)
    (source,) = action.funding_sources.all()
    assert (source.funder, source.amount) == ("région", Decimal("250.50"))
    (indicator,) = action.indicators.all()
    assert indicator.pk == kept.pk and indicator.unit == "arbres"  # no unit column: kept
    (value,) = indicator.values.all()
    assert (value.target, value.actual) == (Decimal("10.00"), Decimal("8.00"))  # no target column: kept


def test_an_unknown_lead_is_proposed_and_created_with_its_consent_unset(accompaniment, consultant, commune):
    upload = xlsx_file(
        [["Intitulé", "Thème", "Porteur", "Structure porteuse"], ["Verger", "Autre", "Marie Curie", "Mairie"]]
    )
    preview, _ = preview_of(accompaniment, upload)
    (proposal,) = preview.proposals
    assert (proposal["name"], proposal["organisation"], proposal["role"], proposal["checked"]) == (
        "Marie Curie",
        "Mairie",
        "porteur",
        True,
    )
    result = import_file(accompaniment, upload, consultant)
    assert result.contacts_created == 1
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.organisation, contact.commune) == (
        "Marie",
        "Curie",
        "Mairie",
        commune,
    )
    assert (contact.consent_to_share, contact.consent_date, contact.consent_method) == (False, None, "")
    assert Action.objects.get().lead_contact == contact
    # Imported again: the person is now known, nothing is proposed or changed.
    preview, stored = preview_of(accompaniment, upload)
    assert preview.proposals == [] and preview.unchanged == 1 and stored is None


def test_a_known_lead_is_linked_without_a_new_contact(accompaniment, consultant, commune):
    known = ContactFactory(commune=commune, first_name="Jean", last_name="Dupont")
    import_file(
        accompaniment, xlsx_file([["Intitulé", "Thème", "Porteur"], ["Verger", "Autre", "jean DUPONT"]]), consultant
    )
    assert Action.objects.get().lead_contact == known
    assert Contact.objects.count() == 1


def test_an_unticked_lead_stays_written_as_the_lead_organisation(accompaniment, consultant):
    upload = xlsx_file(
        [["Intitulé", "Thème", "Porteur", "Structure porteuse"], ["Verger", "Autre", "Marie Curie", "Mairie"]]
    )
    import_file(accompaniment, upload, consultant, accepted=set())
    action = Action.objects.get()
    assert (action.lead_contact, action.lead_organisation) == (None, "Marie Curie (Mairie)")
    assert not Contact.objects.exists()


def test_homonym_leads_are_told_apart_by_their_structure(accompaniment, consultant, commune):
    ContactFactory(commune=commune, first_name="Jean", last_name="Dupont", organisation="Mairie")
    farmer = ContactFactory(commune=commune, first_name="Jean", last_name="Dupont", organisation="GAEC du Moulin")
    rows = [["Intitulé", "Thème", "Porteur"], ["Verger", "Autre", "Jean Dupont"]]
    preview, stored = preview_of(accompaniment, xlsx_file(rows))
    assert stored is None
    assert preview.errors == [
        "ligne 2, colonne « Porteur » : plusieurs contacts s'appellent « Jean Dupont » : précisez leur structure dans "
        "la colonne « Structure porteuse »"
    ]
    rows = [
        ["Intitulé", "Thème", "Porteur", "Structure porteuse"],
        ["Verger", "Autre", "Jean Dupont", "GAEC du moulin"],
    ]
    import_file(accompaniment, xlsx_file(rows), consultant)
    assert Action.objects.get().lead_contact == farmer


def test_unknown_partners_are_proposed_unticked(accompaniment, consultant, commune):
    ContactFactory(commune=commune, organisation="Chambre d'agriculture")
    rows = [
        ["Intitulé", "Thème", "Partenaires"],
        ["Verger", "Autre", "Chambre d'agriculture ; Les Croqueurs de pommes"],
    ]
    preview, _ = preview_of(accompaniment, xlsx_file(rows))
    assert [(p["name"], p["role"], p["checked"]) for p in preview.proposals] == [
        ("Les Croqueurs de pommes", "partenaire", False)
    ]
    import_file(accompaniment, xlsx_file(rows), consultant, accepted={preview.proposals[0]["key"]})
    created = Contact.objects.get(last_name="Les Croqueurs de pommes")
    assert (created.organisation, created.consent_to_share) == ("Les Croqueurs de pommes", False)
    assert Action.objects.get().partners == "Chambre d'agriculture ; Les Croqueurs de pommes"


def full_plan(accompaniment, commune):
    """A plan carrying every field the template holds."""
    plan = ActionPlanFactory(accompaniment=accompaniment)
    lead = ContactFactory(commune=commune, first_name="Claire", last_name="Vuillemin", organisation="Mairie")
    orchard = ActionFactory(
        plan=plan,
        title="Verger partagé",
        theme="jardins_vergers",
        priority=Action.Priority.HIGH,
        status=Action.Status.IN_PROGRESS,
        progress=35,
        specific_support=True,
        description="- planter 20 arbres\n- former les bénévoles",
        lead_contact=lead,
        lead_organisation="Mairie d'Amagney",
        partners="Les Croqueurs de pommes ; École",
        operational_objectives="=20 arbres",
        expected_results="Des fruits pour la cantine",
        cost_estimate=Decimal("1234.56"),
        start_month=datetime.date(2026, 3, 1),
        end_month=datetime.date(2027, 11, 1),
        position=0,
    )
    FundingSourceFactory(
        action=orchard, funder="Région", amount=Decimal("600.10"), status=FundingSource.Status.SECURED
    )
    FundingSourceFactory(
        action=orchard, funder="Département", amount=Decimal("100"), status=FundingSource.Status.REQUESTED
    )
    trees = IndicatorFactory(action=orchard, name="Arbres plantés", unit="arbres")
    IndicatorValueFactory(indicator=trees, year=2026, target=Decimal("10"), actual=Decimal("7.5"), comment="Gel")
    IndicatorValueFactory(indicator=trees, year=2027, target=Decimal("20"), actual=None, comment="")
    IndicatorFactory(action=orchard, name="Bénévoles", unit="")
    ActionFactory(
        plan=plan,
        title="Cantine",
        theme="restauration_collective",
        lead_organisation="Syndicat scolaire",
        cost_estimate=Decimal("0"),
        start_month=None,
        end_month=None,
        position=1,
    )
    return plan


def exported(client, commune, fmt) -> SimpleUploadedFile:
    response = client.get(reverse("missions:action_plan_export", args=[commune.insee_code, fmt]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return SimpleUploadedFile(f"export.{fmt}", content)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(client, accompaniment, commune, consultant, fmt):
    plan = full_plan(accompaniment, commune)
    before = action_plan_content(plan)
    history = (Action.history.count(), FundingSource.history.count(), IndicatorValue.history.count())
    client.force_login(consultant)
    preview, stored = preview_of(accompaniment, exported(client, commune, fmt))
    assert preview.errors == []
    assert [(row.title, row.operation, row.changes) for row in preview.rows] == [
        ("Verger partagé", "unchanged", []),
        ("Cantine", "unchanged", []),
    ]
    assert preview.proposals == [] and stored is None
    assert action_plan_content(plan) == before
    assert (Action.history.count(), FundingSource.history.count(), IndicatorValue.history.count()) == history


def test_the_plan_export_writes_its_months_as_real_months(client, accompaniment, commune, consultant):
    plan = full_plan(accompaniment, commune)
    client.force_login(consultant)
    sheet = load_workbook(io.BytesIO(exported(client, commune, "xlsx").read())).worksheets[0]
    rows = list(sheet.iter_rows())
    header_row = next(row for row in rows if any(cell.value == "Début" for cell in row))
    start_column = next(cell.column for cell in header_row if cell.value == "Début")
    cell = sheet.cell(row=header_row[0].row + 1, column=start_column)
    first = plan.actions.order_by("position").first()
    assert cell.is_date and cell.value.date() == first.start_month and cell.number_format == "mm/yyyy"
    csv_text = exported(client, commune, "csv").read().decode("utf-8-sig")
    assert first.start_month.strftime("%Y-%m") in csv_text


def test_export_imported_into_an_empty_plan_gives_the_same_plan(client, accompaniment, commune, consultant):
    plan = full_plan(accompaniment, commune)
    client.force_login(consultant)
    upload = exported(client, commune, "xlsx")
    other = AccompanimentFactory(commune=ContactFactory().commune)
    other.commune.contacts.create(first_name="Claire", last_name="Vuillemin", organisation="Mairie")
    import_file(other, upload, consultant)
    copy = ActionPlan.objects.get(accompaniment=other)

    def shape(of):
        return [
            (
                action.title,
                action.theme,
                action.priority,
                action.status,
                action.progress,
                action.specific_support,
                action.description,
                action.lead_contact.full_name if action.lead_contact else None,
                action.lead_organisation,
                action.partners,
                action.operational_objectives,
                action.expected_results,
                action.cost_estimate,
                action.start_month,
                action.end_month,
                [(s.funder, s.amount, s.status) for s in action.funding_sources.all()],
                [
                    (i.name, i.unit, [(v.year, v.target, v.actual, v.comment) for v in i.values.all()])
                    for i in action.indicators.all()
                ],
            )
            for action in of.actions.order_by("position")
        ]

    assert shape(copy) == shape(plan)


def test_the_import_is_all_or_nothing(accompaniment, consultant, monkeypatch):
    from missions.mission1.imports import plans

    upload = xlsx_file(
        [["Intitulé", "Thème", "Indicateur 1", "Indicateur 1 cible 2026"], ["Verger", "Autre", "Arbres", "10"]]
    )
    preview, stored = preview_of(accompaniment, upload)
    real = plans.bulk_create_with_history

    def failing(objs, model, **kwargs):
        if model is IndicatorValue:
            raise RuntimeError("disque plein")
        return real(objs, model, **kwargs)

    monkeypatch.setattr(plans, "bulk_create_with_history", failing)
    with pytest.raises(RuntimeError):
        apply_plan_import(accompaniment=accompaniment, stored=stored, accepted=set(), by=consultant)
    assert not ActionPlan.objects.exists() and not Action.objects.exists() and not Indicator.objects.exists()


def test_a_plan_changed_since_the_preview_is_not_imported_blindly(accompaniment, consultant):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    action = ActionFactory(plan=plan, title="Verger", cost_estimate=Decimal("10"))
    preview, stored = preview_of(accompaniment, xlsx_file([["Intitulé", "Coût"], ["Verger", "20"]]))
    Action.objects.filter(pk=action.pk).update(cost_estimate=Decimal("15"))  # someone else's edit
    with pytest.raises(PreviewOutdated) as outdated:
        apply_plan_import(accompaniment=accompaniment, stored=stored, accepted=set(), by=consultant)
    action.refresh_from_db()
    assert action.cost_estimate == Decimal("15.00")
    assert "Coût estimé (€) : 15,00\u00a0€ → 20,00\u00a0€" in outdated.value.preview.rows[0].changes
    apply_plan_import(accompaniment=accompaniment, stored=outdated.value.stored, accepted=set(), by=consultant)
    action.refresh_from_db()
    assert action.cost_estimate == Decimal("20.00")


def test_a_submitted_plan_refuses_the_import(accompaniment, consultant):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    ActionFactory(plan=plan, title="Verger")
    preview, stored = preview_of(accompaniment, xlsx_file([["Intitulé", "Thème"], ["Cantine", "Autre"]]))
    ActionPlan.objects.filter(pk=plan.pk).update(workflow_status=WorkflowStatus.SUBMITTED)
    with pytest.raises(ContentLocked):
        apply_plan_import(accompaniment=accompaniment, stored=stored, accepted=set(), by=consultant)
    assert list(Action.objects.values_list("title", flat=True)) == ["Verger"]


def test_importing_into_a_validated_plan_starts_its_next_version(accompaniment, consultant, elu):
    import django.utils.timezone as tz

    plan = ActionPlanFactory(accompaniment=accompaniment)
    ActionPlan.objects.filter(pk=plan.pk).update(
        workflow_status=WorkflowStatus.VALIDATED, approved_at=tz.now(), approved_by=elu, approved_version=1
    )
    preview, _ = preview_of(accompaniment, xlsx_file([["Intitulé", "Thème"], ["Cantine", "Autre"]]))
    assert preview.starts_new_version
    import_file(accompaniment, xlsx_file([["Intitulé", "Thème"], ["Cantine", "Autre"]]), consultant)
    plan.refresh_from_db()
    assert (plan.workflow_status, plan.approved_at) == (WorkflowStatus.DRAFT, None)


def test_the_import_is_recorded_in_the_plan_history(client, accompaniment, commune, consultant):
    import_file(
        accompaniment, xlsx_file([["Intitulé", "Thème"], ["Verger", "Autre"]], name="plan 2024.xlsx"), consultant
    )
    record = ActionPlan.objects.get().history.first()
    assert record.history_user == consultant
    assert record.history_change_reason == ("Import du fichier « plan 2024.xlsx » : 1 créée, 0 modifiée, 0 contact")
    assert Action.history.get().history_change_reason == "Import du fichier « plan 2024.xlsx »"
    client.force_login(consultant)
    page = client.get(reverse("missions:action_plan_history", args=[commune.insee_code])).content.decode()
    assert "Import du fichier « plan 2024.xlsx » : 1 créée, 0 modifiée, 0 contact" in page


def test_a_long_file_name_fits_the_history(accompaniment, consultant):
    name = "plan de la commune " + "très " * 30 + "long.xlsx"
    import_file(accompaniment, xlsx_file([["Intitulé", "Thème"], ["Verger", "Autre"]], name=name), consultant)
    reasons = [
        ActionPlan.objects.get().history.first().history_change_reason,
        Action.history.get().history_change_reason,
    ]
    assert all(
        len(reason) <= 100 and reason.startswith("Import du fichier « plan de la commune très") for reason in reasons
    )
    assert reasons[0].endswith("… » : 1 créée, 0 modifiée, 0 contact")


# The pages ----------------------------------------------------------------------------------------------------


def test_consultant_previews_then_confirms_the_import(client, accompaniment, commune, consultant):
    client.force_login(consultant)
    url = reverse("missions:action_plan_import", args=[commune.insee_code])
    assert client.get(url).status_code == 200
    upload = xlsx_file([["Intitulé", "Thème", "Coût"], ["Verger", "Jardins et vergers", "1 500"]])
    page = client.post(url, {"file": upload})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Aperçu de l'import du fichier « plan.xlsx »" in text and "Confirmer l'import" in text
    assert not Action.objects.exists()
    token = page.context["preview"].sha256
    response = client.post(
        reverse("missions:action_plan_import_confirm", args=[commune.insee_code]), {"apercu": token}
    )
    assert response.status_code == 302 and response.url == reverse("missions:action_plan", args=[commune.insee_code])
    assert Action.objects.get().cost_estimate == Decimal("1500.00")
    # The same confirmation sent again (double click, back button) applies nothing a second time.
    again = client.post(
        reverse("missions:action_plan_import_confirm", args=[commune.insee_code]), {"apercu": token}, follow=True
    )
    assert "L'aperçu de cet import n'est plus disponible" in html.unescape(again.content.decode())
    assert Action.objects.count() == 1


def test_a_bad_file_is_answered_on_the_form_in_french(client, accompaniment, commune, consultant):
    client.force_login(consultant)
    url = reverse("missions:action_plan_import", args=[commune.insee_code])
    page = client.post(url, {"file": SimpleUploadedFile("plan.xlsx", b"not a workbook at all")})
    assert page.status_code == 200
    assert "n'est pas d'un type accepté" in html.unescape(page.content.decode())
    page = client.post(url, {"file": xlsx_file([["Intitulé", "Thème", "Coût"], ["Verger", "Autre", "environ 3000"]])})
    text = html.unescape(page.content.decode())
    assert "Ligne 2, colonne « Coût » : « environ 3000 » n'est pas un montant" in text
    assert "Confirmer l'import" not in text
    assert not ActionPlan.objects.exists()


def test_the_preview_runs_the_same_queries_for_one_row_or_many(client, accompaniment, commune, consultant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(consultant)
    url = reverse("missions:action_plan_import", args=[commune.insee_code])
    counts = []
    for size in (1, 40):
        plan = ActionPlan.objects.filter(accompaniment=accompaniment).first() or ActionPlanFactory(
            accompaniment=accompaniment
        )
        for index in range(size):
            action = ActionFactory(plan=plan, title=f"Existante {size}-{index}")
            FundingSourceFactory(action=action)
            IndicatorValueFactory(indicator=IndicatorFactory(action=action))
            ContactFactory(commune=commune)
        rows = [["Intitulé", "Thème", "Porteur", "Financeur 1", "Montant financeur 1"]]
        rows += [[f"Existante {size}-{index}", "Autre", f"Personne {index}", "Région", "10"] for index in range(size)]
        client.get(url)  # what the layout legitimately keeps between requests is warm
        with CaptureQueriesContext(connection) as captured:
            assert client.post(url, {"file": xlsx_file(rows)}).status_code == 200
        # The dry run kept in the shared cache: with the database cache, its writes are queries too.
        queries = [query["sql"] for query in captured.captured_queries]
        page = [sql for sql in queries if "pat_portal_cache" not in sql and "SAVEPOINT" not in sql]
        counts.append((len(queries), len(page)))
    assert counts[0] == counts[1] and counts[0][1] <= 12, counts


# Who may import ------------------------------------------------------------------------------------------------


def _snapshot():
    return (Action.objects.count(), ActionPlan.objects.count(), Contact.objects.count(), Action.history.count())


def test_an_elu_may_not_import_into_their_plan(client, accompaniment, commune, elu):
    client.force_login(elu)
    before = _snapshot()
    assert client.get(reverse("missions:action_plan_import", args=[commune.insee_code])).status_code == 403
    upload = xlsx_file([["Intitulé", "Thème"], ["Verger", "Autre"]])
    assert (
        client.post(reverse("missions:action_plan_import", args=[commune.insee_code]), {"file": upload}).status_code
        == 403
    )
    confirm = reverse("missions:action_plan_import_confirm", args=[commune.insee_code])
    assert client.post(confirm, {"apercu": "0" * 64}).status_code == 403
    assert _snapshot() == before


def test_an_elu_of_another_commune_gets_not_found(client, accompaniment, commune, elu_other_commune):
    client.force_login(elu_other_commune)
    assert client.get(reverse("missions:action_plan_import", args=[commune.insee_code])).status_code == 404
    assert client.post(reverse("missions:action_plan_import_confirm", args=[commune.insee_code])).status_code == 404
    assert client.get(reverse("missions:action_plan_export", args=[commune.insee_code, "xlsx"])).status_code == 404


def test_anonymous_is_sent_to_the_login_page(client, accompaniment, commune):
    for url in (
        reverse("missions:action_plan_import", args=[commune.insee_code]),
        reverse("missions:action_plan_template", args=["xlsx"]),
        reverse("missions:action_plan_export", args=[commune.insee_code, "csv"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/connexion/")
    response = client.post(reverse("missions:action_plan_import_confirm", args=[commune.insee_code]))
    assert response.status_code == 302 and response.url.startswith("/connexion/")


def test_a_submitted_plan_sends_the_import_page_back_with_the_lock_message(client, accompaniment, commune, consultant):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    ActionPlan.objects.filter(pk=plan.pk).update(workflow_status=WorkflowStatus.SUBMITTED)
    client.force_login(consultant)
    response = client.get(reverse("missions:action_plan_import", args=[commune.insee_code]), follow=True)
    assert "Ce document est soumis à validation : renvoyez-le pour le modifier." in response.content.decode()


def test_the_elu_of_the_commune_exports_the_plan_they_see(client, accompaniment, commune, elu):
    plan = full_plan(accompaniment, commune)
    ActionPlan.objects.filter(pk=plan.pk).update(workflow_status=WorkflowStatus.VALIDATED)
    client.force_login(elu)
    upload = exported(client, commune, "xlsx")
    rows = list(load_workbook(io.BytesIO(upload.read())).active.iter_rows(values_only=True))
    line = next(index for index, row in enumerate(rows) if row[0] == "Intitulé")
    header = list(rows[line])
    assert header[:3] == ["Intitulé", "Thème", "Priorité"]
    assert "Montant financeur 2 (€)" in header and "Indicateur 1 réalisé 2027" in header
    assert rows[line + 1][0] == "Verger partagé"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_empty_template_has_every_column(client, consultant, fmt):
    client.force_login(consultant)
    response = client.get(reverse("missions:action_plan_template", args=[fmt]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        header = content.decode("utf-8-sig").splitlines()[0].split(";")
    else:
        rows = load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
        header = next(row for row in rows if row[0] == "Intitulé")
    year = datetime.date.today().year
    assert header[0] == "Intitulé" and "Financeur 3" in header and f"Indicateur 2 commentaire {year + 2}" in header
