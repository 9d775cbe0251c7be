"""Journeys of every role in a real browser, each visited page scanned by axe-core (WCAG 2.1 A/AA).

Skipped with a clear message when Debian's Chromium is missing (CI installs it).
"""

import os

import pytest
from django.core import mail

from core.models import Deliverable, WorkflowStatus
from missions.mission1.models.diagnostics import Diagnostic
from missions.mission1.models.meetings import Meeting
from missions.support.models import SupportRequest
from tests.harness.e2e import CHROMIUM, PASSWORD, SCREENSHOTS, axe_scan, login, submit, text_of

pytestmark = [
    pytest.mark.postgres_only,  # browser tests run on production's database only (tests/conftest.py)
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM}: e2e skipped"),
    pytest.mark.django_db(transaction=True),
]


def test_meeting_diagnostic_validation_and_elu_scope(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    commune = field["commune"]

    # The consultant logs a meeting.
    login(page, base, field["consultant"])
    page.goto(f"{base}/reunions/nouvelle/?accompagnement={field['accompaniment'].pk}")
    axe_scan(page, base, "consultant-meeting-form")
    page.fill("#id_starts_at", "2026-03-12T18:30")
    page.select_option("#id_kind", "lancement")
    page.fill("#id_title", "Lancement du PAT communal")
    page.fill("#id_place", "Salle du conseil")
    page.click("main form button[type=submit], main form input[type=submit]")
    page.wait_for_selector("h1:has-text('Lancement du PAT communal')")
    assert Meeting.objects.filter(title="Lancement du PAT communal", commune=commune).exists()
    axe_scan(page, base, "consultant-meeting-detail")

    # ... edits the diagnostic and submits it.
    page.goto(f"{base}/communes/{commune.insee_code}/diagnostic/modifier/")
    axe_scan(page, base, "consultant-diagnostic-form")
    page.fill("#id_context", "Commune rurale, une école de 80 élèves, un maraîcher.")
    page.click("main form button[type=submit], main form input[type=submit]")
    page.wait_for_url(f"**/communes/{commune.insee_code}/diagnostic/")
    page.click("text=Soumettre à la validation de GBM")
    page.wait_for_selector("text=Soumis à validation")
    axe_scan(page, base, "consultant-diagnostic-submitted")

    # GBM validates it and downloads the frozen PDF.
    login(page, base, field["gbm"])
    page.goto(f"{base}/communes/{commune.insee_code}/diagnostic/")
    with page.expect_navigation():
        page.click("text=Valider la version 1")
    assert "Le document sera figé et ne pourra plus être modifié" in text_of(page)
    axe_scan(page, base, "gbm-validation-confirmation")
    page.click("text=Valider et figer la version 1")
    page.wait_for_selector("text=Validé")
    diagnostic = Diagnostic.objects.get()
    assert diagnostic.workflow_status == WorkflowStatus.VALIDATED
    axe_scan(page, base, "gbm-diagnostic-validated")
    pdf = page.request.get(f"{base}/livrables/{Deliverable.objects.get().pk}/pdf/")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    page.goto(f"{base}/")
    axe_scan(page, base, "gbm-dashboard")

    # The élu sees their commune, not another one.
    login(page, base, field["elu"])
    page.goto(f"{base}/communes/{commune.insee_code}/")
    assert "Amagney" in page.inner_text("h1")
    axe_scan(page, base, "elu-commune-hub")
    response = page.goto(f"{base}/communes/{field['other'].insee_code}/")
    assert response.status == 404


def test_public_request_form_then_queue_and_gbm_decision(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/demandes/nouvelle/")
    axe_scan(page, base, "public-request-form")
    page.select_option("#id_requester_kind", "association")
    page.fill("#id_organisation", "Les Jardins d'Amagney")
    page.fill("#id_contact_name", "Paula Partage")
    page.fill("#id_email", "paula@example.org")
    page.select_option("#id_commune", str(field["commune"].pk))
    page.fill("#id_title", "Un verger partagé")
    page.select_option("#id_kind", "verger")
    page.fill("#id_description", "Planter vingt arbres fruitiers près de l'école.")
    page.fill("#id_help_wanted", "Choisir les variétés et monter le financement.")
    page.check("input[name=already_under_way] >> nth=1")
    page.click("main form button[type=submit], main form input[type=submit]")
    page.wait_for_load_state()
    page.screenshot(path=str(SCREENSHOTS / "public-request-sent.png"), full_page=True)
    assert "/merci/" in page.url, page.locator(".invalid-feedback, .alert, .errorlist").all_inner_texts()
    axe_scan(page, base, "public-request-done")
    assert SupportRequest.objects.get().title == "Un verger partagé"

    login(page, base, field["gbm"])
    page.goto(f"{base}/demandes/")
    assert "Un verger partagé" in page.inner_text("main")
    axe_scan(page, base, "gbm-request-queue")

    # GBM opens the request, takes it under review and decides it (agreed with the contractor).
    with page.expect_navigation():
        page.click("main a:has-text('Un verger partagé')")
    assert "Les Jardins d'Amagney" in text_of(page) and "Reçue" in text_of(page)
    axe_scan(page, base, "gbm-request-received")
    submit(page, "Mettre en instruction")
    assert "La demande est en instruction." in text_of(page)
    with page.expect_navigation():
        page.click("text=Décider (accepter ou refuser)")
    axe_scan(page, base, "gbm-request-decision-form")
    page.check("input[name=outcome][value=accepter]")
    page.fill("#id_reason", "Projet déjà porté par une association ; l'école est partenaire.")
    page.select_option("#id_feasibility", "faisable")
    page.fill("#id_support_nature", "Choix des variétés avec un pépiniériste, dossier de financement.")
    page.check("input[name=steps][value=definition_besoin]")
    page.check("input[name=steps][value=plan_financement]")
    page.fill("#id_allotted_half_days", "4")
    submit(page, "Enregistrer la décision et informer le demandeur")
    decision = text_of(page, "section[aria-labelledby=titre-decision]")
    assert "La demande est acceptée ; le demandeur en est informé par e-mail." in text_of(page)
    assert "Demande acceptée" in decision and "par Claire Métropole" in decision
    assert "l'école est partenaire" in decision and "4 demi-journées" in decision
    assert "Définition du besoin" in text_of(page, "section[aria-labelledby=titre-etapes]")
    axe_scan(page, base, "gbm-request-decided")
    support_request = SupportRequest.objects.get()
    assert support_request.status == SupportRequest.Status.ACCEPTED
    assert any("paula@example.org" in message.to for message in mail.outbox)
    assert page.console_errors == []


def test_keyboard_only_login_and_navigation(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/connexion/")
    page.focus("#id_username")
    page.keyboard.type(field["elu"].username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/connexion/" not in url)
    # Tab through the page until the commune link has focus, then follow it with Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if focused.endswith(f"/communes/{field['commune'].insee_code}/"):
            break
    else:
        pytest.fail("The commune link cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/communes/{field['commune'].insee_code}/")
    assert "Amagney" in page.inner_text("h1")
    axe_scan(page, base, "elu-keyboard-hub")
