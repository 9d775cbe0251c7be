"""Invitations (issue 24): the life cycle of the link for each role, and the first-officer command."""

import datetime
import html
import io
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from core import invitations
from core.models import Invitation, User, WorkflowError

PASSWORD = "Un-mot-de-passe-solide-2026"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _invitee(role, commune=None, email="nouvelle.personne@example.org"):
    return invitations.Invitee(
        first_name="Anaïs",
        last_name="Lefèvre",
        email=email,
        role=role,
        commune=commune if role == User.Role.ELU else None,
        organisation="Bureau d'études" if role == User.Role.CONSULTANT else "",
    )


def _link_in_last_mail() -> str:
    return re.search(r"https?://\S+/invitation/(\S+)/", mail.outbox[-1].body).group(0)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _accept(client, path, password=PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", [User.Role.GBM, User.Role.CONSULTANT, User.Role.ELU])
def test_invitation_sent_used_and_not_reused(client, role, commune, gbm_officer):
    invitation, token = invitations.invite(_invitee(role, commune), by=gbm_officer)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouvelle.personne@example.org"]
    assert "Bonjour Anaïs" in message.body and "7 jours" in message.body
    assert token not in invitation.token_sha256 and invitation.token_sha256 == invitations.token_digest(token)
    path = _path(_link_in_last_mail())

    page = client.get(path)
    assert page.status_code == 200
    assert "Ouvrir votre compte" in page.content.decode() and "anais.lefevre" in page.content.decode()

    response = _accept(client, path)
    assert response.status_code == 302 and response.url == "/"
    user = User.objects.get(email="nouvelle.personne@example.org")
    assert (user.username, user.role, user.first_name) == ("anais.lefevre", role, "Anaïs")
    assert user.commune == (commune if role == User.Role.ELU else None)
    assert user.check_password(PASSWORD)
    home = client.get("/")
    assert home.status_code == 200
    welcome = html.unescape(home.content.decode())
    assert "Bienvenue Anaïs" in welcome and invitations.WELCOME[role] in welcome
    assert "Bienvenue" not in client.get("/").content.decode()  # the welcome is said once
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.user == user

    client.logout()
    reused = client.get(path)
    assert reused.status_code == 410 and "déjà servi" in reused.content.decode()
    assert _accept(client, path, "Un-autre-mot-de-passe-99").status_code == 410
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_weak_password_is_refused_in_french_and_nothing_is_created(client, gbm_officer):
    _invitation, token = invitations.invite(_invitee(User.Role.CONSULTANT), by=gbm_officer, send=False)
    response = _accept(client, f"/invitation/{token}/", "lefevre")
    assert response.status_code == 200
    assert "trop court" in response.content.decode()
    assert not User.objects.filter(email="nouvelle.personne@example.org").exists()


@pytest.mark.django_db
def test_expired_link_says_so_and_how_to_get_a_new_one(client, gbm_officer):
    invitation, token = invitations.invite(_invitee(User.Role.CONSULTANT), by=gbm_officer, send=False)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(f"/invitation/{token}/")
    content = response.content.decode()
    assert response.status_code == 410
    assert "a expiré" in content and "Grand Besançon Métropole" in content
    assert _accept(client, f"/invitation/{token}/").status_code == 410
    assert not User.objects.filter(email="nouvelle.personne@example.org").exists()


@pytest.mark.django_db
def test_revoked_link_is_dead(client, gbm_officer):
    invitation, token = invitations.invite(_invitee(User.Role.CONSULTANT), by=gbm_officer, send=False)
    invitations.revoke(invitation, by=gbm_officer)
    response = client.get(f"/invitation/{token}/")
    assert response.status_code == 410 and "annulée" in response.content.decode()
    with pytest.raises(WorkflowError):
        invitations.revoke(invitation, by=gbm_officer)
    with pytest.raises(WorkflowError):
        invitations.resend(invitation, by=gbm_officer)


@pytest.mark.django_db(transaction=True)
def test_resent_link_replaces_the_old_one(client, gbm_officer):
    invitation, old_token = invitations.invite(_invitee(User.Role.CONSULTANT), by=gbm_officer)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    new_token = invitations.resend(invitation, by=gbm_officer)
    assert len(mail.outbox) == 2 and new_token in mail.outbox[1].body
    assert client.get(f"/invitation/{old_token}/").status_code == 410
    assert client.get(f"/invitation/{new_token}/").status_code == 200
    assert _accept(client, f"/invitation/{new_token}/").status_code == 302


@pytest.mark.django_db
def test_unknown_or_malformed_token_answers_the_dead_link_page(client):
    assert client.get("/invitation/pas-un-jeton/").status_code == 410
    assert client.get("/invitation/" + "A" * 43 + "/").status_code == 410


@pytest.mark.django_db
def test_address_with_an_account_is_refused_whatever_the_case(gbm_officer, consultant):
    with pytest.raises(WorkflowError, match="Un compte existe déjà"):
        invitations.invite(_invitee(User.Role.CONSULTANT, email=consultant.email.upper()), by=gbm_officer)
    invitations.invite(_invitee(User.Role.CONSULTANT), by=gbm_officer, send=False)
    with pytest.raises(WorkflowError, match="déjà en attente"):
        invitations.invite(_invitee(User.Role.CONSULTANT, email="Nouvelle.Personne@example.org"), by=gbm_officer)


@pytest.mark.django_db
def test_usernames_are_unique_whatever_the_case(gbm_officer):
    User.objects.create(username="Anais.Lefevre", email="a@example.org")
    assert invitations.unique_username("Anaïs", "Lefèvre", "x@example.org") == "anais.lefevre2"
    assert invitations.unique_username("", "", "jo@example.org") == "jo"


@pytest.mark.django_db
def test_the_link_is_rate_limited(client, gbm_officer):
    _invitation, token = invitations.invite(_invitee(User.Role.CONSULTANT), by=gbm_officer, send=False)
    from core.invitation_views import PER_CLIENT_LIMIT

    for _ in range(PER_CLIENT_LIMIT):
        client.get("/invitation/pas-un-jeton/")
    response = client.get(f"/invitation/{token}/")
    assert response.status_code == 429 and "Trop de tentatives" in response.content.decode()


# The first officer's command -------------------------------------------------------------------------------------
def _first_officer(*args):
    out = io.StringIO()
    call_command("create_first_officer", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_first_officer_link_printed_without_mail_server(client, settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    monkeypatch.delenv("DJANGO_EMAIL_HOST", raising=False)
    output = _first_officer("chef@grandbesancon.fr", "--first-name", "Claude", "--last-name", "Martin")
    link = re.search(r"http\S+/invitation/\S+/", output).group(0)
    assert mail.outbox == []
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.is_staff, invitation.is_superuser) == (User.Role.GBM, True, True)

    again = _first_officer("chef@grandbesancon.fr", "--first-name", "Claude", "--last-name", "Martin")
    new_link = re.search(r"http\S+/invitation/\S+/", again).group(0)
    assert new_link != link and Invitation.objects.count() == 1
    assert client.get(_path(link)).status_code == 410
    assert _accept(client, _path(new_link)).status_code == 302
    officer = User.objects.get(email="chef@grandbesancon.fr")
    assert officer.is_gbm and officer.is_staff and officer.is_superuser
    with pytest.raises(CommandError, match="Un compte existe déjà"):
        _first_officer("CHEF@grandbesancon.fr", "--first-name", "Claude", "--last-name", "Martin")


@pytest.mark.django_db(transaction=True)
def test_first_officer_invitation_mailed_with_a_mail_server(settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    monkeypatch.setenv("DJANGO_EMAIL_HOST", "smtp.example.org")
    sent = []
    monkeypatch.setattr(
        "core.tasks.get_connection", lambda: type("C", (), {"send_messages": lambda s, m: sent.extend(m)})()
    )
    output = _first_officer("chef@grandbesancon.fr", "--first-name", "Claude", "--last-name", "Martin")
    assert "Invitation envoyée à chef@grandbesancon.fr" in output and "/invitation/" not in output
    assert len(sent) == 1 and "/invitation/" in sent[0].body


@pytest.mark.django_db
def test_first_officer_refuses_a_bad_address():
    with pytest.raises(CommandError, match="Adresse e-mail invalide"):
        _first_officer("pas-une-adresse", "--first-name", "Claude", "--last-name", "Martin")
