"""Exports a spreadsheet user can work with (issue 25, point 5) and exports at scale (issue 26, point 4).

- Months are real dates shown mm/aaaa in XLSX, and `aaaa-mm` (sortable as text) in CSV.
- Titles and sheet names keep their accents.
- The meetings, contacts and requests lists link to their exports, with the list's filters.
- An unfiltered export says so and gives everything (the support queue's default status included); a filtered one
  names its filters in the title row and the file name.
- A text starting with a formula trigger is a text cell as typed in XLSX, quoted in CSV.
- Every export's queries do not grow with its rows; exports are reads (a POST is refused), and the roles that may
  not see a list do not get its export.
"""

import csv
import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import MONTH_FORMAT, Month, spreadsheet_response
from missions.support.models import SupportRequest
from tests.factories import ContactFactory
from tests.factories_ateliers import RegistrationFactory
from tests.factories_mission1 import ActionFactory, ActionPlanFactory, MeetingFactory
from tests.factories_orders import TimeEntryFactory
from tests.factories_support import SupportRequestFactory
from tests.harness.exports import EXPORTS, FORMATS, build

pytestmark = pytest.mark.django_db

TRIGGERS = ["=1+1", "+33 6 00", "-5", "@SUM(A1)", "\tTab", "\rRetour"]


def body_of(response) -> bytes:
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if getattr(response, "file_to_stream", None) is not None:  # an XLSX's temporary file, once read
        response.file_to_stream.close()
    return body


def sheet_of(response):
    return load_workbook(io.BytesIO(body_of(response))).active


def csv_rows(response) -> list[list[str]]:
    text = body_of(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_action_months_are_dates_shown_mm_yyyy_in_xlsx_and_sortable_yyyy_mm_in_csv(client, consultant):
    ActionFactory(title="Verger", start_month=datetime.date(2026, 10, 1), end_month=datetime.date(2027, 3, 1))
    client.force_login(consultant)
    sheet = sheet_of(client.get(reverse("exports:actions", args=["xlsx"])))
    header = [cell.value for cell in sheet[2]]
    start, end = sheet[3][header.index("Début")], sheet[3][header.index("Fin")]
    assert start.is_date and start.value == datetime.datetime(2026, 10, 1)
    assert end.is_date and end.value == datetime.datetime(2027, 3, 1)
    assert start.number_format == end.number_format == MONTH_FORMAT == "mm/yyyy"
    rows = csv_rows(client.get(reverse("exports:actions", args=["csv"])))
    assert (rows[1][rows[0].index("Début")], rows[1][rows[0].index("Fin")]) == ("2026-10", "2027-03")


def test_a_month_column_sorts_as_text_in_csv():
    months = [Month(2026, 10, 1), Month(2027, 1, 1), Month(2026, 9, 1)]
    body = body_of(spreadsheet_response(months, {"Mois": lambda month: month}, "essai", "csv")).decode()
    written = body.splitlines()[1:]
    assert written == ["2026-10", "2027-01", "2026-09"]
    assert sorted(written) == ["2026-09", "2026-10", "2027-01"]  # the order of the months themselves
    assert Month.of(datetime.date(2026, 10, 17)) == datetime.date(2026, 10, 1) and Month.of(None) is None


def test_dates_and_amounts_are_typed_cells_in_every_row_of_the_time_export(client, consultant):
    TimeEntryFactory(date=datetime.date(2026, 3, 2), half_days=2, order_line__unit_price=Decimal("650.00"))
    client.force_login(consultant)
    sheet = sheet_of(client.get(reverse("missions:time_export", args=["xlsx"])))
    header = [cell.value for cell in sheet[2]]
    row = sheet[3]
    assert row[header.index("Date")].is_date and row[header.index("Date")].value == datetime.datetime(2026, 3, 2)
    assert row[header.index("Demi-journées")].value == 2 and row[header.index("Demi-journées")].data_type == "n"
    amount = row[header.index("Montant valorisé HT (€)")]
    assert amount.data_type == "n" and amount.value == 1300


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("exports:meetings", "Réunions"),
        ("missions:time_export", "Temps passé"),
        ("exports:support_requests", "Demandes d'accompagnement"),
        ("missions:order_line_export", "Lignes des bons de commande"),
    ],
)
def test_titles_and_sheet_names_keep_their_accents(client, gbm_officer, name, title):
    client.force_login(gbm_officer)
    sheet = sheet_of(client.get(reverse(name, args=["xlsx"])))
    assert sheet["A1"].value.startswith(f"{title} — sans filtre — exporté le ")
    assert sheet.title == title


def test_the_unfiltered_requests_export_says_so_and_gives_every_request(client, consultant):
    SupportRequestFactory(title="Reçue")
    SupportRequestFactory(title="Acceptée", accepted=True)
    SupportRequestFactory(title="Terminée", completed=True)
    client.force_login(consultant)
    queue = client.get(reverse("missions:support_list"))
    assert [request.title for request, _priority in queue.context["rows"]] == ["Reçue"]  # the queue's default
    response = client.get(reverse("exports:support_requests", args=["xlsx"]))
    assert "_sans-filtre_" in response["Content-Disposition"]
    sheet = sheet_of(response)
    assert " — sans filtre — " in sheet["A1"].value
    assert sorted(row[5] for row in sheet.iter_rows(min_row=3, values_only=True)) == ["Acceptée", "Reçue", "Terminée"]
    response = client.get(reverse("exports:support_requests", args=["csv"]))
    assert "_sans-filtre_" in response["Content-Disposition"]
    assert len(csv_rows(response)) == 1 + SupportRequest.objects.count()


