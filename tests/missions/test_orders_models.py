"""Order forms as data: money, numbering, statuses, visibility, and the extra-commune rule."""

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from missions.mission1.models.accompaniments import Accompaniment
from missions.money.models.orders import OrderForm, OrderLine, StatusTransitionError, VatRate, round_cents
from tests.factories import ProgrammeFactory, UserFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory

STATUSES = OrderForm.STATUS_ORDER


def unsaved_order_form_with(lines: list[OrderLine]) -> OrderForm:
    """An order form whose `lines.all()` answers the given lines, without touching the database."""
    order_form = OrderForm(pk=1, number="BC-2025-001", status=OrderForm.Status.DRAFT)
    order_form._prefetched_objects_cache = {"lines": lines}
    return order_form


# Money ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("quantity", "unit_price", "rate", "excl", "vat", "incl"),
    [
        # 3 × 33.335 is not possible (prices have cents) but 0.5 × 0.01 rounds half-up to one cent.
        ("0.50", "0.01", "20.00", "0.01", "0.00", "0.01"),
        ("3", "33.33", "20.00", "99.99", "20.00", "119.99"),
        ("1.5", "186.15", "20.00", "279.23", "55.85", "335.08"),
        ("7", "0.05", "5.50", "0.35", "0.02", "0.37"),
        ("2.25", "10.10", "10.00", "22.73", "2.27", "25.00"),
        ("1", "0.45", "5.50", "0.45", "0.02", "0.47"),
        ("12", "255.00", "0.00", "3060.00", "0.00", "3060.00"),
    ],
)
def test_line_amounts_are_rounded_half_up_to_the_cent(quantity, unit_price, rate, excl, vat, incl):
    line = OrderLine(quantity=Decimal(quantity), unit_price=Decimal(unit_price), vat_rate=Decimal(rate))
    assert line.amount_excl_vat == Decimal(excl)
    assert line.vat_amount == Decimal(vat)
    assert line.amount_incl_vat == Decimal(incl)
    assert isinstance(line.amount_excl_vat, Decimal)


def test_round_cents_is_half_up_not_bankers_rounding():
    assert round_cents(Decimal("0.125")) == Decimal("0.13")
    assert round_cents(Decimal("0.135")) == Decimal("0.14")
    assert round_cents(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67


def test_order_form_totals_are_the_sums_of_the_rounded_lines():
    lines = [
        OrderLine(quantity=Decimal("1"), unit_price=Decimal("0.45"), vat_rate=VatRate.REDUCED),
        OrderLine(quantity=Decimal("1"), unit_price=Decimal("0.45"), vat_rate=VatRate.REDUCED),
        OrderLine(quantity=Decimal("3"), unit_price=Decimal("33.33"), vat_rate=VatRate.STANDARD),
    ]
    order_form = unsaved_order_form_with(lines)
    # Per line: VAT 0.02 + 0.02 + 20.00 (rounding the VAT of the 0.90 € base at 5.5 % would give 0.05).
    assert order_form.total_excl_vat == Decimal("100.89")
    assert order_form.total_vat == Decimal("20.04")
    assert order_form.total_incl_vat == Decimal("120.93")
    assert order_form.vat_breakdown() == [
        ("20 %", Decimal("99.99"), Decimal("20.00")),
        ("5,5 %", Decimal("0.90"), Decimal("0.04")),
    ]


def test_empty_order_form_totals_zero():
    order_form = unsaved_order_form_with([])
    assert order_form.total_excl_vat == Decimal("0.00")
    assert order_form.total_incl_vat == Decimal("0.00")


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)
rates = st.sampled_from([rate.value for rate in VatRate])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(quantities, amounts, rates), min_size=0, max_size=25))
def test_total_equals_the_sum_of_the_rounded_lines(rows):
    lines = [OrderLine(quantity=q, unit_price=p, vat_rate=r) for q, p, r in rows]
    order_form = unsaved_order_form_with(lines)
    expected_excl = sum((round_cents(q * p) for q, p, _ in rows), Decimal("0"))
    expected_vat = sum((round_cents(round_cents(q * p) * r / 100) for q, p, r in rows), Decimal("0"))
    assert order_form.total_excl_vat == expected_excl
    assert order_form.total_vat == expected_vat
    assert order_form.total_incl_vat == expected_excl + expected_vat
    assert order_form.total_incl_vat == sum((line.amount_incl_vat for line in lines), Decimal("0"))
    for total in (order_form.total_excl_vat, order_form.total_vat, order_form.total_incl_vat):
        assert isinstance(total, Decimal)
        assert total == total.quantize(Decimal("0.01"))


