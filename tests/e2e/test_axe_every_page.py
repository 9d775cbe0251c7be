"""axe-core on every page the URL walk reaches, for each role (issue 18, item 12): not only the pages the journeys
visit. The scenario (tests/harness/scenario.py) gives one object of each kind; each role opens every portal page
that takes no object or one of the scenario's, and every page answering 200 in HTML is scanned."""

import datetime
from urllib.parse import urljoin

import pytest
from django.urls import get_resolver, reverse

from ateliers.models import Registration
from tests.harness.e2e import axe_scan, login
from tests.harness.scenario import MATRIX, scenario
from tests.harness.urls import walk_routes

# The axe crawl runs on production's database only (tests/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

ROLES = ("gbm", "consultant", "elu")
# Not HTML pages: files, feeds, the password-reset link (token), logging out.
SKIPPED = {"calendar_feed", "password_reset_confirm", "logout"}


def page_urls(data) -> dict[str, str]:
    urls = {}
    for name, route in walk_routes(get_resolver().url_patterns):
        if route.startswith(("admin/", "static/")) or name in SKIPPED or "fmt>" in route or "pdf" in route:
            continue
        if "<" not in route:
            urls[name] = reverse(name)
        elif name in MATRIX:
            urls[name] = reverse(name, kwargs=MATRIX[name][0](data))
    return urls


def is_html_page(page, url, base) -> bool:
    """Whether the URL answers this role with an HTML page of the portal (200, not the login page), asked with the
    page's cookies but outside the page, redirects followed within the portal only (a resource may link elsewhere).

    The page itself only opens pages: an error answer with no body (405 on a POST-only URL) makes Chromium show its
    error page after `goto` has already failed, and that late navigation interrupted the next `goto`, whose own
    navigation interrupted the one after, and so on: the walk skipped page after page, and the next role's login."""
    for _ in range(5):
        answer = page.request.get(url, max_redirects=0)
        status, headers = answer.status, answer.headers
        answer.dispose()
        if status not in (301, 302, 303, 307, 308):
            return (
                status == 200
                and "text/html" in headers.get("content-type", "")
                and not url.removeprefix(base).startswith("/connexion/")
            )
        url = urljoin(url, headers["location"])
        if not url.startswith(f"{base}/"):
            return False
    return False


def test_every_page_each_role_reaches_has_no_serious_axe_violation(
    browser_page, live_server, commune, other_commune, consultant, users
):
    data = scenario(commune, other_commune, consultant)
    # A registration with consent shows its withdrawal button (its outline-warning colour was 1.6:1 on white).
    Registration.objects.filter(pk=data["registration"]).update(
        consent_to_share=True, consent_date=datetime.date(2025, 3, 1), consent_method=Registration.ConsentMethod.FORM
    )
    urls = page_urls(data)
    page, base = browser_page, live_server.url
    found, scanned, fragments = {}, 0, set()
    for role in ROLES:
        login(page, base, users[role])
        for name, url in urls.items():
            if not is_html_page(page, f"{base}{url}", base):
                continue
            response = page.goto(f"{base}{url}")
            assert response is not None and response.status == 200, (role, url, response and response.status)
            if not page.evaluate("document.doctype !== null"):
                fragments.add(name)  # an HTML fragment a page loads into a dialog: scanned with that page
                continue
            scanned += 1
            details = axe_scan(page, base, f"every-page-{role}-{name}", fail=False)
            if details:
                found[f"{role} {url}"] = details
        print(f"axe every page: {role} done, {scanned} scans so far; fragments left out: {sorted(fragments)}")
    assert scanned >= 100, scanned
    assert found == {}, found


def test_the_plan_calendar_scrolls_with_the_keyboard_on_a_narrow_screen(
    browser_page, live_server, commune, other_commune, consultant, users
):
    """The calendar's table scrolls sideways on a narrow screen: its region takes the keyboard focus, named."""
    scenario(commune, other_commune, consultant)
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 800})
    login(page, base, users["consultant"])
    page.goto(f"{base}{reverse('missions:action_plan_calendar', args=[commune.insee_code])}")
    region = page.locator("main .table-responsive").first
    assert page.evaluate("element => element.scrollWidth > element.clientWidth", region.element_handle())
    axe_scan(page, base, "plan-calendar-390px")
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("aria-label")
