"""The whole Mission 2 journey in a real browser: theme proposal to validated report and consented list."""

import datetime
import os

import pytest
from django.utils import timezone

from ateliers.models import Registration, Theme, Workshop
from core.models import Deliverable
from tests.factories import ContactFactory, ProgrammeFactory, UserFactory
from tests.harness.e2e import CHROMIUM, login, submit, text_of

pytestmark = [
    pytest.mark.postgres_only,  # browser tests run on production's database only (tests/conftest.py)
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_page(settings):
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls happen elsewhere.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.AXES_ENABLED = False
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        page = browser.new_page(accept_downloads=True)
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.console_errors = errors
        yield page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_workshop_from_theme_proposal_to_validated_report_in_the_browser(live_server, browser_page, tmp_path):
    page, base = browser_page, live_server.url
    ProgrammeFactory()
    consultant = UserFactory(username="julien", consultant=True)
    gbm = UserFactory(username="claire", gbm=True)
    elu = UserFactory(username="bernard", elu=True)
    paula = ContactFactory(
        last_name="Partage", first_name="Paula", commune=elu.commune, email="paula@example.org", consenting=True
    )

    # A consultant proposes a theme; GBM validates it.
    login(page, base, consultant)
    page.goto(f"{base}/ateliers/themes/nouveau/")
    page.fill("#id_title", "Cantines locales")
    page.select_option("#id_action_theme", "restauration_collective")
    submit(page)
    theme = Theme.objects.get(title="Cantines locales")
    assert theme.status == Theme.Status.PROPOSED
    login(page, base, gbm)
    page.goto(f"{base}/ateliers/themes/{theme.pk}/")
    page.check("input[name=decision][value=valider]")
    submit(page, "Enregistrer la décision")
    assert "Thème validé" in text_of(page)

    # The consultant creates a workshop that took place yesterday and registers two people.
    login(page, base, consultant)
    page.goto(f"{base}/ateliers/nouveau/")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    page.fill("#id_title", "La cantine de Devecey")
    page.select_option("#id_theme", str(theme.pk))
    page.select_option("#id_format", "visite")
    page.fill("#id_starts_at", f"{yesterday:%Y-%m-%d}T09:30")
    page.fill("#id_ends_at", f"{yesterday:%Y-%m-%d}T12:00")
    page.fill("#id_place", "Restaurant scolaire")
    page.fill("#id_temoignages-0-speaker", "Karim Benali")
    submit(page)
    workshop = Workshop.objects.get(title="La cantine de Devecey")
    page.goto(f"{base}/ateliers/{workshop.pk}/inscriptions/nouvelle/")
    # The people picker (Tom Select) stands in for the select: choose Paula through it, as the keyboard would.
    page.fill("#id_contact-ts-control", "Paula")
    page.locator(f".ts-dropdown [data-value='{paula.pk}']").click()
    page.check("#id_consent_to_share")
    page.select_option("#id_consent_method", "formulaire")
    submit(page)
    assert page.url == f"{base}/ateliers/{workshop.pk}/"

    # An élu registers someone of their commune, who does not consent to share their details.
    login(page, base, elu)
    page.goto(f"{base}/ateliers/{workshop.pk}/inscriptions/nouvelle/")
    page.fill("#id_first_name", "Sam")
    page.fill("#id_last_name", "Discret")
    page.fill("#id_email", "sam@example.org")
    submit(page)
    assert page.url == f"{base}/ateliers/{workshop.pk}/"
    assert Registration.objects.filter(workshop=workshop).count() == 2

    # After the workshop: everyone present in one click, the workshop is held, the report is written and submitted.
    login(page, base, consultant)
    page.goto(f"{base}/ateliers/{workshop.pk}/emargement/")
    page.click("text=Tout le monde présent")
    submit(page, "Enregistrer les présences")
    assert page.url == f"{base}/ateliers/{workshop.pk}/"
    page.goto(f"{base}/ateliers/{workshop.pk}/compte-rendu/modifier/")
    page.fill("#id_text", "Échanges sur les coûts et les producteurs.")
    submit(page)
    submit(page, "Soumettre à la validation de GBM")
    assert "soumise à la validation de GBM" in text_of(page)

    login(page, base, gbm)
    page.goto(f"{base}/ateliers/{workshop.pk}/compte-rendu/")
    page.click("text=Valider la version 1")  # a confirmation page says what validating does
    page.wait_for_url("**/livrables/*/valider/")
    submit(page, "Valider et figer la version 1")
    assert "son PDF est figé" in text_of(page)
    assert Deliverable.objects.get(kind=Deliverable.Kind.WORKSHOP_REPORT).is_frozen

    # The élu downloads the consented contact list: the person who did not consent is not in it.
    login(page, base, elu)
    page.goto(f"{base}/ateliers/{workshop.pk}/")
    assert page.is_visible("text=Compte rendu, version 1")
    with page.expect_download() as download:
        page.click("text=CSV")
    csv = tmp_path / "contacts.csv"
    download.value.save_as(csv)
    content = csv.read_text(encoding="utf-8-sig")
    assert "paula@example.org" in content and "sam@example.org" not in content and "Discret" not in content
    workshop.refresh_from_db()
    assert workshop.is_held
    assert set(Registration.objects.values_list("attendance", flat=True)) == {"present"}
    assert page.console_errors == []
