"""Importing the contact directory (issue 25): an address-book export (CSV with "," and Windows-1252), XLSX or ODS;
a preview, then the confirmation; duplicates (same e-mail, or same name in the same commune) shown and never
imported twice; the consent left unset; the commune from an INSEE code or a name; GBM and consultants only."""

import html
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from communes.contact_import import CONTACT_COLUMNS, SHEET_NAMES, compare_contacts, preview_contact_import
from communes.models import Contact
from core.spreadsheets.reading import parse_table, read_upload
from tests.factories import CommuneFactory, ContactFactory

pytestmark = pytest.mark.django_db

ADDRESS_BOOK = (
    "Prénom,Nom,Adresse de messagerie,Téléphone mobile,Société,Titre/Fonction,Ville,Consentement\r\n"
    "Hélène,Lefèvre,helene.lefevre@example.org,06 12 34 56 78,Mairie d'Amagney,Secrétaire,AMAGNEY,oui\r\n"
    "Jean-Paul,Côte,,03 81 00 00 01,GAEC du Plateau,Gérant,St-Vit,\r\n"
    "Agnès,Roy,agnes.roy@example.org,,,,25200,\r\n"
)


def upload(text: str, name: str = "contacts.csv", encoding: str = "cp1252") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def preview(file):
    table = read_upload(file, CONTACT_COLUMNS, sheet_names=SHEET_NAMES)
    return preview_contact_import(parsed=parse_table(table, CONTACT_COLUMNS))


@pytest.fixture
def communes(commune, other_commune):
    return {
        "amagney": commune,
        "devecey": other_commune,
        "saint_vit": CommuneFactory(insee_code="25527", name="Saint-Vit"),
    }


def confirm(client, file):
    response = client.post(reverse("communes:contact_import"), {"file": file})
    assert response.status_code == 200
    page = response.content.decode()
    token = page.split('name="apercu" value="', 1)[1].split('"', 1)[0]
    lines = [chunk.split('"', 1)[0] for chunk in page.split('name="lignes" value="')[1:]]
    return client.post(reverse("communes:contact_import_confirm"), {"apercu": token, "lignes": lines})


def test_an_address_book_export_is_previewed_then_imported_with_consent_unset(client, consultant, communes):
    client.force_login(consultant)
    response = client.post(reverse("communes:contact_import"), {"file": upload(ADDRESS_BOOK)})
    page = response.content.decode()
    assert "3 contacts à créer et 0 doublon laissé de côté" in page
    assert "Commune : Saint-Vit" in page and "Commune : Devecey" in page
    assert not Contact.objects.exists()  # the preview writes nothing

    response = confirm(client, upload(ADDRESS_BOOK))
    assert response.status_code == 302 and response.url == reverse("communes:contact_list")
    helene = Contact.objects.get(last_name="Lefèvre")
    assert (helene.first_name, helene.email, helene.phone) == (
        "Hélène",
        "helene.lefevre@example.org",
        "06 12 34 56 78",
    )
    assert (helene.organisation, helene.role_title, helene.commune) == (
        "Mairie d'Amagney",
        "Secrétaire",
        communes["amagney"],
    )
    assert Contact.objects.get(last_name="Côte").commune == communes["saint_vit"]
    assert Contact.objects.get(last_name="Roy").commune == communes["devecey"]
    # The file's « Consentement : oui » is never read: consent stays unset, and the note says so.
    assert not Contact.objects.filter(consent_to_share=True).exists()
    assert not Contact.objects.exclude(consent_date=None).exists()
    assert "Consentement au partage des coordonnées non recueilli" in helene.notes
    assert helene.history.first().history_user == consultant


def test_duplicates_are_shown_and_not_imported_twice(client, consultant, communes):
    ContactFactory(first_name="Helene", last_name="LEFEVRE", email="", commune=communes["amagney"])
    ContactFactory(first_name="Autre", last_name="Nom", email="agnes.roy@example.org", commune=None)
    text = ADDRESS_BOOK + "Jean Paul,Cote,,,,,Saint Vit,\r\n"
    result, stored = preview(upload(text))
    assert [row.operation for row in result.rows] == ["duplicate", "create", "duplicate", "duplicate"]
    assert result.rows[0].duplicate_of == "Déjà dans l'annuaire : Helene LEFEVRE (même nom, même commune)"
    assert result.rows[2].duplicate_of == "Déjà dans l'annuaire : Autre Nom (même e-mail)"
    assert result.rows[3].duplicate_of == "Même personne que la ligne 3"
    assert result.summary() == "1 contact à créer et 3 doublons laissés de côté"

    client.force_login(consultant)
    confirm(client, upload(text))
    assert Contact.objects.count() == 3
    again = client.post(reverse("communes:contact_import"), {"file": upload(text)}).content.decode()
    assert "0 contact à créer et 4 doublons laissés de côté" in again  # the same file again creates nobody
    assert 'name="apercu"' not in again


