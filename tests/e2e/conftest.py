import os

import pytest

from tests.factories import CommuneFactory, ProgrammeFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory, DiagnosticFactory, StakeFactory
from tests.harness.e2e import AXE_SCRIPT, CHROMIUM


@pytest.fixture(scope="module")
def chromium_browser():
    """One Chromium per test module (starting it costs about a second); each test gets a fresh context."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: e2e skipped")
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls happen elsewhere.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def browser_page(chromium_browser, settings):
    settings.AXES_ENABLED = False
    # A French browser (Accept-Language, navigator.language, Paris time), as for the portal's users.
    context = chromium_browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", accept_downloads=True)
    page = context.new_page()
    errors = []

    def record(message):
        # axe-core adds a <style> element while it scans, which the portal's CSP rightly refuses: not the page's.
        if message.type == "error" and not message.location.get("url", "").endswith(AXE_SCRIPT):
            errors.append(f"{page.url}: {message.text}")

    page.on("console", record)
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def field(db):
    programme = ProgrammeFactory()
    commune = CommuneFactory(insee_code="25014", name="Amagney", population=934)
    other = CommuneFactory(insee_code="25200", name="Devecey", population=1296)
    accompaniment = AccompanimentFactory(commune=commune, programme=programme)
    diagnostic = DiagnosticFactory(accompaniment=accompaniment)
    StakeFactory(diagnostic=diagnostic)
    return {
        "programme": programme,
        "commune": commune,
        "other": other,
        "accompaniment": accompaniment,
        "diagnostic": diagnostic,
        "consultant": UserFactory(username="julien", first_name="Julien", last_name="Conseil", consultant=True),
        "gbm": UserFactory(username="claire", first_name="Claire", last_name="Métropole", gbm=True),
        "elu": UserFactory(username="bernard", first_name="Bernard", last_name="Maire", elu=True, commune=commune),
    }


# The axe summary is printed at the end of the run by tests/conftest.py (tests/harness/e2e.py's write_axe_summary),
# which also gathers the scans of pytest-xdist's workers.
