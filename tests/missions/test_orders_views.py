"""Order forms as consultants read them: list, detail, PDF, signed scan, exports; roles and query counts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from missions.money.models.orders import OrderForm, OrderLine
from missions.money.models.time import TimeEntry
from missions.money.services import consumption
from tests.factories import CommuneFactory, ProgrammeFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory
from tests.harness import reading
from tests.harness.assertions import assert_redirects_to_login

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_text(content: bytes) -> str:
    """The PDF's text with whitespace (line breaks, no-break spaces) collapsed to single spaces."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


@pytest.fixture
def order_form(db):
    programme = ProgrammeFactory(
        contract_reference="GBM-2025-PAT-ESSAIMAGE", contractor="Terres & Territoires Conseil"
    )
    order_form = OrderFormFactory(
        programme=programme,
        number="BC-2025-007",
        object="Accompagnement de Thise, commune supplémentaire",
        commune=CommuneFactory(insee_code="25560", name="Thise", population=3200),
        issued_on=datetime.date(2025, 3, 10),
    )
    OrderLineFactory(
        order_form=order_form,
        position=1,
        description="Demi-journée de chef de projet",
        quantity=Decimal("12"),
        unit_price=Decimal("255.00"),
    )
    OrderLineFactory(
        order_form=order_form,
        position=2,
        description="Location de salle",
        unit=OrderLine.Unit.FLAT,
        quantity=Decimal("1"),
        unit_price=Decimal("150.00"),
        vat_rate=Decimal("10.00"),
    )
    return order_form


def all_urls(order_form):
    return [
        reverse("missions:order_form_list"),
        reverse("missions:order_form_detail", args=[order_form.pk]),
        reverse("missions:order_form_pdf", args=[order_form.pk]),
        reverse("missions:order_form_scan", args=[order_form.pk]),
        reverse("missions:order_form_budget"),
        reverse("missions:order_form_export", args=["csv"]),
        reverse("missions:order_form_export", args=["xlsx"]),
        reverse("missions:order_line_export", args=["csv"]),
        reverse("missions:order_line_export", args=["xlsx"]),
    ]