def test_every_error_is_listed_at_once_with_its_line_and_column(communes):
    text = (
        "Nom;Prénom;E-mail;Code INSEE;Commune\n"
        ";Sans;;;\n"
        "Durand;Léa;lea@@example;;Besançon-les-Bains\n"
        "Martin;Paul;;25014;Devecey\n"
    )
    result, stored = preview(upload(text, encoding="utf-8"))
    assert stored is None and not result.can_confirm
    assert result.errors == [
        "ligne 2, colonne « Nom » : nom manquant : chaque ligne est une personne",
        "ligne 3, colonne « E-mail » : « lea@@example » n'est pas une adresse e-mail",
        "ligne 3, colonne « Commune » : « Besançon-les-Bains » n'est pas une commune de Grand Besançon Métropole",
        "ligne 4 : le code INSEE (25014, Amagney) et la commune « Devecey » ne désignent pas la même commune",
    ]


def test_an_xlsx_or_ods_list_is_read_too(communes):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Nom", "Prénom", "Code INSEE", "Téléphone"])
    workbook.active.append(["Roy", "Agnès", 25200, 381000000])  # numbers as a spreadsheet holds them
    handle = io.BytesIO()
    workbook.save(handle)
    result, stored = preview(SimpleUploadedFile("contacts.xlsx", handle.getvalue()))
    assert stored is not None, result.errors
    assert result.rows[0].commune == communes["devecey"]
    assert result.rows[0].values["phone"] == "0381000000"


def test_the_preview_reads_the_directory_in_a_fixed_number_of_queries(communes):
    def stored(rows):
        return {"filename": "c.csv", "sha256": "0" * 64, "errors": [], "rows": rows}

    one = [{"line": 2, "fields": {"last_name": "Roy"}, "commune": communes["devecey"].pk}]
    many = [{"line": n, "fields": {"last_name": f"Roy{n}"}, "commune": communes["devecey"].pk} for n in range(2, 60)]
    ContactFactory.create_batch(5, commune=communes["amagney"])
    with CaptureQueriesContext(connection) as few:
        compare_contacts(stored(one))
    with CaptureQueriesContext(connection) as lots:
        compare_contacts(stored(many))
    assert len(lots.captured_queries) == len(few.captured_queries) <= 2


def test_the_template_has_an_example_row_lists_and_a_readme(client, consultant):
    client.force_login(consultant)
    response = client.get(reverse("communes:contact_template", args=["xlsx"]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Contacts", "Listes", "Lisez-moi"]
    sheet = workbook["Contacts"]
    assert [cell.value for cell in sheet[1]][:3] == ["Nom", "Prénom", "E-mail"]
    assert sheet["A2"].value == "Exemple"
    assert [validation.sqref for validation in sheet.data_validations.dataValidation] != []
    assert "consentement au partage des coordonnées" in " ".join(
        str(cell.value) for row in workbook["Lisez-moi"].iter_rows() for cell in row
    )


@pytest.mark.parametrize("role", ["elu", "anonymous"])
def test_who_may_not_import_is_refused_and_nothing_changes(client, role, elu, communes):
    if role == "elu":
        client.force_login(elu)
    responses = [
        client.get(reverse("communes:contact_import")),
        client.post(reverse("communes:contact_import"), {"file": upload(ADDRESS_BOOK)}),
        client.post(reverse("communes:contact_import_confirm"), {"apercu": "0" * 64, "lignes": ["2"]}),
        client.get(reverse("communes:contact_template", args=["xlsx"])),
    ]
    expected = 403 if role == "elu" else 302
    assert [response.status_code for response in responses] == [expected] * 4
    assert not Contact.objects.exists()


def test_a_gbm_officer_imports_and_the_contacts_list_links_the_import(client, gbm_officer, communes):
    client.force_login(gbm_officer)
    page = client.get(reverse("communes:contact_list")).content.decode()
    assert reverse("communes:contact_import") in page
    confirm(client, upload(ADDRESS_BOOK))
    assert Contact.objects.count() == 3


def test_a_stale_preview_is_refused_in_french(client, consultant, communes):
    client.force_login(consultant)
    response = client.post(reverse("communes:contact_import_confirm"), {"apercu": "f" * 64}, follow=True)
    assert "L'aperçu de cet import n'est plus disponible" in html.unescape(response.content.decode())
    assert not Contact.objects.exists()


@pytest.mark.parametrize("name", ["contacts-calc.xlsx", "contacts-calc.ods", "contacts-calc.csv"])
def test_a_contact_list_saved_by_calc_imports_without_an_error(communes, name):
    """tests/fixtures/imports: the template filled, saved by LibreOffice Calc (the CSV with ',' and Windows-1252)."""
    content = (Path(__file__).resolve().parent.parent / "fixtures" / "imports" / name).read_bytes()
    result, stored = preview(SimpleUploadedFile(name, content))
    assert result.errors == [] and stored is not None
    assert [(row.title, row.commune, row.operation) for row in result.rows] == [
        ("Hélène Lefèvre", communes["amagney"], "create"),
        ("Jean-Paul Côte", communes["devecey"], "create"),
    ]
    assert result.rows[1].values["category"] == Contact.Category.AGRICULTEUR
