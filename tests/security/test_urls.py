"""Every URL of the portal is guarded: anonymous users are sent to the login page, POSTs need a CSRF token."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# URL names anyone may reach without logging in (each for a reason).
PUBLIC_URL_NAMES = {
    "login",  # the login page itself
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "health",  # the load balancer's and the benchmark's probe
    "missions:support_public_create",  # the public support-request form (Mission 3)
    "missions:support_public_done",
    "calendar_feed",  # calendar apps: the secret token in the URL identifies the user
    "personal_data",  # the GDPR notice (données personnelles et mentions légales) is for everyone
}
SAMPLE_VALUES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "export_format": "csv",
}


def walk_views(patterns, prefix="", namespace=""):
    """(namespaced name, route, view) of every URL pattern below `patterns`."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk_views(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern.callback


def _walk(patterns):
    for name, route, _view in walk_views(patterns):
        yield name, route


def _sample_path(route: str) -> str:
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_VALUES.get(m.group(1) or "str", "x"), route)
    path = path.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
    return "/" + path


def portal_urls():
    """Every URL of the project except the admin (Django's own login) and static files."""
    urls = []
    for name, route in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or route.startswith("static/"):
            continue
        urls.append((name, _sample_path(route)))
    return urls


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
