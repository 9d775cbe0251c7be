"""The navigation's "À faire (n)" (issue 16): the same count as the home page's lists, on every page, at most one
query, none while its signed cookie is fresh, counted again after a write."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pat_portal.pages.navigation import COOKIE
from tests.factories import ProgrammeFactory
from tests.factories_ateliers import ThemeFactory
from tests.factories_mission1 import AccompanimentFactory, ActionPlanFactory
from tests.factories_support import SupportRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_things_for_gbm(commune):
    programme = ProgrammeFactory()
    SupportRequestFactory(programme=programme, commune=commune)
    SupportRequestFactory(programme=programme, commune=commune, under_review=True)
    ThemeFactory(proposed=True)


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, len(captured.captured_queries)


def test_the_navigation_counts_what_the_home_page_lists(client, gbm_officer, three_things_for_gbm):
    client.force_login(gbm_officer)
    assert "À faire (3)</a>" in client.get("/ateliers/").content.decode()
    home = client.get("/").context["home"]
    assert home.todo_count == 3


def test_the_count_costs_one_query_then_none_while_its_cookie_is_fresh(client, gbm_officer, three_things_for_gbm):
    client.force_login(gbm_officer)
    _response, counted = _queries(client, "/ateliers/")
    response, cached = _queries(client, "/ateliers/")
    assert cached == counted - 1
    assert "À faire (3)</a>" in response.content.decode()


def test_the_cookie_belongs_to_its_user(client, gbm_officer, elu, three_things_for_gbm):
    client.force_login(gbm_officer)
    client.get("/ateliers/")
    client.force_login(elu)  # the same browser, another user: the count is theirs, not the cookie's
    assert "À faire (3)" not in client.get("/ateliers/").content.decode()


def test_a_write_drops_the_count_so_that_the_next_page_counts_again(client, gbm_officer, three_things_for_gbm):
    client.force_login(gbm_officer)
    client.get("/ateliers/")
    assert COOKIE in client.cookies
    response = client.post("/mon-compte/", {})
    assert response.cookies[COOKIE]["max-age"] == 0
    SupportRequestFactory(programme=ProgrammeFactory(), under_review=True)
    assert "À faire (4)</a>" in client.get("/ateliers/").content.decode()


def test_the_home_page_refreshes_the_count_without_a_query_of_its_own(client, gbm_officer, three_things_for_gbm):
    client.force_login(gbm_officer)
    client.get("/")
    client.cookies.pop(COOKIE, None)
    response, _count = _queries(client, "/")
    assert COOKIE in response.cookies  # counted with the home's lists, kept for the next pages
    assert "À faire (3)</a>" in response.content.decode()


def test_an_elus_count_is_their_plan_awaiting_approval(client, elu, commune, other_commune):
    client.force_login(elu)
    assert ">À faire</a>" in client.get("/ateliers/").content.decode()  # nothing waits: no number
    ActionPlanFactory(accompaniment=AccompanimentFactory(commune=other_commune), workflow_status="soumis")
    ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune), workflow_status="soumis")
    client.cookies.pop(COOKIE, None)
    assert "À faire (1)</a>" in client.get("/ateliers/").content.decode()
