"""The navigation's "À faire (n)" (issue 16): the same count as the home page's lists, shown on every page without
a query of its own (the home page counts it, /a-faire/nombre/ counts it for a page that did not know it, a signed
cookie keeps it a few minutes), counted again after a write."""

import json

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


def test_the_home_page_counts_for_the_navigation_of_the_next_pages(client, gbm_officer, three_things_for_gbm):
    client.force_login(gbm_officer)
    response = client.get("/")
    assert response.context["home"].todo_count == 3
    assert "À faire (3)</a>" in response.content.decode() and COOKIE in response.cookies
    assert "À faire (3)</a>" in client.get("/ateliers/").content.decode()


def test_a_page_never_pays_a_query_for_the_navigation(client, gbm_officer, three_things_for_gbm):
    client.force_login(gbm_officer)
    client.get("/ateliers/")
    response, unknown = _queries(client, "/ateliers/")
    page = response.content.decode()
    assert 'data-todo-count-url="/a-faire/nombre/">À faire</a>' in page  # the script asks for it
    client.get("/")
    response, known = _queries(client, "/ateliers/")
    assert known == unknown and "À faire (3)</a>" in response.content.decode()


def test_the_count_endpoint_answers_and_keeps_the_count(client, gbm_officer, three_things_for_gbm):
    client.force_login(gbm_officer)
    response = client.get("/a-faire/nombre/")
    assert json.loads(response.content) == {"count": 3, "label": "À faire (3)"}
    assert "À faire (3)</a>" in client.get("/ateliers/").content.decode()


def test_the_cookie_belongs_to_its_user(client, gbm_officer, elu, three_things_for_gbm):
    client.force_login(gbm_officer)
    client.get("/")
    client.force_login(elu)  # the same browser, another user: not the cookie's count
    assert "À faire (3)" not in client.get("/ateliers/").content.decode()


def test_a_write_drops_the_count_so_that_it_is_counted_again(client, gbm_officer, three_things_for_gbm):
    client.force_login(gbm_officer)
    client.get("/")
    response = client.post("/mon-compte/", {})
    assert response.cookies[COOKIE]["max-age"] == 0
    SupportRequestFactory(programme=ProgrammeFactory(), under_review=True)
    client.cookies.pop(COOKIE, None)  # as the browser does with an expired cookie
    assert json.loads(client.get("/a-faire/nombre/").content)["count"] == 4


def test_an_elus_count_is_their_plan_awaiting_approval(client, elu, commune, other_commune):
    client.force_login(elu)
    assert json.loads(client.get("/a-faire/nombre/").content) == {"count": 0, "label": "À faire"}
    ActionPlanFactory(accompaniment=AccompanimentFactory(commune=other_commune), workflow_status="soumis")
    ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune), workflow_status="soumis")
    assert json.loads(client.get("/a-faire/nombre/").content)["count"] == 1


def test_the_count_endpoint_needs_a_login(client):
    response = client.get("/a-faire/nombre/")
    assert response.status_code == 302 and response.url.startswith("/connexion/")