def test_a_filtered_requests_export_names_its_filter_in_the_title_and_the_file_name(client, consultant):
    SupportRequestFactory(title="Reçue")
    SupportRequestFactory(title="Acceptée", accepted=True)
    client.force_login(consultant)
    response = client.get(reverse("exports:support_requests", args=["xlsx"]), {"status": "a_traiter"})
    assert "_filtres-statut-a-traiter" in response["Content-Disposition"]
    sheet = sheet_of(response)
    assert "filtres : Statut = À traiter (reçues, en instruction)" in sheet["A1"].value
    assert [row[5] for row in sheet.iter_rows(min_row=3, values_only=True)] == ["Reçue"]


def test_the_queue_links_to_the_export_of_what_it_shows(client, consultant):
    client.force_login(consultant)
    page = client.get(reverse("missions:support_list")).content.decode()
    assert f'href="{reverse("exports:support_requests", args=["csv"])}?status=a_traiter"' in page
    page = client.get(reverse("missions:support_list"), {"status": "toutes", "kind": "verger", "page": "1"})
    html = page.content.decode()
    assert f'href="{reverse("exports:support_requests", args=["xlsx"])}?status=toutes&amp;kind=verger"' in html


@pytest.mark.parametrize(
    ("list_name", "export_name", "query"),
    [
        ("missions:meeting_list", "exports:meetings", {"kind": "elus"}),
        ("communes:contact_list", "exports:contacts", {"category": "elu"}),
    ],
)
def test_meetings_and_contacts_lists_link_to_their_exports_with_their_filters(
    client, gbm_officer, list_name, export_name, query
):
    client.force_login(gbm_officer)
    html = client.get(reverse(list_name), query).content.decode()
    key, value = next(iter(query.items()))
    for fmt in FORMATS:
        assert f'href="{reverse(export_name, args=[fmt])}?{key}={value}"' in html
    html = client.get(reverse(list_name)).content.decode()
    assert f'href="{reverse(export_name, args=["csv"])}"' in html


def test_elus_see_no_link_to_the_meetings_export(client, elu):
    client.force_login(elu)
    response = client.get(reverse("missions:meeting_list"))
    assert response.status_code == 200
    assert reverse("exports:meetings", args=["csv"]) not in response.content.decode()


@pytest.mark.parametrize("text", TRIGGERS)
def test_a_formula_like_text_is_a_text_cell_as_typed_in_xlsx_and_quoted_in_csv(text):
    columns = {"Texte": lambda row: row}
    sheet = load_workbook(io.BytesIO(body_of(spreadsheet_response([text], columns, "essai", "xlsx")))).active
    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value == text.replace("\r", "\n")  # a carriage return is a line break in a cell
    assert not cell.value.startswith("'")
    line = body_of(spreadsheet_response([text], columns, "essai", "csv")).decode().split("\r\n")[1]
    assert line.lstrip('"').startswith("'" + text[:1])


def _grow(data: dict) -> None:
    """More rows in every export, the per-commune and per-workshop ones included."""
    from core.models import User

    build(User.objects.get(username="gbm"))
    workshop_id = data["workshop"]
    plan = ActionPlanFactory._meta.model.objects.get(accompaniment__commune__insee_code=data["insee"])
    for _ in range(2):
        RegistrationFactory(workshop_id=workshop_id, present=True, consenting=True)
        ActionFactory(plan=plan)
        MeetingFactory()
        ContactFactory(consenting=True)
        SupportRequestFactory(accepted=True)


def test_no_export_makes_more_queries_with_more_rows(client, gbm_officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    data = build(gbm_officer)
    client.force_login(gbm_officer)

    def counts():
        result = {}
        for name, fmt in itertools.product(EXPORTS, FORMATS):
            kwargs = EXPORTS[name][0]
            url = reverse(name, kwargs={key: data[value] for key, value in kwargs.items()} | {"fmt": fmt})
            with CaptureQueriesContext(connection) as queries:
                body_of(client.get(url))
            result[name, fmt] = len(queries)
        return result

    small = counts()
    _grow(data)
    large = counts()
    grown = {key: (small[key], large[key]) for key in small if large[key] != small[key]}
    assert grown == {}, grown


# The team's lists (the blank import templates, headers only, are not lists).
TEAM_EXPORTS = [name for name, (kwargs, _invalid, _label) in EXPORTS.items() if not kwargs and "template" not in name]


@pytest.mark.parametrize("name", TEAM_EXPORTS)
def test_exports_of_the_team_lists_are_refused_to_elus_and_anonymous_and_to_a_post(client, elu, consultant, name):
    url = reverse(name, args=["csv"])
    client.force_login(elu)
    # Money (order forms, time) is hidden from élus altogether (404), as its pages are; the other lists say 403.
    assert client.get(url).status_code == (404 if name.startswith("missions:") else 403)
    client.force_login(consultant)
    assert client.post(url).status_code == 405  # an export is a read
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/connexion/")


def test_a_plan_export_of_another_commune_is_a_404_for_an_elu(client, elu, other_commune):
    ActionFactory(plan=ActionPlanFactory(accompaniment__commune=other_commune))
    client.force_login(elu)
    for name in ("missions:action_plan_export", "missions:diagnostic_export"):
        assert client.get(reverse(name, args=[other_commune.insee_code, "csv"])).status_code == 404


def test_a_workshop_contact_list_is_refused_to_an_elu_whose_commune_did_not_take_part(client, elu, other_commune):
    registration = RegistrationFactory(commune=other_commune, present=True, consenting=True)
    client.force_login(elu)
    url = reverse("ateliers:contacts_export", args=[registration.workshop_id, "csv"])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url).status_code == 405
