"""XLSX exports open ready to read (title row, frozen styled header, autofilter, widths, French number and date
formats); CSV writes every decimal with a comma."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import DATE_FORMAT, EUROS_FORMAT, spreadsheet_response
from core.french import french_date
from tests.factories_mission1 import ActionFactory, IndicatorFactory, IndicatorValueFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

COLUMNS = {
    "Date": lambda row: row["day"],
    "Désignation": lambda row: row["text"],
    "Montant HT (€)": lambda row: row["amount"],
    "Quantité": lambda row: row["quantity"],
    "Demi-journées": lambda row: row["count"],
}


def rows(count=3):
    return [
        {
            "day": datetime.date(2026, 11, 27),
            "text": "Une désignation assez longue pour élargir sa colonne",
            "amount": Decimal("1234.50"),
            "quantity": Decimal("2.5"),
            "count": 4,
        }
    ] * count


def workbook(response):
    body = b"".join(response.streaming_content)
    # The temporary file, closed without response.close(): that would also close the test's database connection.
    if response.file_to_stream is not None:  # the test client's responses are closed once read
        response.file_to_stream.close()
    return load_workbook(io.BytesIO(body))


def heading_response(count=3):
    return spreadsheet_response(rows(count), COLUMNS, "essai", "xlsx", heading="Essai — exporté le 27 novembre 2026")


def test_xlsx_has_a_title_row_then_a_frozen_styled_header_with_an_autofilter():
    sheet = workbook(heading_response()).active
    assert sheet["A1"].value == "Essai — exporté le 27 novembre 2026"
    assert [cell.value for cell in sheet[2]] == list(COLUMNS)
    assert sheet.freeze_panes == "A3"
    assert all(cell.font.bold for cell in sheet[2])
    assert sheet["A2"].fill.fgColor.rgb.endswith("1D5C3A")
    assert sheet.auto_filter.ref == "A2:E5"


def test_xlsx_columns_have_set_widths_fitting_their_content():
    sheet = workbook(heading_response()).active
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDE"}
    assert all(width and width >= 8 for width in widths.values()), widths
    assert widths["B"] > widths["A"]  # the long text column is wider than the date column


def test_xlsx_dates_and_amounts_are_real_values_with_french_formats():
    sheet = workbook(heading_response()).active
    day, _text, amount, quantity, count = sheet[3]
    assert day.is_date and day.number_format == DATE_FORMAT == "dd/mm/yyyy"
    assert amount.value == Decimal("1234.5") and amount.data_type == "n"
    assert amount.number_format == EUROS_FORMAT == '#,##0.00 "€"'  # shown "1 234,50 €" by a French Excel
    assert quantity.number_format == "#,##0.00" and count.number_format == "0"


def test_xlsx_formats_hold_on_every_row_of_a_long_export():
    sheet = workbook(heading_response(450)).active
    last = list(sheet.iter_rows(min_row=452, max_row=452))[0]
    assert last[0].number_format == DATE_FORMAT and last[2].number_format == EUROS_FORMAT
    assert sheet.auto_filter.ref == "A2:E452"


def test_xlsx_title_names_the_filter_applied_and_the_day(client, gbm_officer):
    OrderLineFactory(order_form=OrderFormFactory(number="BC-2026-001", issued_on=datetime.date(2026, 2, 1)))
    client.force_login(gbm_officer)
    response = client.get(reverse("missions:order_form_export", args=["xlsx"]), {"year": "2026", "status": "emis"})
    title = workbook(response).active["A1"].value
    assert title.startswith("Bons de commande — filtres : ")
    assert "Année = 2026" in title and "Statut = Émis" in title
    assert title.endswith(f"exporté le {french_date(datetime.date.today())}")


def test_xlsx_title_says_when_no_filter_is_applied(client, gbm_officer):
    client.force_login(gbm_officer)
    title = workbook(client.get(reverse("exports:communes", args=["xlsx"]))).active["A1"].value
    assert title.startswith("Communes — sans filtre — exporté le ")


def test_csv_writes_every_decimal_with_a_comma_even_inside_texts(client, gbm_officer):
    indicator = IndicatorFactory(action=ActionFactory(cost_estimate=Decimal("7800.50")))
    IndicatorValueFactory(indicator=indicator, year=2026, target=Decimal("20.00"), actual=Decimal("12.5"))
    client.force_login(gbm_officer)
    body = b"".join(client.get(reverse("exports:actions", args=["csv"])).streaming_content).decode()
    assert "2026 : cible 20,00 / réalisé 12,5" in body
    assert "7800,50" in body
    assert "20.00" not in body and "12.5" not in body and "7800.50" not in body


def test_an_import_template_keeps_its_header_on_the_first_row_frozen():
    sheet = workbook(spreadsheet_response([], COLUMNS, "modele", "xlsx")).active
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert sheet.freeze_panes == "A2"
