"""A French 400 page, and TRACE and OPTIONS refused on every page with 405."""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client, override_settings
from django.urls import path, reverse

from pat_portal import urls as root_urls


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_bad_host_gets_the_french_400_page():
    response = Client().get("/connexion/", HTTP_HOST="portail.mechant.example")
    assert response.status_code == 400
    content = response.content.decode()
    assert "Requête invalide" in content
    assert 'lang="fr"' in content


def _suspicious(request):
    raise SuspiciousOperation("detail-interne-a-ne-pas-montrer")


urlpatterns = [path("suspect/", _suspicious), *root_urls.urlpatterns]


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_suspicious_request_gets_the_400_page_without_its_detail(consultant):
    client = Client()
    client.force_login(consultant)
    response = client.get("/suspect/")
    assert response.status_code == 400
    content = response.content.decode()
    assert "Requête invalide" in content
    assert "detail-interne-a-ne-pas-montrer" not in content


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["TRACE", "OPTIONS"])
@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "consultant"])
def test_trace_and_options_are_refused_with_405_on_pages(client, consultant, method, logged_in):
    if logged_in:
        client.force_login(consultant)
    for url in ["/", reverse("login"), reverse("missions:support_public_create"), reverse("communes:contact_list")]:
        response = client.generic(method, url)
        assert response.status_code == 405, (method, url)
        assert response["Allow"] == "GET, HEAD, POST"
        assert "Max-Forwards" not in response.content.decode()


@pytest.mark.django_db
def test_get_head_and_post_still_reach_the_pages(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.head(reverse("login")).status_code == 200
    assert client.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 200
