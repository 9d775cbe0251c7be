"""Order forms are written in the Django admin by GBM officers: lines, number, statuses, concurrency, scan."""

import datetime
import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from missions.money.models.orders import OrderForm, OrderFormStatusChange, OrderLine
from tests.factories import CommuneFactory, ProgrammeFactory, UserFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def officer(db):
    return UserFactory(username="claire", gbm=True, is_superuser=False)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", gbm=True, is_superuser=True)


def form_data(order_form=None, *, lines=(), **overrides) -> dict:
    """The POST of the admin change form: the order form's fields, then its inline lines."""
    data = {
        "programme": order_form.programme_id if order_form else "",
        "number": order_form.number if order_form else "",
        "issued_on": (order_form.issued_on if order_form else datetime.date(2025, 3, 10)).isoformat(),
        "object": order_form.object if order_form else "Accompagnement de Thise",
        "mission": order_form.mission if order_form else 1,
        "commune": (order_form.commune_id or "") if order_form else "",
        "lock_version": order_form.lock_version if order_form else "",
        "new_status": order_form.status if order_form else OrderForm.Status.DRAFT,
        "status_reason": "",
        "notes": "",
    }
    existing = list(order_form.lines.all()) if order_form else []
    rows = [
        {
            "id": line.pk,
            "order_form": order_form.pk,
            "position": line.position,
            "description": line.description,
            "unit": line.unit,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "vat_rate": line.vat_rate,
        }
        for line in existing
    ] + [{"id": "", "order_form": order_form.pk if order_form else "", **line} for line in lines]
    data.update(
        {
            "lines-TOTAL_FORMS": len(rows),
            "lines-INITIAL_FORMS": len(existing),
            "lines-MIN_NUM_FORMS": 0,
            "lines-MAX_NUM_FORMS": 1000,
        }
    )
    for index, row in enumerate(rows):
        data.update({f"lines-{index}-{key}": value for key, value in row.items()})
    data.update(overrides)
    return data


HALF_DAYS_LINE = {
    "position": 1,
    "description": "Demi-journée de chef de projet",
    "unit": "demi_journee",
    "quantity": "12",
    "unit_price": "255.00",
    "vat_rate": "20.00",
}


def add_url():
    return reverse("admin:missions_orderform_add")


def change_url(order_form):
    return reverse("admin:missions_orderform_change", args=[order_form.pk])


# Creating -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_add_page_proposes_the_next_number_of_the_current_programme(client, officer):
    programme = ProgrammeFactory()
    OrderFormFactory(programme=programme, number=f"BC-{timezone.localdate().year}-006")
    client.force_login(officer)
    response = client.get(add_url())
    assert response.status_code == 200
    assert f'value="BC-{timezone.localdate().year}-007"' in html.unescape(response.content.decode())


