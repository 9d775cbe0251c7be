"""Journeys of every role in a real browser, each visited page scanned by axe-core (WCAG 2.1 A/AA).

Skipped with a clear message when Debian's Chromium is missing (CI installs it).
"""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from missions.models import Diagnostic, Meeting, SupportRequest
from pat_portal.models import Deliverable, WorkflowStatus
from tests.ateliers.test_browser import CHROMIUM, PASSWORD, browser_page, login  # noqa: F401 (fixture)
from tests.factories import CommuneFactory, ProgrammeFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory, DiagnosticFactory, StakeFactory

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM}: e2e skipped"),
    pytest.mark.django_db(transaction=True),
]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "tests" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MODERATE = {}


def axe_scan(page, base, name):
    """Inject the vendored axe-core (served as a static file, CSP allows it), fail on serious/critical issues."""
    page.add_script_tag(url=f"{base}/static/vendor/axe/axe.min.js")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    violations = result["violations"]
    blocking = [v for v in violations if v["impact"] in ("serious", "critical")]
    MODERATE[name] = sum(1 for v in violations if v["impact"] == "moderate")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    details = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in blocking]
    assert not blocking, f"{name}: {json.dumps(details, ensure_ascii=False)}"


@pytest.fixture
def field(db):
    ProgrammeFactory()
    commune = CommuneFactory(insee_code="25014", name="Amagney", population=934)
    other = CommuneFactory(insee_code="25200", name="Devecey", population=1296)
    accompaniment = AccompanimentFactory(commune=commune)
    StakeFactory(diagnostic=DiagnosticFactory(accompaniment=accompaniment))
    return {
        "commune": commune,
        "other": other,
        "accompaniment": accompaniment,
        "consultant": UserFactory(username="julien", consultant=True),
        "gbm": UserFactory(username="claire", gbm=True),
        "elu": UserFactory(username="bernard", elu=True, commune=commune),
    }


def test_meeting_diagnostic_validation_and_elu_scope(live_server, browser_page, field):  # noqa: F811
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
    page.click("text=Valider la version 1")
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


def test_public_request_form_then_queue(live_server, browser_page, field):  # noqa: F811
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


def test_keyboard_only_login_and_navigation(live_server, browser_page, field):  # noqa: F811
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
