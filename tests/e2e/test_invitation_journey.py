"""Issue 24's journey: a GBM officer invites an élu from the people pages; the élu opens the e-mailed link, chooses a
password and lands on their commune's home with a one-time welcome. Both pages are scanned at desktop and phone
widths."""

import re

import pytest
from django.core import mail

from core.models import User
from tests.harness.e2e import SCREENSHOTS, axe_scan, login

pytestmark = [
    pytest.mark.postgres_only,  # browser tests run on production's database only (tests/conftest.py)
    pytest.mark.django_db(transaction=True),
]
NEW_PASSWORD = "Un-mot-de-passe-solide-2026"


def test_officer_invites_an_elu_who_lands_on_the_commune_home(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    login(page, base, field["gbm"])
    page.goto(f"{base}/personnes/invitations/nouvelle/")
    axe_scan(page, base, "gbm-invitation-form")
    page.fill("#id_first_name", "Inès")
    page.fill("#id_last_name", "Roy")
    page.fill("#id_email", "ines.roy@example.org")
    page.select_option("#id_role", "elu")
    page.select_option("#id_commune", str(field["commune"].pk))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/personnes/invitations/")
    assert "Invitation envoyée à Inès Roy" in page.inner_text("main")
    axe_scan(page, base, "gbm-invitation-list")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SCREENSHOTS / f"invitations-{width}.png"), full_page=True)

    link = re.search(r"http\S+/invitation/\S+/", mail.outbox[-1].body).group(0)
    page.context.clear_cookies()
    page.goto(base + "/" + link.split("/", 3)[3])
    axe_scan(page, base, "invitation-accept")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    main = page.inner_text("main")
    assert "Bienvenue Inès" in main and "Amagney" in main
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SCREENSHOTS / f"invitation-welcome-{width}.png"), full_page=True)
    assert User.objects.get(email="ines.roy@example.org").commune == field["commune"]
    assert page.console_errors == []