# Numbering ------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_number_is_proposed_per_programme_and_year():
    programme = ProgrammeFactory()
    other_programme = ProgrammeFactory(contract_reference="AUTRE-MARCHE")
    assert OrderForm.next_number(programme, 2025) == "BC-2025-001"
    OrderFormFactory(programme=programme, number="BC-2025-001")
    OrderFormFactory(programme=programme, number="BC-2025-006")
    OrderFormFactory(programme=programme, number="BC-2024-011")
    OrderFormFactory(programme=programme, number="hors-série")
    OrderFormFactory(programme=other_programme, number="BC-2025-040")
    assert OrderForm.next_number(programme, 2025) == "BC-2025-007"
    assert OrderForm.next_number(programme, 2024) == "BC-2024-012"
    assert OrderForm.next_number(programme, 2026) == "BC-2026-001"


@pytest.mark.django_db
def test_number_is_unique_within_a_programme_with_a_french_error():
    existing = OrderFormFactory(number="BC-2025-003")
    duplicate = OrderForm(
        programme=existing.programme, number="BC-2025-003", object="Doublon", mission=1, issued_on=existing.issued_on
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Ce numéro de bon de commande existe déjà dans ce programme." in str(error.value)
    other = OrderForm(
        programme=ProgrammeFactory(contract_reference="AUTRE"),
        number="BC-2025-003",
        object="Autre marché",
        mission=1,
        issued_on=existing.issued_on,
    )
    other.full_clean()


# Statuses -------------------------------------------------------------------------------------------
def _pairs():
    return list(itertools.permutations(STATUSES, 2))


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), _pairs())
def test_every_status_transition_for_a_gbm_officer(current, target):
    """A GBM officer moves one step forward, never skips a step, never goes back."""
    officer = UserFactory(gbm=True, is_superuser=False)
    order_form = OrderFormFactory(status=current, with_lines=True)
    allowed = STATUSES.index(target) == STATUSES.index(current) + 1
    if allowed:
        change = order_form.change_status(target, by=officer)
        order_form.refresh_from_db()
        assert order_form.status == target
        assert (change.from_status, change.to_status, change.changed_by) == (current, target, officer)
        assert not change.is_reversal
    else:
        with pytest.raises(StatusTransitionError):
            order_form.change_status(target, by=officer)
        order_form.refresh_from_db()
        assert order_form.status == current
        assert not order_form.status_changes.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), _pairs())
def test_every_status_transition_for_a_superuser(current, target):
    """A superuser may also go back, to any earlier status, but only with a reason; skipping forward stays refused."""
    superuser = UserFactory(gbm=True, is_superuser=True)
    order_form = OrderFormFactory(status=current, with_lines=True)
    forward_step = STATUSES.index(target) == STATUSES.index(current) + 1
    backward = STATUSES.index(target) < STATUSES.index(current)
    if forward_step:
        order_form.change_status(target, by=superuser)
        assert order_form.status == target
    elif backward:
        with pytest.raises(StatusTransitionError, match="raison"):
            order_form.change_status(target, by=superuser, reason="  ")
        change = order_form.change_status(target, by=superuser, reason="Erreur de saisie du montant")
        order_form.refresh_from_db()
        assert order_form.status == target
        assert change.is_reversal and change.reason == "Erreur de saisie du montant"
        assert order_form.history.first().history_change_reason == "Erreur de saisie du montant"
    else:
        with pytest.raises(StatusTransitionError, match="les étapes se suivent"):
            order_form.change_status(target, by=superuser, reason="Pour aller plus vite")
        assert order_form.status == current


