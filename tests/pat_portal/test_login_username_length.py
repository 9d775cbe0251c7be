"""An over-long username is refused by the login form itself (found by the form fuzzer on PostgreSQL)."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse


@pytest.mark.django_db
def test_an_overlong_username_is_refused_on_the_form_and_never_reaches_authentication(client):
    response = client.post(reverse("login"), {"username": "x" * 10_000, "password": "un mot de passe"})
    assert response.status_code == 200
    assert "comporte au plus 150 caractères" in response.content.decode()
    # authenticate() was not called: django-axes, which stores the username in 255 characters, recorded nothing
    assert not AccessAttempt.objects.exists()


@pytest.mark.django_db
def test_a_wrong_password_still_counts_as_a_failed_login(client, consultant):
    response = client.post(reverse("login"), {"username": consultant.username, "password": "mauvais"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    assert AccessAttempt.objects.filter(username=consultant.username).exists()
