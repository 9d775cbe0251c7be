"""A French 400 page; TRACE and OPTIONS refused on every page with 405; a form's address opened by a link explained."""

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


@pytest.mark.django_db
def test_a_form_address_opened_by_a_link_says_why_in_french(client, consultant):
    """A POST-only address followed by a link answers 405 with a French page (Django's is blank), Allow kept."""
    from tests.factories_ateliers import WorkshopFactory

    workshop = WorkshopFactory()
    client.force_login(consultant)
    url = reverse("ateliers:mark_held", args=[workshop.pk])
    response = client.get(url)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    content = response.content.decode()
    assert "Cette adresse ne s'ouvre pas directement" in content and 'lang="fr"' in content
    assert "Content-Security-Policy" in response and response["X-Frame-Options"] == "DENY"  # the page's headers
    assert client.head(url).content == b""  # only a page asked for gets one
    workshop.refresh_from_db()
    assert workshop.status == workshop.Status.PLANNED
