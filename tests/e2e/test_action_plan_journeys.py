"""Mission 1 in the browser: a consultant builds the action plan from the diagnostic's leads; the élu approves it
(with the mouse, and with the keyboard alone), registers a person to a workshop and asks for support."""

import datetime
import os

import pytest

from ateliers.models import Registration
from core.deliverables import submit_deliverable
from core.models import Deliverable, WorkflowStatus
from missions.mission1.models.action_plans import Action, ActionPlan
from missions.support.models import SupportRequest
from tests.factories_ateliers import WorkshopFactory
from tests.factories_mission1 import ActionFactory, ActionLeadFactory, ActionPlanFactory
from tests.harness.e2e import CHROMIUM, PASSWORD, axe_scan, login, submit, tab_to, text_of

pytestmark = [
    pytest.mark.postgres_only,  # browser tests run on production's database only (tests/conftest.py)
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM}: e2e skipped"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def submitted_plan(field):
    """Amagney's plan with one action, submitted by the consultant: waiting for the commune's approval."""
    plan = ActionPlanFactory(accompaniment=field["accompaniment"], summary="Manger local à l'école et au village.")
    ActionFactory(plan=plan, title="Des produits locaux à la cantine")
    submit_deliverable(subject=plan, by=field["consultant"])
    return plan


