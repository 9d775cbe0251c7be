"""Throttled logins, templates fit for a strict CSP, French error pages, an audit row for every write."""

import re
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import ContactFactory

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]


def all_templates():
    return [path for directory in TEMPLATE_DIRS for path in directory.rglob("*.html") if ".venv" not in path.parts]


def test_templates_have_no_inline_scripts_handlers_or_style_attributes():
    problems = []
    for path in all_templates():
        text = path.read_text(encoding="utf-8")
        is_pdf = "/pdf/" in str(path) or path.name == "base_pdf.html"
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            problems.append(f"{path}: inline <script>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            problems.append(f"{path}: inline event handler")
        if not is_pdf and re.search(r"\sstyle\s*=\s*[\"']", text):
            problems.append(f"{path}: style attribute (blocked by the CSP)")
    assert problems == []


def test_no_asset_comes_from_a_cdn():
    for path in all_templates():
        text = path.read_text(encoding="utf-8")
        # Links to other sites are fine; scripts, styles, images and fonts must come from static/.
        assert not re.search(r"\bsrc=[\"']https?://", text), f"{path} loads a remote asset"
        assert not re.search(r"<link[^>]*href=[\"']https?://", text), f"{path} loads a remote stylesheet"


@pytest.mark.django_db
def test_security_headers_and_csp_nonce(client, consultant):
    client.force_login(consultant)
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    for directive in ["object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "default-src 'self'"]:
        assert directive in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_login_is_throttled_after_five_failures_with_a_french_429(consultant):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "consultant", "password": "mauvais"})
        assert response.status_code == 200
    # The fifth failure locks the username from this IP: it and every further attempt get 429.
    assert client.post(reverse("login"), {"username": "consultant", "password": "mauvais"}).status_code == 429
    response = client.post(reverse("login"), {"username": "consultant", "password": "Mot-de-passe-test-1"})
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()
    # Another person's IP is not locked out.
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert (
        other.post(reverse("login"), {"username": "consultant", "password": "Mot-de-passe-test-1"}).status_code == 302
    )


def test_session_and_password_settings(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY
    min_length = next(v for v in settings.AUTH_PASSWORD_VALIDATORS if "MinimumLength" in v["NAME"])
    assert min_length["OPTIONS"]["min_length"] == 12
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == 0.25


@pytest.mark.django_db
def test_french_404_and_403_pages(client, elu, consultant):
    client.force_login(elu)
    response = client.get("/communes/99999/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
    response = client.get(reverse("communes:contact_list"))
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_500_page_is_french_and_shows_no_trace(consultant):
    from django.urls import path

    from pat_portal import urls as root_urls

    def boom(request):
        raise RuntimeError("secret-internal-detail")

    client = Client(raise_request_exception=False)
    client.force_login(consultant)
    with override_settings(ROOT_URLCONF=type("U", (), {"urlpatterns": [path("boom/", boom), *root_urls.urlpatterns]})):
        response = client.get("/boom/")
    assert response.status_code == 500
    content = response.content.decode()
    assert "Erreur du serveur" in content
    assert "secret-internal-detail" not in content
    assert "Traceback" not in content


@pytest.mark.django_db
def test_a_write_through_the_portal_leaves_a_history_row_with_user_and_time(client, consultant):
    contact = ContactFactory(last_name="Avant")
    client.force_login(consultant)
    client.post(
        reverse("communes:contact_update", args=[contact.pk]),
        {
            "last_name": "Après",
            "category": "autre",
            "first_name": "",
            "email": "",
            "phone": "",
            "lock_version": contact.lock_version,
        },
    )
    record = contact.history.first()
    assert record.last_name == "Après"
    assert record.history_user == consultant
    assert record.history_date is not None