@pytest.mark.django_db
def test_same_status_and_unknown_status_are_refused():
    officer = UserFactory(gbm=True)
    order_form = OrderFormFactory(status=OrderForm.Status.ISSUED)
    with pytest.raises(StatusTransitionError, match="déjà au statut"):
        order_form.change_status(OrderForm.Status.ISSUED, by=officer)
    with pytest.raises(StatusTransitionError, match="n'existe pas"):
        order_form.change_status("annule", by=officer)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["consultant", "elu"])
def test_consultants_and_elus_cannot_change_a_status(role):
    user = UserFactory(**{role: True})
    order_form = OrderFormFactory(status=OrderForm.Status.ISSUED)
    with pytest.raises(StatusTransitionError, match="GBM"):
        order_form.change_status(OrderForm.Status.NOTIFIED, by=user)
    assert order_form.allowed_statuses(user) == []


@pytest.mark.django_db
def test_an_order_form_without_lines_cannot_be_issued():
    officer = UserFactory(gbm=True)
    order_form = OrderFormFactory(draft=True)
    with pytest.raises(StatusTransitionError, match="au moins une ligne"):
        order_form.change_status(OrderForm.Status.ISSUED, by=officer)


@pytest.mark.django_db
def test_allowed_statuses():
    officer = UserFactory(gbm=True, is_superuser=False)
    superuser = UserFactory(gbm=True, is_superuser=True)
    order_form = OrderFormFactory(status=OrderForm.Status.EXECUTED)
    assert order_form.allowed_statuses(officer) == [OrderForm.Status.INVOICED]
    assert order_form.allowed_statuses(superuser) == [*STATUSES[:3], OrderForm.Status.INVOICED]
    order_form.status = OrderForm.Status.PAID
    assert order_form.allowed_statuses(officer) == []


# Visibility -----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_visibility_gbm_all_consultant_issued_only_elu_none(gbm_officer, consultant, elu):
    draft = OrderFormFactory(draft=True)
    issued = OrderFormFactory()
    assert set(OrderForm.objects.visible_to(gbm_officer)) == {draft, issued}
    assert set(OrderForm.objects.visible_to(consultant)) == {issued}
    assert not OrderForm.objects.visible_to(elu).exists()
    line = OrderLineFactory(order_form=issued)
    assert list(OrderLine.objects.visible_to(consultant)) == [line]
    assert not OrderLine.objects.visible_to(elu).exists()


# Extra communes -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_extra_commune_accompaniment_requires_a_mission1_order_form_of_that_commune(commune, other_commune):
    programme = ProgrammeFactory()
    accompaniment = Accompaniment(programme=programme, commune=commune, cohort=Accompaniment.Cohort.EXTRA)
    with pytest.raises(ValidationError) as error:
        accompaniment.full_clean()
    assert "Une commune supplémentaire entre en Mission 1 par un bon de commande" in str(
        error.value.message_dict["order_form"]
    )

    wrong = [
        (OrderFormFactory(programme=programme, commune=other_commune), "ne concerne pas Amagney"),
        (OrderFormFactory(programme=programme, commune=commune, mission=3), "ne porte pas sur la Mission 1"),
        (OrderFormFactory(programme=programme, commune=commune, draft=True), "encore un brouillon"),
        (
            OrderFormFactory(programme=ProgrammeFactory(contract_reference="AUTRE"), commune=commune),
            "autre programme",
        ),
    ]
    for order_form, message in wrong:
        accompaniment.order_form = order_form
        with pytest.raises(ValidationError) as error:
            accompaniment.full_clean()
        assert message in " ".join(error.value.message_dict["order_form"])

    accompaniment.order_form = OrderFormFactory(programme=programme, commune=commune)
    accompaniment.full_clean()
    accompaniment.save()
    assert list(accompaniment.order_form.accompaniments.all()) == [accompaniment]


@pytest.mark.django_db
def test_new_commune_accompaniment_needs_no_order_form(commune):
    Accompaniment(programme=ProgrammeFactory(), commune=commune, cohort=Accompaniment.Cohort.NEW).full_clean()