def test_consultant_builds_the_action_plan_from_the_diagnostic_leads(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    insee = field["commune"].insee_code
    ActionLeadFactory(diagnostic=field["diagnostic"], title="Un verger communal", theme="jardins_vergers")
    ActionLeadFactory(
        diagnostic=field["diagnostic"], title="Légumes du maraîcher à la cantine", theme="circuits_courts"
    )

    login(page, base, field["consultant"])
    page.goto(f"{base}/communes/{insee}/plan-d-actions/")
    leads = page.locator("section[aria-labelledby=t-pistes]")
    assert "Un verger communal" in leads.inner_text() and "Légumes du maraîcher à la cantine" in leads.inner_text()
    assert "n'est pas encore commencé" in text_of(page)
    axe_scan(page, base, "consultant-plan-leads")

    # One click turns a lead into a proposed action of the plan.
    submit(page, "Ajouter au plan : Un verger communal")
    assert "La piste « Un verger communal » est devenue une action du plan." in text_of(page)
    assert page.inner_text("h1") == "Un verger communal"
    axe_scan(page, base, "consultant-action-from-lead")

    # ... which the consultant completes.
    with page.expect_navigation():
        page.click("main a:has-text('Modifier')")
    axe_scan(page, base, "consultant-action-form")
    page.select_option("#id_status", "retenue")
    page.fill("#id_progress", "10")
    page.fill("#id_operational_objectives", "Planter 20 arbres fruitiers près de l'école.")
    page.fill("#id_cost_estimate", "3500")
    page.fill("#id_start_month", "2027-03")
    page.fill("#id_end_month", "2027-11")
    page.fill("#id_financements-0-funder", "Grand Besançon Métropole")
    page.fill("#id_financements-0-amount", "2000")
    submit(page, "Enregistrer l'action")
    main = text_of(page)
    assert "Action enregistrée." in main
    assert "Planter 20 arbres fruitiers près de l'école." in main
    assert "mars 2027 – novembre 2027" in main and "3 500,00 €" in main
    axe_scan(page, base, "consultant-action-detail")

    # Back on the plan: the second lead is still offered; the first one is an action with its cost.
    page.click("nav[aria-label=\"Fil d'Ariane\"] >> text=Plan d'actions")
    page.wait_for_url(f"**/communes/{insee}/plan-d-actions/")
    assert "Un verger communal" not in page.locator("section[aria-labelledby=t-pistes]").inner_text()
    assert "Un verger communal" in page.locator("section[aria-labelledby=t-actions]").inner_text()
    submit(page, "Ajouter au plan : Légumes du maraîcher à la cantine")
    page.goto(f"{base}/communes/{insee}/plan-d-actions/")
    assert page.locator("section[aria-labelledby=t-pistes]").count() == 0
    actions = page.locator("section[aria-labelledby=t-actions] tbody tr")
    assert actions.count() == 2
    assert "Retenue" in actions.nth(0).inner_text() and "Proposée" in actions.nth(1).inner_text()
    assert "1 500,00 €" in text_of(page, "section[aria-labelledby=t-totaux]")  # left to fund: 3,500 - 2,000

    # The checklist stops the submission while the plan has no presentation and the second action no calendar
    # (issue 17); the consultant completes them, then submits: the commune may now approve it.
    submit(page, "Soumettre à la validation de GBM")
    assert "La soumission est refusée : Rédigez la présentation du plan" in text_of(page)
    ActionPlan.objects.update(summary="Manger local à l'école et au village.")
    Action.objects.filter(start_month__isnull=True).update(start_month=datetime.date(2027, 1, 1))
    page.reload()
    submit(page, "Soumettre à la validation de GBM")
    assert "Soumis à validation" in text_of(page)
    assert "En attente de l'approbation de la commune" in text_of(page)
    axe_scan(page, base, "consultant-plan-submitted")
    plan = ActionPlan.objects.get()
    assert plan.workflow_status == WorkflowStatus.SUBMITTED
    assert set(plan.actions.values_list("source_lead__title", flat=True)) == {
        "Un verger communal",
        "Légumes du maraîcher à la cantine",
    }
    assert page.console_errors == []


def test_elu_approves_the_plan_registers_a_person_and_asks_for_support(
    live_server, browser_page, field, submitted_plan
):
    page, base = browser_page, live_server.url
    commune, insee = field["commune"], field["commune"].insee_code
    workshop = WorkshopFactory(programme=field["programme"], title="La cantine en circuit court")

    # The élu lands on their home page, what awaits them first; another commune does not exist for them.
    login(page, base, field["elu"])
    assert page.url == f"{base}/"
    assert page.inner_text("h1") == "Amagney : ce qui vous attend"
    axe_scan(page, base, "elu-home-first")
    page.goto(f"{base}/communes/{insee}/")
    assert page.inner_text("h1") == "Amagney"
    assert page.locator("nav[aria-label='Navigation principale'] >> text=Communes").count() == 0
    axe_scan(page, base, "elu-hub")
    assert page.goto(f"{base}/communes/{field['other'].insee_code}/").status == 404
    assert "Page introuvable" in text_of(page, "h1")
    axe_scan(page, base, "elu-404-other-commune")
    assert page.goto(f"{base}/communes/{field['other'].insee_code}/plan-d-actions/").status == 404
    page.console_errors.clear()  # the two 404s above, expected
    page.goto(f"{base}/")

    # The plan, submitted by the consultant, is approved with the date of the council's decision.
    with page.expect_navigation():
        page.click('main a:has-text("Plan d\'actions")')
    assert "Des produits locaux à la cantine" in text_of(page)
    axe_scan(page, base, "elu-plan-to-approve")
    # The approval cannot be undone: its page says so before the élu confirms.
    with page.expect_navigation():
        page.click('main a:has-text("Approuver le plan d\'actions")')
    assert "Cette approbation ne pourra pas être annulée" in text_of(page)
    axe_scan(page, base, "elu-plan-approval-confirmation")
    page.fill("#id_council_decision_date", "2026-11-10")
    submit(page, "Approuver la version 1")
    main = text_of(page)
    assert "Le plan d'actions est approuvé par la commune. GBM va pouvoir le valider." in main
    assert "délibération du conseil municipal du 10 novembre 2026" in main
    axe_scan(page, base, "elu-plan-approved")
    submitted_plan.refresh_from_db()
    assert submitted_plan.approved_by == field["elu"]
    assert submitted_plan.council_decision_date == datetime.date(2026, 11, 10)

    # A workshop open to every commune: the élu registers someone of Amagney.
    page.click("nav[aria-label='Navigation principale'] >> text=Ateliers")
    page.wait_for_url("**/ateliers/")
    axe_scan(page, base, "elu-workshop-list")
    with page.expect_navigation():
        page.click("main a:has-text('La cantine en circuit court')")
    axe_scan(page, base, "elu-workshop")
    with page.expect_navigation():
        page.click("text=Inscrire une personne")
    assert "nouvelle personne d'Amagney" in text_of(page)
    axe_scan(page, base, "elu-registration-form")
    page.fill("#id_first_name", "Lucie")
    page.fill("#id_last_name", "Cantinière")
    page.fill("#id_role_title", "Cuisinière de l'école")
    page.fill("#id_email", "lucie@example.org")
    submit(page, "Inscrire")
    assert page.url == f"{base}/ateliers/{workshop.pk}/"
    assert "Lucie Cantinière est inscrit·e" in text_of(page)
    assert "Lucie Cantinière" in text_of(page, "section[aria-labelledby=titre-inscriptions]")
    axe_scan(page, base, "elu-workshop-registered")
    registration = Registration.objects.get(workshop=workshop)
    assert registration.commune == commune and not registration.consent_to_share

    # The élu asks for support for a project of their commune.
    page.click("nav[aria-label='Navigation principale'] >> text=Demandes d'accompagnement")
    page.wait_for_url("**/demandes/")
    assert "Aucune demande d'accompagnement pour le moment." in text_of(page)
    axe_scan(page, base, "elu-request-list")
    with page.expect_navigation():
        page.click("main a:has-text('Demander un accompagnement')")
    assert page.input_value("#id_organisation") == "Commune d'Amagney"
    axe_scan(page, base, "elu-request-form")
    page.fill("#id_title", "Une cuisine pédagogique à l'école")
    page.select_option("#id_kind", "cuisine_pedagogique")
    page.fill("#id_description", "Équiper une salle pour cuisiner avec les élèves.")
    page.fill("#id_help_wanted", "Trouver les financements et un intervenant.")
    page.check("input[name=already_under_way][value='0']")
    submit(page, "Envoyer la demande")
    support_request = SupportRequest.objects.get()
    main = text_of(page)
    assert f"Votre demande {support_request.reference} est enregistrée" in main
    assert "Une cuisine pédagogique à l'école" in page.inner_text("h1") and "Reçue" in main
    axe_scan(page, base, "elu-request-sent")
    assert support_request.commune == commune and support_request.submitted_by == field["elu"]
    assert page.console_errors == []


def test_elu_approves_the_plan_with_the_keyboard_alone(live_server, browser_page, field, submitted_plan):
    """Log in, reach the commune's plan and approve it with Tab, typing and Enter only: no click."""
    page, base = browser_page, live_server.url
    insee = field["commune"].insee_code
    page.goto(f"{base}/connexion/")
    axe_scan(page, base, "login")
    tab_to(page, "#id_username")
    page.keyboard.type(field["elu"].username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{base}/"

    tab_to(page, f"main a[href='/communes/{insee}/plan-d-actions/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Des produits locaux à la cantine" in text_of(page, "section[aria-labelledby=t-actions]")
    axe_scan(page, base, "elu-keyboard-plan")

    tab_to(page, "main a[href$='/approuver/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "#id_council_decision_date")
    # Day and month alike: the same keys in a jj/mm/aaaa or an mm/dd/yyyy field (headless Chromium shows date inputs
    # in the American order whatever the locale).
    page.keyboard.type("09092026")
    tab_to(page, "main form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert "Le plan d'actions est approuvé par la commune." in text_of(page)
    assert "délibération du conseil municipal du 9 septembre 2026" in text_of(page)
    axe_scan(page, base, "elu-keyboard-plan-approved")
    submitted_plan.refresh_from_db()
    assert submitted_plan.council_decision_date == datetime.date(2026, 9, 9)
    assert Deliverable.objects.get().status == Deliverable.Status.SUBMITTED
    assert Action.objects.count() == 1
    assert page.console_errors == []