@pytest.mark.django_db
def test_gbm_issues_an_order_form_with_lines_and_the_number_is_given_when_left_empty(client, officer):
    programme = ProgrammeFactory()
    commune = CommuneFactory(name="Thise", insee_code="25560")
    client.force_login(officer)
    flat = {**HALF_DAYS_LINE, "position": 2, "description": "Location de salle", "unit": "forfait", "quantity": "1"}
    flat.update(unit_price="150.00", vat_rate="10.00")
    data = form_data(lines=[HALF_DAYS_LINE, flat], programme=programme.pk, commune=commune.pk, new_status="emis")
    response = client.post(add_url(), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    order_form = OrderForm.objects.get()
    assert order_form.number == "BC-2025-001"
    assert order_form.status == OrderForm.Status.ISSUED
    assert order_form.commune == commune
    assert order_form.total_excl_vat == Decimal("3210.00")
    assert order_form.total_incl_vat == Decimal("3837.00")
    change = OrderFormStatusChange.objects.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("brouillon", "emis", officer)
    assert order_form.history.first().history_user == officer


@pytest.mark.django_db
def test_an_order_form_cannot_be_issued_without_lines(client, officer):
    programme = ProgrammeFactory()
    client.force_login(officer)
    response = client.post(add_url(), form_data(programme=programme.pk, new_status="emis"))
    assert response.status_code == 200
    assert "Un bon de commande émis doit comporter au moins une ligne." in html.unescape(response.content.decode())
    assert not OrderForm.objects.exists()


@pytest.mark.django_db
def test_bad_line_input_gives_french_errors_and_keeps_the_input(client, officer):
    programme = ProgrammeFactory()
    client.force_login(officer)
    bad = {**HALF_DAYS_LINE, "quantity": "-2", "unit_price": "abc", "vat_rate": "19.60"}
    response = client.post(add_url(), form_data(lines=[bad], programme=programme.pk, object="Objet conservé"))
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert "La quantité doit être positive." in content
    assert "Saisissez un nombre." in content
    assert "Sélectionnez un choix valide" in content
    assert "Objet conservé" in content
    assert not OrderForm.objects.exists()


@pytest.mark.django_db
def test_admin_list_shows_totals_and_consumption_and_filters(client, officer, django_assert_max_num_queries):
    order_form = OrderFormFactory(number="BC-2025-001", commune=CommuneFactory(name="Thise"))
    line = OrderLineFactory(order_form=order_form, quantity=Decimal("10"), unit_price=Decimal("255.00"))
    TimeEntryFactory(order_line=line, half_days=2)
    client.force_login(officer)
    url = reverse("admin:missions_orderform_changelist")
    with django_assert_max_num_queries(20) as small:
        response = client.get(url)
    content = html.unescape(response.content.decode())
    assert "2\u202f550,00\u00a0€" in content  # total excl. VAT
    assert "3\u202f060,00\u00a0€" in content  # total incl. VAT
    assert "510,00\u00a0€ (20,0 %)" in content
    for params in ({"status__exact": "emis"}, {"mission__exact": "1"}, {"annee": "2025"}, {"q": "Thise"}):
        response = client.get(url, params)
        assert response.status_code == 200
        assert "BC-2025-001" in html.unescape(response.content.decode()), params
    assert "BC-2025-001" not in client.get(url, {"annee": "2024"}).content.decode()
    for index in range(2, 40):
        OrderLineFactory(order_form=OrderFormFactory(number=f"BC-2025-{index:03d}"))
    with django_assert_max_num_queries(20) as large:
        client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries)


# Statuses -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_officer_moves_one_step_forward_in_the_admin(client, officer):
    order_form = OrderFormFactory(with_lines=True)
    client.force_login(officer)
    response = client.post(change_url(order_form), form_data(order_form, new_status="notifie"))
    assert response.status_code == 302
    order_form.refresh_from_db()
    assert order_form.status == OrderForm.Status.NOTIFIED


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["brouillon", "execute", "paye"])
def test_officer_cannot_skip_or_go_back_in_the_admin(client, officer, target):
    order_form = OrderFormFactory(with_lines=True)
    client.force_login(officer)
    response = client.post(change_url(order_form), form_data(order_form, new_status=target, status_reason="Pressé"))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in html.unescape(response.content.decode())
    order_form.refresh_from_db()
    assert order_form.status == OrderForm.Status.ISSUED
    assert not order_form.status_changes.exists()


@pytest.mark.django_db
def test_superuser_goes_back_only_with_a_reason_which_is_recorded(client, superuser):
    order_form = OrderFormFactory(status=OrderForm.Status.INVOICED, with_lines=True)
    client.force_login(superuser)
    response = client.post(change_url(order_form), form_data(order_form, new_status="emis"))
    assert response.status_code == 200
    assert "Indiquez la raison du retour à un statut antérieur." in html.unescape(response.content.decode())
    order_form.refresh_from_db()
    assert order_form.status == OrderForm.Status.INVOICED

    reason = "Facture rejetée : montant erroné"
    response = client.post(change_url(order_form), form_data(order_form, new_status="emis", status_reason=reason))
    assert response.status_code == 302
    order_form.refresh_from_db()
    assert order_form.status == OrderForm.Status.ISSUED
    change = order_form.status_changes.get()
    assert change.is_reversal and change.reason == reason and change.changed_by == superuser
    response = client.get(change_url(order_form))
    assert reason in html.unescape(response.content.decode())


@pytest.mark.django_db
def test_issued_order_form_content_and_lines_are_frozen(client, officer):
    order_form = OrderFormFactory(with_lines=True, object="Objet initial")
    client.force_login(officer)
    data = form_data(order_form, object="Objet modifié", notes="Relance envoyée")
    data["lines-0-unit_price"] = "1.00"
    response = client.post(change_url(order_form), data)
    assert response.status_code == 302
    order_form.refresh_from_db()
    assert order_form.object == "Objet initial"
    assert order_form.notes == "Relance envoyée"
    assert sorted(order_form.lines.values_list("unit_price", flat=True)) == [Decimal("120.00"), Decimal("255.00")]


