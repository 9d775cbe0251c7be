"""The one export mechanism: every CSV and XLSX export of the portal, checked together.

- Formula injection (issue 15, item 1): text planted in every text field that reaches an export comes out
  quoted in CSV; in XLSX it is a text cell, as typed (issue 25: no visible quote), and no cell is a formula;
  numbers stay numbers.
- Control characters (item 4): a vertical tab in meeting minutes or a support request never makes an export fail.
- Invalid filters (issue 14): every export answers a filter its list's form refuses with 400 and the French error.
- Years out of range on the order forms (item 12): a French error on the list, 400 on the exports.
"""

import csv
import datetime
import io
import itertools
import re
from decimal import Decimal

import pytest
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from ateliers.models import Registration, Workshop
from communes.models import Commune, Contact
from core.exports import safe_text, spreadsheet_response, unquoted_text
from core.models import User
from missions.mission1.models.action_plans import Action, FundingSource, Indicator
from missions.mission1.models.diagnostics import ActionLead, SharedFinding, Stake
from missions.mission1.models.meetings import Meeting
from missions.money.models.orders import OrderForm, OrderLine
from missions.money.models.time import TimeEntry
from missions.support.models import SupportRequest
from tests.factories import CommuneFactory, ProgrammeFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
)
from tests.factories_orders import OrderFormFactory
from tests.harness.exports import EXPORTS, FORMATS, build

pytestmark = pytest.mark.django_db

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = ['=HYPERLINK("http://x"&A2,"Cliquez")', "+1", "-2+3", "@SUM(A1)", "\tX", "\rX"]
CONTROL_TEXTS = ["avant\x0bapres", "page\x0c\x0bsuivante", "\x01\x0b\x1fdebut", "fin\x08\x0b"]
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
CSV_NUMBER = re.compile(r"^-?\d+(,\d+)?$")

# Exports of no row, whose cells are the column headers only: no planted text can reach them.
BLANK_TEMPLATES = {"missions:action_plan_template", "missions:diagnostic_template", "communes:contact_template"}
# Every model whose text reaches an export; fields that are not free text people type are left alone.
PLANTED_MODELS = [
    Commune,
    Contact,
    User,
    Meeting,
    Action,
    FundingSource,
    Indicator,
    Stake,
    SharedFinding,
    ActionLead,
    SupportRequest,
    OrderForm,
    OrderLine,
    TimeEntry,
    Workshop,
    Registration,
]
# What the downloads ask for: the meetings' internal notes (GBM's column), every support request (not only the queue's).
QUERIES = {"exports:meetings": {"notes_internes": "1"}, "exports:support_requests": {"status": "toutes"}}
NOT_PLANTED = {"insee_code", "username", "password", "calendar_token", "reference"}


def export_url_names() -> set[str]:
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(
                    pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                )
            elif isinstance(pattern, URLPattern) and ":fmt>" in str(pattern.pattern):
                yield f"{namespace}{pattern.name}"

    return set(walk(get_resolver().url_patterns))


def plant(texts: list[str]) -> None:
    """Write `texts`, in turn, into every free-text field of every row of the models that reach an export."""
    cycle = itertools.cycle(texts)
    for model in PLANTED_MODELS:
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
            and not field.choices
            and field.name not in NOT_PLANTED
            and (field.max_length is None or field.max_length >= 8)
        ]
        for pk in model.objects.values_list("pk", flat=True):
            values = {}
            for field in fields:
                text = next(cycle) + (f" {pk}-{field.name}" if field.unique else "")
                values[field.name] = text[: field.max_length] if field.max_length else text
            model.objects.filter(pk=pk).update(**values)


def download(client, name: str, fmt: str, data: dict, query: dict | None = None):
    kwargs, _invalid, _label = EXPORTS[name]
    url = reverse(name, kwargs={key: data[value] for key, value in kwargs.items()} | {"fmt": fmt})
    response = client.get(url, query if query is not None else QUERIES.get(name, {}))
    assert response.status_code == 200, f"{url}: {response.status_code}"
    # Lists are streamed; a blank import template, a few rows, is answered at once.
    return b"".join(response.streaming_content) if response.streaming else response.content


