"""Issue 20 in the browser: a consultant brings a continuing commune's plan in from the spreadsheet template,
fixing the error the preview shows; the élu creates a share link that a council member opens without an account.
"""

import datetime
import os

import pytest

from core.deliverables import submit_deliverable
from missions.mission1.models.action_plans import Action
from tests.factories_mission1 import ActionFactory, ActionPlanFactory
from tests.harness.e2e import CHROMIUM, axe_scan, login, submit, text_of

pytestmark = [
    pytest.mark.postgres_only,  # browser tests run on production's database only (tests/conftest.py)
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM}: e2e skipped"),
    pytest.mark.django_db(transaction=True),
]


def _csv(rows: list[dict], headers: list[str]) -> bytes:
    lines = [";".join(headers)] + [";".join(row.get(header, "") for header in headers) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def test_consultant_imports_a_plan_from_the_template_fixing_the_preview_errors(
    live_server, browser_page, field, tmp_path
):
    page, base = browser_page, live_server.url
    insee = field["commune"].insee_code
    plan = ActionPlanFactory(accompaniment=field["accompaniment"])
    login(page, base, field["consultant"])

    template = page.request.get(f"{base}/plan-d-actions/modele.csv")
    assert template.ok
    headers = template.text().lstrip("\ufeff").splitlines()[0].split(";")
    row = {
        "Intitulé": "Composteur collectif à la cantine",
        "Thème": "Lutte contre le gaspillage",
        "Statut": "Retenue",
        "Coût (€)": "environ 3000",
        "Début": "mars 2026",
        "Fin": "06/2026",
    }
    bad = tmp_path / "plan.csv"
    bad.write_bytes(_csv([row], headers))

    page.goto(f"{base}/communes/{insee}/plan-d-actions/import/")
    axe_scan(page, base, "consultant-plan-import")
    page.set_input_files("input[type=file]", str(bad))
    submit(page, "Prévisualiser l'import")
    assert "Ligne 2, colonne « Coût (€) » : « environ 3000 » n'est pas un montant" in text_of(page)
    assert not Action.objects.filter(plan=plan).exists()

    good = tmp_path / "plan-corrige.csv"
    good.write_bytes(_csv([{**row, "Coût (€)": "3 000,50 €"}], headers))
    page.set_input_files("input[type=file]", str(good))
    submit(page, "Prévisualiser l'import")
    assert "Rien n'est encore enregistré" in text_of(page)
    axe_scan(page, base, "consultant-plan-import-preview")
    assert not Action.objects.filter(plan=plan).exists()
    submit(page, "Confirmer l'import")
    action = Action.objects.get(plan=plan)
    assert action.title == "Composteur collectif à la cantine"
    assert str(action.cost_estimate) == "3000.50"
    assert action.start_month == datetime.date(2026, 3, 1) and action.end_month == datetime.date(2026, 6, 1)


def test_elu_shares_the_approved_plan_with_a_council_member_without_account(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    insee = field["commune"].insee_code
    plan = ActionPlanFactory(accompaniment=field["accompaniment"], summary="Manger local à l'école et au village.")
    ActionFactory(plan=plan, title="Des produits locaux à la cantine", cost_estimate=1000)
    submit_deliverable(subject=plan, by=field["consultant"])
    plan.refresh_from_db()
    plan.approve(by=field["elu"], council_decision_date=datetime.date(2026, 11, 10))

    login(page, base, field["elu"])
    page.goto(f"{base}/communes/{insee}/plan-d-actions/")
    with page.expect_navigation():
        page.click("main a:has-text('Créer un lien de partage')")
    submit(page, "Créer le lien")
    url = page.input_value("#lien-partage")
    axe_scan(page, base, "elu-share-link-created")

    # A council member, without an account, opens the link: the plan, no login asked, not indexed.
    page.context.clear_cookies()
    response = page.goto(url)
    assert response.status == 200
    assert response.headers.get("x-robots-tag", "").startswith("noindex")
    assert "Des produits locaux à la cantine" in text_of(page)
    assert "/connexion/" not in page.url
    axe_scan(page, base, "council-shared-plan")

    # The élu revokes it: the link now says so, in French.
    login(page, base, field["elu"])
    page.goto(f"{base}/communes/{insee}/plan-d-actions/")
    with page.expect_navigation():
        page.locator("main button:has-text('Désactiver')").first.click()
    page.context.clear_cookies()
    page.goto(url)
    assert "Ce lien de partage a été désactivé" in text_of(page)