@pytest.mark.django_db
def test_only_drafts_can_be_deleted(client, officer):
    draft = OrderFormFactory(draft=True)
    issued = OrderFormFactory()
    client.force_login(officer)
    assert (
        client.post(reverse("admin:missions_orderform_delete", args=[issued.pk]), {"post": "yes"}).status_code == 403
    )
    response = client.post(reverse("admin:missions_orderform_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert list(OrderForm.objects.all()) == [issued]


# Concurrency ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_second_officer_saving_the_same_order_form_is_refused_and_keeps_their_input(client, officer):
    other_officer = UserFactory(username="marc", gbm=True, first_name="Marc", last_name="Jouffroy")
    order_form = OrderFormFactory(draft=True, with_lines=True, object="Objet initial")
    opened_by_both = form_data(order_form)

    client.force_login(other_officer)
    first = client.post(change_url(order_form), {**opened_by_both, "object": "Objet de Marc"})
    assert first.status_code == 302

    client.force_login(officer)
    second = client.post(change_url(order_form), {**opened_by_both, "object": "Objet de Claire"})
    assert second.status_code == 200
    content = html.unescape(second.content.decode())
    assert "a été modifié par Marc Jouffroy" in content
    assert "Vos modifications n'ont pas été enregistrées" in content
    assert 'value="Objet de Claire"' in content
    order_form.refresh_from_db()
    assert order_form.object == "Objet de Marc"
    assert order_form.lock_version == 1

    # After reading the message, a deliberate second save replaces the other officer's input.
    form = second.context["adminform"].form
    again = client.post(
        change_url(order_form),
        {**opened_by_both, "object": "Objet de Claire", **{"lock_version": form.data["lock_version"]}},
    )
    assert again.status_code == 302
    order_form.refresh_from_db()
    assert order_form.object == "Objet de Claire"


# Signed scan ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_signed_scan_upload_is_checked_and_linked_through_the_download_view(client, officer):
    order_form = OrderFormFactory(with_lines=True)
    client.force_login(officer)
    scan = SimpleUploadedFile("bon signé.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(change_url(order_form), {**form_data(order_form), "signed_scan": scan})
    assert response.status_code == 302
    order_form.refresh_from_db()
    assert order_form.signed_scan.name.startswith("bons-de-commande/")
    page = client.get(change_url(order_form)).content.decode()
    assert reverse("missions:order_form_scan", args=[order_form.pk]) in page
    assert "/media-prive/" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", b"ceci n'est pas un PDF", "n'est pas d'un type accepté"),
        ("scan.pdf", PNG_BYTES, "l'extension doit correspondre au contenu"),
        ("scan.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "la taille maximale est de 10 Mo"),
        ("scan.exe", b"MZ\x90\x00", "ne sont pas acceptés"),
    ],
)
def test_bad_scans_are_refused_in_french(client, officer, name, content, message):
    order_form = OrderFormFactory(with_lines=True)
    client.force_login(officer)
    scan = SimpleUploadedFile(name, content)
    response = client.post(change_url(order_form), {**form_data(order_form), "signed_scan": scan})
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    order_form.refresh_from_db()
    assert not order_form.signed_scan


@pytest.mark.django_db
def test_office_documents_are_not_accepted_as_signed_scans(client, officer):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    order_form = OrderFormFactory(with_lines=True)
    client.force_login(officer)
    scan = SimpleUploadedFile("scan.odt", buffer.getvalue())
    response = client.post(change_url(order_form), {**form_data(order_form), "signed_scan": scan})
    assert response.status_code == 200
    assert "Le bon signé doit être un PDF ou une image (PNG, JPEG)." in html.unescape(response.content.decode())


@pytest.mark.django_db
def test_png_scan_is_accepted(client, officer):
    order_form = OrderFormFactory(with_lines=True)
    client.force_login(officer)
    scan = SimpleUploadedFile("scan.png", PNG_BYTES)
    response = client.post(change_url(order_form), {**form_data(order_form), "signed_scan": scan})
    assert response.status_code == 302
    order_form.refresh_from_db()
    assert order_form.signed_scan.name.endswith(".png")


@pytest.mark.django_db
def test_order_lines_keep_their_time_entries_protected(officer):
    line = OrderLineFactory()
    TimeEntryFactory(order_line=line)
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        OrderLine.objects.filter(pk=line.pk).delete()
