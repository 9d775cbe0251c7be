"""The contract's money in the browser: a consultant logs a week of time; GBM issues an order form in the Django
admin, then reads it in the portal, as the consultant does (read only)."""

import datetime
import os
from decimal import Decimal

import pytest
from django.utils import timezone

from missions.money.models.orders import OrderForm
from missions.money.models.time import TimeEntry
from tests.factories_orders import OrderFormFactory
from tests.harness.e2e import CHROMIUM, axe_scan, login, submit, text_of

pytestmark = [
    pytest.mark.postgres_only,  # browser tests run on production's database only (tests/conftest.py)
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM}: e2e skipped"),
    pytest.mark.django_db(transaction=True),
]

NAVIGATION = "nav[aria-label='Navigation principale']"


def test_consultant_logs_a_week_of_time(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    order_form = OrderFormFactory(programme=field["programme"], number="BC-2026-004", with_lines=True)
    line = order_form.lines.get(unit="demi_journee")
    # Last week: every day of it is in the past, so every cell of the grid can be filled.
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)

    login(page, base, field["consultant"])
    page.click(f"{NAVIGATION} >> text=Temps")
    page.wait_for_url("**/temps/")
    assert "0 saisie" in text_of(page)
    axe_scan(page, base, "consultant-time-list-empty")
    with page.expect_navigation():
        page.click("main a:has-text('Saisir une semaine')")
    with page.expect_navigation():
        page.click("main a:has-text('Semaine précédente')")
    assert f"Semaine du {monday.day}" in page.inner_text("h1")
    axe_scan(page, base, "consultant-time-week")

    page.select_option("#id_form-0-activity", f"accompagnement:{field['accompaniment'].pk}")
    page.select_option("#id_form-0-order_line", str(line.pk))
    page.fill("#id_form-0-day_0", "2")  # Monday: a whole day in the commune
    page.fill("#id_form-0-day_2", "1")  # Wednesday: a half-day
    submit(page, "Enregistrer la semaine")
    assert "Semaine enregistrée : 2 saisie(s) créée(s), 0 corrigée(s), 0 supprimée(s)." in text_of(page)
    assert page.input_value("#id_form-0-day_0") == "2" and page.input_value("#id_form-0-day_2") == "1"
    assert text_of(page, "tfoot").split()[-7:] == ["2", "0", "1", "0", "0", "0", "0"]
    axe_scan(page, base, "consultant-time-week-saved")

    # The list shows the entries, valued at the order line's unit price.
    page.click(f"{NAVIGATION} >> text=Temps")
    page.wait_for_url("**/temps/")
    summary = text_of(page, "main [role=status]:has-text('demi-journée')")
    assert "2 saisies" in summary and "3 demi-journées" in summary and "765,00 € HT" in summary
    assert "BC-2026-004" in text_of(page, "main table")
    axe_scan(page, base, "consultant-time-list")
    entries = TimeEntry.objects.order_by("date")
    assert [(entry.date, entry.half_days) for entry in entries] == [
        (monday, 2),
        (monday + datetime.timedelta(days=2), 1),
    ]
    assert {entry.accompaniment for entry in entries} == {field["accompaniment"]}
    assert page.console_errors == [], "\n".join(page.console_errors)


def test_gbm_issues_an_order_form_in_the_admin_then_reads_it_in_the_portal(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    other = field["other"]

    login(page, base, field["gbm"])
    page.click(f"{NAVIGATION} >> text=Bons de commande")
    page.wait_for_url("**/bons-de-commande/")
    axe_scan(page, base, "gbm-order-form-list-empty")
    with page.expect_navigation():
        page.click("main a:has-text('Nouveau bon (administration)')")
    assert "/admin/missions/orderform/add/" in page.url
    axe_scan(page, base, "gbm-admin-order-form-add")

    # A draft with two lines: the number is given when left empty.
    page.select_option("#id_programme", str(field["programme"].pk))
    page.fill("#id_number", "")
    page.fill("#id_issued_on", "16/11/2026")
    page.fill("#id_object", "Accompagnement d'une commune supplémentaire : Devecey")
    page.select_option("#id_mission", "1")
    page.select_option("#id_commune", str(other.pk))
    page.fill("#id_lines-0-description", "Demi-journée de consultant senior")
    page.select_option("#id_lines-0-unit", "demi_journee")
    page.fill("#id_lines-0-quantity", "12")
    page.fill("#id_lines-0-unit_price", "255")
    page.fill("#id_lines-1-position", "2")
    page.fill("#id_lines-1-description", "Frais de déplacement")
    page.select_option("#id_lines-1-unit", "forfait")
    page.fill("#id_lines-1-quantity", "1")
    page.fill("#id_lines-1-unit_price", "150")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert "a été ajouté avec succès" in text_of(page, "body")
    order_form = OrderForm.objects.get()
    assert order_form.status == OrderForm.Status.DRAFT and order_form.number == "BC-2026-001"
    assert "Total HT : 3 210,00 €" in text_of(page, "body")
    axe_scan(page, base, "gbm-admin-order-form-draft")

    # Issued: one step forward, recorded in the status journal; the content is frozen from now on.
    page.select_option("#id_new_status", "emis")
    with page.expect_navigation():
        page.click("input[name=_save]")
    assert "a été modifié avec succès" in text_of(page, "body")
    axe_scan(page, base, "gbm-admin-order-form-list")
    order_form.refresh_from_db()
    assert order_form.status == OrderForm.Status.ISSUED
    assert order_form.total_excl_vat == Decimal("3210.00")

    # The portal's read-only page.
    page.goto(f"{base}/bons-de-commande/")
    assert "BC-2026-001" in text_of(page, "main table") and "Émis" in text_of(page, "main table")
    with page.expect_navigation():
        page.click("main a:has-text('BC-2026-001')")
    main = text_of(page)
    assert "Bon de commande BC-2026-001" in page.inner_text("h1")
    assert "Devecey" in main and "Frais de déplacement" in main and "Demi-journée de consultant senior" in main
    assert "3 210,00 €" in main
    assert "Brouillon → Émis par Claire Métropole" in main
    assert page.locator("main").get_by_role("link", name="Modifier dans l'administration").count() == 1
    axe_scan(page, base, "gbm-order-form-detail")

    # The consultant reads the same page, without any way to change it.
    login(page, base, field["consultant"])
    page.goto(f"{base}/bons-de-commande/{order_form.pk}/")
    assert "Demi-journée de consultant senior" in text_of(page)
    assert page.locator("main a[href*='/admin/']").count() == 0
    axe_scan(page, base, "consultant-order-form-detail")
    page.goto(f"{base}/admin/missions/orderform/{order_form.pk}/change/")
    assert page.url.startswith(f"{base}/admin/login/")  # consultants are not staff: the admin asks for another account
    axe_scan(page, base, "consultant-admin-login")
    assert page.console_errors == [], "\n".join(page.console_errors)
