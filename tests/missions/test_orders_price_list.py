"""The order form's admin page as GBM uses it: prices proposed from the contract's price list, amounts in French,
no Django boilerplate, and django-axes' section kept out of the index."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from missions.money.models.orders import OrderLine
from missions.money.models.prices import PriceListItem
from tests.factories import ProgrammeFactory, UserFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return UserFactory(username="claire", gbm=True, is_superuser=True, is_staff=True)


def post_data(order_form, line: dict) -> dict:
    return {
        "programme": order_form.programme_id,
        "number": order_form.number,
        "issued_on": order_form.issued_on.isoformat(),
        "object": order_form.object,
        "mission": order_form.mission,
        "commune": "",
        "lock_version": order_form.lock_version,
        "new_status": order_form.status,
        "status_reason": "",
        "notes": "",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        **{f"lines-0-{key}": value for key, value in {"id": "", "order_form": order_form.pk, **line}.items()},
    }


def change_url(order_form):
    return reverse("admin:missions_orderform_change", args=[order_form.pk])


def test_a_line_takes_its_price_designation_and_unit_from_the_price_list(client, officer):
    order_form = OrderFormFactory(status="brouillon")
    room = PriceListItem.objects.create(
        programme=order_form.programme, label="Location de salle", unit="forfait", unit_price=Decimal("150.00")
    )
    client.force_login(officer)
    line = {"position": 1, "price_item": room.pk, "description": "", "unit": "demi_journee", "quantity": "2",
            "unit_price": "", "vat_rate": "20.00"}  # fmt: skip
    response = client.post(change_url(order_form), post_data(order_form, line))
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    saved = OrderLine.objects.get()
    assert (saved.description, saved.unit, saved.unit_price) == ("Location de salle", "forfait", Decimal("150.00"))


def test_a_price_typed_by_hand_wins_over_the_price_list(client, officer):
    order_form = OrderFormFactory(status="brouillon")
    rate = PriceListItem.objects.create(
        programme=order_form.programme, label="Demi-journée", unit_price=Decimal("510")
    )
    client.force_login(officer)
    line = {"position": 1, "price_item": rate.pk, "description": "Chef de projet", "unit": "demi_journee",
            "quantity": "3", "unit_price": "480,50", "vat_rate": "20.00"}  # fmt: skip
    assert client.post(change_url(order_form), post_data(order_form, line)).status_code == 302
    assert OrderLine.objects.get().unit_price == Decimal("480.50")


def test_a_line_without_price_nor_price_list_entry_is_a_french_error(client, officer):
    order_form = OrderFormFactory(status="brouillon")
    client.force_login(officer)
    line = {"position": 1, "price_item": "", "description": "Visite", "unit": "forfait", "quantity": "1",
            "unit_price": "", "vat_rate": "20.00"}  # fmt: skip
    response = client.post(change_url(order_form), post_data(order_form, line))
    assert response.status_code == 200
    assert "Indiquez le prix unitaire ou choisissez un prix du bordereau." in html.unescape(response.content.decode())
    assert not OrderLine.objects.exists()


def test_the_price_list_offers_only_the_order_forms_programme(client, officer):
    order_form = OrderFormFactory(status="brouillon")
    PriceListItem.objects.create(programme=order_form.programme, label="Tarif du marché", unit_price=Decimal("510"))
    other = ProgrammeFactory(contract_reference="AUTRE-MARCHE")
    PriceListItem.objects.create(programme=other, label="Tarif d'un autre marché", unit_price=1)
    client.force_login(officer)
    page = html.unescape(client.get(change_url(order_form)).content.decode())
    assert "Tarif du marché (—" not in page and "Tarif du marché — 510,00" in page
    assert "Tarif d'un autre marché" not in page


def test_amounts_are_french_and_the_add_link_says_ajouter_une_ligne(client, officer):
    order_form = OrderFormFactory(status="brouillon")
    OrderLineFactory(order_form=order_form, quantity=Decimal("2"), unit_price=Decimal("510.00"))
    client.force_login(officer)
    page = html.unescape(client.get(change_url(order_form)).content.decode())
    assert 'value="510,00"' in page and 'value="2,00"' in page
    assert "1 020,00" in page.replace("\u202f", " ").replace("\xa0", " ")
    assert "Ajouter une ligne" in page and "Ajouter un objet" not in page


def test_axes_section_is_hidden_from_the_admin_index_unless_debug(client, officer, settings):
    client.force_login(officer)
    apps = [app["app_label"] for app in client.get(reverse("admin:index")).context["app_list"]]
    assert "axes" not in apps and "missions" in apps


def test_gbm_edits_the_price_list_and_consultants_cannot(client, officer, consultant):
    programme = ProgrammeFactory()
    client.force_login(officer)
    response = client.post(
        reverse("admin:missions_pricelistitem_add"),
        {
            "programme": programme.pk,
            "label": "Demi-journée",
            "category": "catégorie A",
            "unit": "demi_journee",
            "unit_price": "510,00",
            "position": 1,
        },  # fmt: skip
    )
    assert response.status_code == 302
    assert PriceListItem.objects.get().unit_price == Decimal("510.00")
    client.force_login(consultant)
    assert client.get(reverse("admin:missions_pricelistitem_changelist")).status_code in (302, 403)