def cells(body: bytes, fmt: str) -> list[tuple[object, str | None]]:
    """Every cell of a download: its value and, for XLSX, openpyxl's data type ("f" is a formula)."""
    if fmt == "csv":
        text = body.decode("utf-8")
        assert text.startswith("\ufeff")
        return [(value, None) for row in csv.reader(io.StringIO(text[1:]), delimiter=";") for value in row]
    sheet = load_workbook(io.BytesIO(body)).active
    return [(cell.value, cell.data_type) for row in sheet.iter_rows() for cell in row]


def test_every_export_is_checked_here():
    missing = sorted(export_url_names() - set(EXPORTS))
    assert missing == [], f"Add these exports to EXPORTS (and write them with core.exports): {missing}"
    assert set(EXPORTS) <= export_url_names()


def test_no_export_cell_is_a_formula_and_every_formula_trigger_is_quoted_in_csv_kept_as_text_in_xlsx(
    client, gbm_officer
):
    data = build(gbm_officer)
    plant(FORMULAS)
    client.force_login(gbm_officer)
    reached = {fmt: set() for fmt in FORMATS}
    for name, fmt in itertools.product(EXPORTS, FORMATS):
        found = cells(download(client, name, fmt, data), fmt)
        assert not [value for value, data_type in found if data_type == "f"], f"{name} {fmt}: a formula cell"
        texts = [value for value, _ in found if isinstance(value, str)]
        if fmt == "csv":
            unsafe = [text for text in texts if text.startswith(FORMULA_TRIGGERS) and not CSV_NUMBER.match(text)]
            assert unsafe == [], f"{name} csv: cells a spreadsheet would run: {unsafe}"
            planted = {text for text in texts if text.startswith("'")}
        else:
            # A text cell never runs: the planted text is there as typed, with no quote in front.
            assert all(data_type == "s" for value, data_type in found if isinstance(value, str)), name
            assert not [text for text in texts if text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS], name
            # (a carriage return is written as a line break, as in any cell typed on several lines)
            planted = {text for text in texts if text.startswith((*FORMULA_TRIGGERS, "\n"))}
        assert planted or name in BLANK_TEMPLATES, f"{name} {fmt}: no planted text reached this export"
        reached[fmt] |= planted
    for formula in FORMULAS:
        for fmt, expected in (("csv", "'" + formula.replace("\r", "")), ("xlsx", formula.replace("\r", ""))):
            texts = {text.replace("\r", "").replace("\n", "") for text in reached[fmt]}
            assert any(text.startswith(expected) for text in texts), (fmt, formula)


def test_control_characters_never_break_an_export(client, gbm_officer):
    data = build(gbm_officer)
    plant(CONTROL_TEXTS)
    meeting, support_request = Meeting.objects.get(), SupportRequest.objects.get()
    assert all("\x0b" in text for text in (meeting.minutes, meeting.title, meeting.place, support_request.title))
    client.force_login(gbm_officer)
    for name, fmt in itertools.product(EXPORTS, FORMATS):
        texts = [value for value, _ in cells(download(client, name, fmt, data), fmt) if isinstance(value, str)]
        assert not [text for text in texts if CONTROL.search(text)], f"{name} {fmt}: a control character was kept"
        if name not in BLANK_TEMPLATES:
            assert {"avantapres", "pagesuivante", "debut", "fin"} & {text.split(" ")[0] for text in texts}, name


