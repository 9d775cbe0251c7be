"""The pages the walkthrough found too wide (issue 25 minors), in Chromium: at 390 px no page scrolls sideways (a wide
table scrolls inside its .table-responsive wrapper, button groups wrap), and at 1366 px /demandes/ shows all its
columns, as do the order forms, the dashboard's budget and the week grid. Each role reads the pages it reaches, on
the permission matrix's scenario."""

import pytest
from django.urls import reverse

from ateliers.models import Workshop
from tests.harness.e2e import login
from tests.harness.scenario import scenario

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


def narrow_pages(data) -> dict[str, list[str]]:
    """Role: the pages to read at 390 px (the eight of the walkthrough; élus reach three of them)."""
    held = Workshop.objects.filter(status=Workshop.Status.HELD).values_list("pk", flat=True).first()
    commune = {"insee_code": data["insee"]}
    team = [
        reverse("missions:time_week"),
        reverse("missions:time_list"),
        reverse("ateliers:attendance", kwargs={"pk": held}),
        reverse("dashboard"),
        reverse("deliverable_list"),
        reverse("missions:support_list"),
        reverse("missions:action_plan", kwargs=commune),
        reverse("missions:diagnostic", kwargs=commune),
    ]
    elu = [reverse("missions:support_list"), *team[-2:]]
    return {"gbm": team, "consultant": team, "elu": elu}


def too_wide(page, base, urls: list[str], width: int) -> dict[str, int]:
    """The pages of `urls` the document of which is wider than the screen: url -> its scroll width."""
    found = {}
    for url in urls:
        response = page.goto(f"{base}{url}")
        assert response is not None and response.status == 200, (url, response and response.status)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            found[url] = scroll_width
    return found


def test_no_page_of_the_walkthrough_scrolls_sideways_on_a_phone(
    browser_page, live_server, commune, other_commune, consultant, users
):
    data = scenario(commune, other_commune, consultant)
    page, base = browser_page, live_server.url
    page.set_viewport_size(PHONE)
    wide = {}
    for role, urls in narrow_pages(data).items():
        login(page, base, users[role])
        wide |= {f"{role} {url}": width for url, width in too_wide(page, base, urls, PHONE["width"]).items()}
    assert wide == {}, wide


def test_the_wide_tables_show_all_their_columns_on_a_laptop(
    browser_page, live_server, commune, other_commune, consultant, users
):
    """At 1366 px (a 1140 px container) no table scrolls inside its wrapper: /demandes/ (its priority column was cut
    off), the order forms and the dashboard's budget (a « Dépassement » badge), the week grid (its weekend)."""
    scenario(commune, other_commune, consultant)
    page, base = browser_page, live_server.url
    page.set_viewport_size(LAPTOP)
    pages = {
        "gbm": [
            f"{reverse('missions:support_list')}?status=toutes",
            reverse("missions:order_form_list"),
            reverse("dashboard"),
        ],
        "consultant": [reverse("missions:time_week")],
    }
    cut_off = {}
    for role, urls in pages.items():
        login(page, base, users[role])
        for url in urls:
            page.goto(f"{base}{url}")
            assert page.locator("main .table-responsive table tbody tr").count() >= 1, url
            widths = page.evaluate(
                "[...document.querySelectorAll('main .table-responsive')].map(e => [e.scrollWidth, e.clientWidth])"
            )
            if any(scroll_width > client_width for scroll_width, client_width in widths):
                cut_off[f"{role} {url}"] = widths
    assert cut_off == {}, cut_off
