"""Each role opens the portal on its home page and does the first thing "À faire" asks of it (issue 16).

GBM validates a workshop theme proposed by a consultant; the consultant opens the week they have not logged; the
élu goes from "Votre plan d'actions attend votre approbation" to the approval of the plan.
"""

import datetime
import os

import pytest

from ateliers.models import Theme
from core.deliverables import submit_deliverable
from tests.factories_mission1 import ActionFactory, ActionPlanFactory
from tests.harness.e2e import CHROMIUM, axe_scan, login, submit, text_of

pytestmark = [
    pytest.mark.postgres_only,  # browser tests run on production's database only (tests/conftest.py)
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM}: e2e skipped"),
    pytest.mark.django_db(transaction=True),
]


def test_gbm_starts_on_home_and_validates_the_theme_awaiting_it(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    theme = Theme.objects.create(
        title="Approvisionner la cantine en produits locaux",
        description="Retours d'expérience de communes voisines.",
        proposed_by=field["consultant"],
    )

    login(page, base, field["gbm"])
    assert page.url == f"{base}/"
    todo = text_of(page, "main")
    assert "À faire" in todo and "Approvisionner la cantine en produits locaux" in todo
    axe_scan(page, base, "gbm-home")
    # The whole menu, account menu included, holds on one line on the common laptop widths (no sideways scroll).
    for width in (1200, 1280, 1366, 1440):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") == width, width
        assert page.locator("nav .dropdown-toggle").is_visible()
    page.set_viewport_size({"width": 1280, "height": 720})
    with page.expect_navigation():
        page.click("main a:has-text('Approvisionner la cantine en produits locaux')")
    assert page.url.endswith(theme.get_absolute_url())
    page.get_by_label("Valider le thème").check()
    submit(page, "Enregistrer la décision")
    theme.refresh_from_db()
    assert theme.status == Theme.Status.VALIDATED
    assert theme.reviewed_by == field["gbm"]
    page.goto(f"{base}/")
    assert "Approvisionner la cantine en produits locaux" not in text_of(
        page, "main section:has(h2:has-text('À faire'))"
    )


def test_consultant_starts_on_home_and_opens_the_week_without_time(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    login(page, base, field["consultant"])
    assert page.url == f"{base}/"
    assert "Semaines sans temps saisi" in text_of(page)
    axe_scan(page, base, "consultant-home")
    link = page.locator("main [data-kind=week] a").first
    label = link.inner_text()
    with page.expect_navigation():
        link.click()
    assert "/temps/semaine/" in page.url
    # The week the home page named is the week the grid opens on.
    assert label.removeprefix("Saisir la semaine du ").split()[0] in page.inner_text("h1")
    axe_scan(page, base, "consultant-week-from-home")


def test_elu_starts_on_home_and_approves_the_plan_awaiting_them(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    plan = ActionPlanFactory(accompaniment=field["accompaniment"], summary="Manger local à l'école et au village.")
    ActionFactory(plan=plan, title="Des produits locaux à la cantine", cost_estimate=1000)
    submit_deliverable(subject=plan, by=field["consultant"])

    login(page, base, field["elu"])
    assert page.url == f"{base}/"
    assert page.inner_text("h1") == "Amagney : ce qui vous attend"
    button = page.locator("main a.btn-primary:has-text('Votre plan d\\'actions attend votre approbation')")
    assert button.count() == 1
    axe_scan(page, base, "elu-home")
    with page.expect_navigation():
        button.click()
    with page.expect_navigation():
        page.click('main a:has-text("Approuver le plan d\'actions")')
    assert "Cette approbation ne pourra pas être annulée" in text_of(page)
    page.fill("#id_council_decision_date", "2026-11-10")
    submit(page, "Approuver la version 1")
    plan.refresh_from_db()
    assert plan.approved_by == field["elu"]
    assert plan.council_decision_date == datetime.date(2026, 11, 10)
    page.goto(f"{base}/")
    assert "Votre plan d'actions attend votre approbation" not in text_of(page)
