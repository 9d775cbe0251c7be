import pytest
from django.core import mail
from django.urls import reverse

from tests.harness.assertions import assert_redirects_to_login


@pytest.mark.django_db
def test_login_page_is_french_and_public(client):
    response = client.get("/connexion/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Connexion au portail PAT" in content
    assert 'lang="fr"' in content


@pytest.mark.django_db
def test_consultant_logs_in_and_lands_on_dashboard(client, consultant):
    response = client.post("/connexion/", {"username": "consultant", "password": "Mot-de-passe-test-1"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Tableau de bord" in response.content.decode()


@pytest.mark.django_db
def test_elu_lands_on_their_home_after_login(client, elu):
    response = client.post("/connexion/", {"username": "elu", "password": "Mot-de-passe-test-1"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Amagney : ce qui vous attend" in response.content.decode()


@pytest.mark.django_db
def test_wrong_password_shows_french_error_and_keeps_username(client, consultant):
    response = client.post("/connexion/", {"username": "consultant", "password": "faux"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in content
    assert 'value="consultant"' in content


@pytest.mark.django_db
def test_logout_requires_post_and_ends_session(client, consultant):
    client.force_login(consultant)
    response = client.post("/deconnexion/")
    assert response.status_code == 302
    assert_redirects_to_login(client.get("/"))


@pytest.mark.django_db
def test_password_change(client, consultant):
    client.force_login(consultant)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "Mot-de-passe-test-1",
            "new_password1": "Un-nouveau-mot-de-passe-42",
            "new_password2": "Un-nouveau-mot-de-passe-42",
        },
    )
    assert response.status_code == 302
    consultant.refresh_from_db()
    assert consultant.check_password("Un-nouveau-mot-de-passe-42")


@pytest.mark.django_db
def test_password_change_refuses_short_password_in_french(client, consultant):
    client.force_login(consultant)
    response = client.post(
        reverse("password_change"),
        {"old_password": "Mot-de-passe-test-1", "new_password1": "court", "new_password2": "court"},
    )
    assert response.status_code == 200
    assert "trop court" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_sends_french_email_with_working_link(
    client, consultant, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": consultant.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "réinitialiser votre mot de passe" in body
    link = next(line for line in body.splitlines() if "/mot-de-passe/reinitialiser/" in line)
    # The link is built on SITE_URL by the worker, never on the Host header of the request.
    path = link.split(settings.SITE_URL, 1)[1]
    response = client.get(path, follow=True)
    assert "Choisir un nouveau mot de passe" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_does_not_reveal_unknown_email(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "inconnu@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_health_check_is_public(client):
    from django.core.cache import cache

    cache.clear()  # the database cache outlives transactional tests: no worker's heartbeat here
    response = client.get("/sante/")  # no worker has beaten: the probe answers anonymously, and says so
    assert response.status_code == 503
    assert response.json()["worker"] == "silent"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_from_dashboard(client):
    assert_redirects_to_login(client.get("/"))