@pytest.mark.parametrize("name", [name for name, (_kwargs, invalid, _label) in EXPORTS.items() if invalid])
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_invalid_filter_is_refused_with_a_french_error_by_every_export(client, gbm_officer, name, fmt):
    data = build(gbm_officer)
    kwargs, invalid, label = EXPORTS[name]
    client.force_login(gbm_officer)
    url = reverse(name, kwargs={key: data[value] for key, value in kwargs.items()} | {"fmt": fmt})
    response = client.get(url, invalid)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Export impossible" in page
    assert f"<li>{label} : " in page


def test_the_workshop_contact_list_has_no_filter_to_refuse(client, gbm_officer):
    data = build(gbm_officer)
    client.force_login(gbm_officer)
    body = download(client, "ateliers:contacts_export", "csv", data, {"population": "beaucoup"})
    assert "Maraîchère" in body.decode()


def test_invalid_filter_page_links_back_only_to_the_portal(client, gbm_officer):
    client.force_login(gbm_officer)
    url = reverse("exports:actions", kwargs={"fmt": "csv"})
    response = client.get(url, {"theme": "x"}, HTTP_REFERER="http://testserver/actions/?theme=x")
    assert 'href="http://testserver/actions/?theme=x"' in response.content.decode()
    response = client.get(url, {"theme": "x"}, HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in response.content.decode()


def test_a_valid_filter_still_narrows_every_filtered_export(client, gbm_officer):
    CommuneFactory(name="Petite", population=300)
    CommuneFactory(name="Grande", population=120000)
    client.force_login(gbm_officer)
    response = client.get(reverse("exports:communes", kwargs={"fmt": "csv"}), {"population": "lt1000"})
    names = [value for value, _ in cells(b"".join(response.streaming_content), "csv")]
    assert "Petite" in names and "Grande" not in names


@pytest.mark.parametrize("year", ["0", "10000", "-5", "99999999999999999999", "2026.5", "deux mille"])
def test_an_order_form_year_out_of_range_is_a_french_error_on_the_list_and_refused_by_the_exports(
    client, consultant, year
):
    OrderFormFactory(issued_on=datetime.date(2026, 3, 2))
    client.force_login(consultant)
    response = client.get(reverse("missions:order_form_list"), {"year": year})
    assert response.status_code == 200
    errors = response.context["filter"].form.errors["year"]
    assert errors and all("Assurez-vous" in error or "Saisissez un nombre entier" in error for error in errors), errors
    assert f'value="{year}"' in response.content.decode()
    assert response.context["budgets"] == []
    for name, fmt in itertools.product(["missions:order_form_export", "missions:order_line_export"], FORMATS):
        response = client.get(reverse(name, kwargs={"fmt": fmt}), {"year": year})
        assert response.status_code == 400, (name, fmt)
        assert "<li>Année : " in response.content.decode()


def test_an_order_form_year_in_range_filters_the_list_and_the_exports(client, consultant):
    OrderFormFactory(number="BC-2026-001", issued_on=datetime.date(2026, 3, 2), with_lines=True)
    OrderFormFactory(number="BC-2025-001", issued_on=datetime.date(2025, 3, 2), with_lines=True)
    client.force_login(consultant)
    response = client.get(reverse("missions:order_form_list"), {"year": "2026"})
    assert [item.order_form.number for item in response.context["budgets"]] == ["BC-2026-001"]
    for name in ("missions:order_form_export", "missions:order_line_export"):
        body = b"".join(client.get(reverse(name, kwargs={"fmt": "csv"}), {"year": "2026"}).streaming_content)
        assert "BC-2026-001" in body.decode() and "BC-2025-001" not in body.decode()


def test_numbers_stay_numbers_and_text_that_looks_like_one_is_a_text_cell_in_xlsx_quoted_in_csv():
    columns = {
        "Montant": lambda row: row["amount"],
        "Nombre": lambda row: row["count"],
        "Texte": lambda row: row["text"],
    }
    rows = [{"amount": Decimal("-5.50"), "count": -2, "text": "-5"}]
    response = spreadsheet_response(rows, columns, "essai", "xlsx")
    body = b"".join(response.streaming_content)
    response.close()
    sheet = load_workbook(io.BytesIO(body)).active
    assert [cell.value for cell in sheet[2]] == [Decimal("-5.5"), -2, "-5"]
    assert [cell.data_type for cell in sheet[2]] == ["n", "n", "s"]
    response = spreadsheet_response(rows, columns, "essai", "csv")
    assert b"".join(response.streaming_content).decode().splitlines()[1] == "-5,50;-2;'-5"


def test_a_long_csv_is_streamed_in_chunks_of_whole_lines_and_an_empty_one_is_its_header():
    columns = {"Numéro": lambda number: number, "Texte": lambda number: f"=ligne {number}"}
    chunks = list(spreadsheet_response(range(1201), columns, "essai", "csv").streaming_content)
    assert len(chunks) == 3  # 500 lines at a time: a write to the client per chunk, not per line
    assert all(chunk.endswith(b"\r\n") for chunk in chunks)
    lines = b"".join(chunks).decode().splitlines()
    assert lines[:2] == ["\ufeffNuméro;Texte", "0;'=ligne 0"]
    assert len(lines) == 1202 and lines[-1] == "1200;'=ligne 1200"
    assert b"".join(spreadsheet_response([], columns, "essai", "csv").streaming_content).decode() == (
        "\ufeffNuméro;Texte\r\n"
    )


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("Compte\x0brendu", "Compterendu"),
        ("\x0b=1", "'=1"),
        ("ligne 1\nligne 2\tfin", "ligne 1\nligne 2\tfin"),
        ("d'Amagney", "d'Amagney"),
        ("", ""),
    ],
)
def test_safe_text_quotes_formulas_and_drops_control_characters(text, safe):
    assert safe_text(text) == safe


