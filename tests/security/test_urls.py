"""Every URL of the portal is guarded: anonymous users are sent to the login page, POSTs need a CSRF token."""

import pytest
from django.test import Client

from tests.harness.urls import portal_urls

# URL names anyone may reach without logging in (each for a reason).
PUBLIC_URL_NAMES = {
    "login",  # the login page itself
    "login_code",  # its second step (the person waiting is in the session, not logged in yet)
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "health",  # the load balancer's and the benchmark's probe
    "missions:support_public_create",  # the public support-request form (Mission 3)
    "missions:support_public_done",
    "calendar_feed",  # calendar apps: the secret token in the URL identifies the user
    "personal_data",  # the GDPR notice (données personnelles et mentions légales) is for everyone
    "ateliers:consent_confirm",  # a person without an account confirms their consent; the signed link identifies them
    "missions:shared_plan",  # a council member opens the plan's read-only link: its secret token is the access
    "invitation_accept",  # an invited person chooses their password: the secret token in the link is the access
}


def test_there_are_many_urls_to_check():
    assert len(portal_urls()) > 80


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), [url for url in portal_urls() if url[0] not in PUBLIC_URL_NAMES])
def test_anonymous_is_redirected_to_login(client, name, path):
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code == 302, f"{name} {method.upper()} {path} answered {response.status_code}"
        assert response.url.startswith("/connexion/?next="), f"{name} redirects to {response.url}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), portal_urls())
def test_every_post_without_csrf_token_is_refused(name, path, gbm_officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(gbm_officer)
    response = client.post(path, {"x": "1"})
    assert response.status_code == 403, f"{name} POST {path} without CSRF token answered {response.status_code}"


@pytest.mark.django_db
def test_public_allowlist_names_exist():
    names = {name for name, _path in portal_urls()}
    assert names >= PUBLIC_URL_NAMES