# Roles ----------------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_team_reads_list_detail_and_pdf(request, client, order_form, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("missions:order_form_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "BC-2025-007" in content
    assert "3\u202f210,00\u00a0€" in content  # 12 × 255 + 150 excl. VAT
    response = client.get(reverse("missions:order_form_detail", args=[order_form.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Demi-journée de chef de projet" in content
    assert "3\u202f837,00\u00a0€" in content  # 3 060 × 1.2 + 150 × 1.1 incl. VAT
    response = client.get(reverse("missions:order_form_pdf", args=[order_form.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_elus_get_404_everywhere_for_order_forms(client, order_form, elu, elu_other_commune):
    order_form.commune = elu.commune
    order_form.save()
    for user in (elu, elu_other_commune):
        client.force_login(user)
        for url in all_urls(order_form):
            assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_for_order_forms(client, order_form):
    for url in all_urls(order_form):
        assert_redirects_to_login(client.get(url))


@pytest.mark.django_db
def test_consultant_does_not_see_draft_order_forms(client, consultant, gbm_officer):
    draft = OrderFormFactory(draft=True, number="BC-2025-099")
    client.force_login(consultant)
    assert "BC-2025-099" not in client.get(reverse("missions:order_form_list")).content.decode()
    assert client.get(reverse("missions:order_form_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("missions:order_form_pdf", args=[draft.pk])).status_code == 404
    client.force_login(gbm_officer)
    assert client.get(reverse("missions:order_form_detail", args=[draft.pk])).status_code == 200


@pytest.mark.django_db
def test_consultants_cannot_write_order_forms_in_the_admin(client, consultant, order_form):
    """Consultants are not staff: every admin write bounces to the admin login and nothing changes."""
    consultant.is_staff = True  # even a consultant made staff by mistake
    consultant.save()
    client.force_login(consultant)
    change_url = reverse("admin:missions_orderform_change", args=[order_form.pk])
    assert client.get(change_url).status_code in (302, 403)
    response = client.post(change_url, {"object": "Détourné", "new_status": "paye"})
    assert response.status_code in (302, 403)
    response = client.post(reverse("admin:missions_orderform_add"), {"object": "Nouveau", "mission": 1})
    assert response.status_code in (302, 403)
    response = client.post(reverse("admin:missions_orderform_delete", args=[order_form.pk]), {"post": "yes"})
    assert response.status_code in (302, 403)
    order_form.refresh_from_db()
    assert order_form.object == "Accompagnement de Thise, commune supplémentaire"
    assert order_form.status == OrderForm.Status.ISSUED
    assert OrderForm.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_order_form_pages_are_read_only(client, consultant, order_form, method):
    client.force_login(consultant)
    for url in (
        reverse("missions:order_form_list"),
        reverse("missions:order_form_detail", args=[order_form.pk]),
    ):
        response = getattr(client, method)(url, {"status": "paye"})
        assert response.status_code in (403, 405)
    order_form.refresh_from_db()
    assert order_form.status == OrderForm.Status.ISSUED


# PDF ------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_order_form_pdf_has_the_public_procurement_shape(client, consultant, order_form):
    client.force_login(consultant)
    response = client.get(reverse("missions:order_form_pdf", args=[order_form.pk]))
    text = pdf_text(response.content)
    for expected in [
        "Bon de commande n° BC-2025-007",
        "Acheteur",
        "Grand Besançon Métropole",
        "Titulaire du marché",
        "Terres & Territoires Conseil",
        "GBM-2025-PAT-ESSAIMAGE",
        "10 mars 2025",
        "Accompagnement de Thise, commune supplémentaire",
        "Mission 1 : projets alimentaires communaux",
        "Thise (code INSEE 25560)",
        "Demi-journée de chef de projet",
        "Location de salle",
        "Total HT",
        "3 210,00",
        "TVA 20 %",
        "612,00",
        "TVA 10 %",
        "15,00",
        "Total TTC",
        "3 837,00",
        "Pour l'acheteur",
        "Accusé de réception du titulaire",
        "signature et cachet",
    ]:
        assert expected.lower() in text.lower(), expected
    assert "BROUILLON" not in text


@pytest.mark.django_db
def test_draft_pdf_says_it_is_not_binding(client, gbm_officer, order_form):
    order_form.status = OrderForm.Status.DRAFT
    order_form.save()
    client.force_login(gbm_officer)
    text = pdf_text(client.get(reverse("missions:order_form_pdf", args=[order_form.pk])).content)
    assert "BROUILLON" in text
    assert "n'engage pas l'acheteur" in text


# Signed scan ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_signed_scan_is_served_as_attachment_to_the_team_only(client, consultant, elu, order_form):
    order_form.signed_scan.save("scan.pdf", ContentFile(PDF_BYTES))
    client.force_login(consultant)
    response = client.get(reverse("missions:order_form_scan", args=[order_form.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "BC-2025-007-signe.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES  # reading it to the end closes it
    client.force_login(elu)
    assert client.get(reverse("missions:order_form_scan", args=[order_form.pk])).status_code == 404


@pytest.mark.django_db
def test_missing_scan_is_a_404(client, consultant, order_form):
    client.force_login(consultant)
    assert client.get(reverse("missions:order_form_scan", args=[order_form.pk])).status_code == 404


# Filters and exports --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_list_filters_by_status_mission_commune_year_and_search(client, gbm_officer, order_form):
    other = OrderFormFactory(
        number="BC-2024-002", mission=2, status=OrderForm.Status.PAID, issued_on=datetime.date(2024, 11, 5)
    )
    client.force_login(gbm_officer)
    url = reverse("missions:order_form_list")

    def numbers(**params):
        return [item.order_form.number for item in client.get(url, params).context["budgets"]]

    assert numbers(status="paye") == ["BC-2024-002"]
    assert numbers(mission="1") == ["BC-2025-007"]
    assert numbers(commune=order_form.commune_id) == ["BC-2025-007"]
    assert numbers(year="2024") == [other.number]
    assert numbers(q="thise") == ["BC-2025-007"]


@pytest.mark.django_db
def test_order_form_exports_in_csv_and_xlsx(client, consultant, order_form):
    line = order_form.lines.get(position=1)
    TimeEntryFactory(order_line=line, consultant=consultant, half_days=2)
    client.force_login(consultant)
    response = client.get(reverse("missions:order_form_export", args=["csv"]))
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Numéro", "Date", "Objet"]
    assert rows[1][0] == "BC-2025-007"
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Total HT (€)"] == "3210,00"
    assert record["Total TTC (€)"] == "3837,00"
    assert record["Demi-journées consommées"] == "2"
    assert record["Consommé HT (€)"] == "510,00"

    response = client.get(reverse("missions:order_line_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)[1:]  # under the title row
    assert values[0][0] == "Bon de commande"
    assert [row[6] for row in values[1:]] == ["Demi-journée de chef de projet", "Location de salle"]
    assert (
        values[1][values[0].index("Montant HT (€)")] == Decimal("3060.00")
        or values[1][values[0].index("Montant HT (€)")] == 3060
    )


@pytest.mark.django_db
def test_unknown_export_format_is_a_404(client, consultant):
    client.force_login(consultant)
    assert client.get(reverse("missions:order_form_export", args=["pdf"])).status_code == 404


# Query counts -----------------------------------------------------------------------------------------
def many_order_forms(programme, count: int, consultant) -> None:
    order_forms = OrderForm.objects.bulk_create(
        OrderForm(programme=programme, number=f"BC-2026-{index:03d}", object="Bon", mission=1, status="emis")
        for index in range(1, count + 1)
    )
    lines = OrderLine.objects.bulk_create(
        OrderLine(order_form=order_form, description="Demi-journée", quantity=4, unit_price=Decimal("186.00"))
        for order_form in order_forms
    )
    TimeEntry.objects.bulk_create(
        TimeEntry(consultant=consultant, date=datetime.date(2025, 4, 2), half_days=1, order_line=line)
        for line in lines
    )
    consumption.refresh_all()  # a bulk creation sends no signal


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    ["missions:order_form_list", "missions:order_form_export:csv", "missions:order_line_export:xlsx"],
)
def test_list_and_exports_query_counts_are_constant_with_1_and_300_order_forms(
    client, consultant, order_form, url_name, django_assert_max_num_queries
):
    name, _, fmt = url_name.partition(":")[2].partition(":")
    url = reverse(f"missions:{name}", args=[fmt] if fmt else [])
    client.force_login(consultant)

    def fetch():
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
        return response

    with django_assert_max_num_queries(12) as small:
        fetch()
    many_order_forms(order_form.programme, 299, consultant)
    with django_assert_max_num_queries(12) as large:
        fetch()
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
def test_detail_and_pdf_query_counts_are_constant_with_1_and_300_lines(
    client, consultant, django_assert_max_num_queries
):
    order_form = OrderFormFactory()
    OrderLineFactory(order_form=order_form)
    client.force_login(consultant)
    urls = [
        reverse("missions:order_form_detail", args=[order_form.pk]),
        reverse("missions:order_form_pdf", args=[order_form.pk]),
    ]
    small = {}
    for url in urls:
        with django_assert_max_num_queries(12) as captured:
            assert client.get(url).status_code == 200
        small[url] = len(captured.captured_queries)
    lines = OrderLine.objects.bulk_create(
        OrderLine(order_form=order_form, position=index, description=f"Ligne {index}", quantity=1, unit_price=10)
        for index in range(2, 301)
    )
    TimeEntry.objects.bulk_create(
        TimeEntry(consultant=consultant, date=datetime.date(2025, 4, 2), half_days=1, order_line=line)
        for line in lines
    )
    consumption.refresh_all()  # a bulk creation sends no signal
    for url in urls:
        with django_assert_max_num_queries(12) as captured:
            assert client.get(url).status_code == 200
        assert len(captured.captured_queries) == small[url], url


@pytest.mark.django_db
def test_the_list_shows_the_half_days_logged_and_the_objects_as_they_are(client, consultant):
    line = OrderLineFactory(
        order_form=OrderFormFactory(number="BC-2025-041", object="Accompagnement de Chalezeule"), quantity=10
    )
    client.force_login(consultant)
    assert "0 / 10" in reading.page_text(client, "/bons-de-commande/")
    TimeEntryFactory(order_line=line, consultant=consultant, half_days=2)
    assert "2 / 10" in reading.page_text(client, "/bons-de-commande/")
    OrderForm.objects.filter(pk=line.order_form_id).update(object="Accompagnement de Thise")
    page = reading.page_text(client, "/bons-de-commande/")
    assert "Accompagnement de Thise" in page and "Accompagnement de Chalezeule" not in page
    assert "<title>Bons de commande · " in page and page.count('<main id="contenu"') == 1


@pytest.mark.django_db
def test_only_gbms_staff_get_the_link_to_create_an_order_form(client, gbm_officer, consultant, order_form):
    add_link = reverse("admin:missions_orderform_add")
    client.force_login(gbm_officer)
    assert add_link in reading.page_text(client, "/bons-de-commande/")
    client.force_login(consultant)
    assert add_link not in reading.page_text(client, "/bons-de-commande/")