@pytest.mark.parametrize("text", [*FORMULAS, "- une puce", "'citation'", "d'Amagney", "'", ""])
def test_an_export_read_back_gives_the_text_written(text):
    assert unquoted_text(safe_text(text)) == text


def test_the_public_support_form_drops_control_characters(client, commune):
    from django.core.cache import cache

    cache.clear()
    ProgrammeFactory()
    data = {
        "requester_kind": SupportRequest.RequesterKind.ASSOCIATION,
        "organisation": "Les Croqueurs\x0b de pommes",
        "contact_name": "Hélène\x0c Jacquot",
        "email": "helene@example.org",
        "phone": "06 00 00 00 00",
        "commune": commune.pk,
        "title": "Verger\x0b conservatoire",
        "kind": SupportRequest.Kind.ORCHARD,
        "description": "Planter 30 arbres\x1f fruitiers.\nSur un terrain communal.",
        "help_wanted": "Partenaires\x0b.",
        "already_under_way": "0",
        "verification": "",
    }
    assert client.post("/demandes/nouvelle/", data).status_code == 302
    request = SupportRequest.objects.get()
    assert (request.organisation, request.contact_name, request.title) == (
        "Les Croqueurs de pommes",
        "Hélène Jacquot",
        "Verger conservatoire",
    )
    assert request.description == "Planter 30 arbres fruitiers.\nSur un terrain communal."


def test_the_meeting_form_drops_control_characters(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    client.force_login(consultant)
    data = {
        "starts_at": "2025-03-04T18:30",
        "kind": "elus",
        "title": "Point\x0b d'étape",
        "place": "Mairie\x0c",
        "accompaniment": accompaniment.pk,
        "count_elus": 2,
        "count_residents": 0,
        "count_associations": 1,
        "count_farmers": 0,
        "count_others": 0,
        "minutes": "On avance.\x0b\nSuite au prochain épisode.",
        "time_spent_half_days": "1",
    }
    assert client.post(reverse("missions:meeting_create"), data).status_code == 302
    meeting = Meeting.objects.get()
    assert (meeting.title, meeting.place, meeting.minutes) == (
        "Point d'étape",
        "Mairie",
        "On avance.\nSuite au prochain épisode.",
    )
