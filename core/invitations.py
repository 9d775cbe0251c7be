"""Invitations (issue 24): people are invited by a GBM officer and choose their own password; nobody types one for them.

Life of an invitation: `invite` creates it and queues the French e-mail with a link valid `VALIDITY`; `resend` draws a
new token (the previous link dies) and restarts the 7 days; `revoke` ends it; `accept` creates the account once,
with the password the person chose (Django's validators, through `SetPasswordForm`). The token exists only in the
e-mail (or, for the first officer without a mail server, on the operator's terminal): the database keeps its SHA-256.
"""

import datetime
import hashlib
import os
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core.models import Invitation, User, WorkflowError
from core.notifications import absolute_url, queue_email

VALIDITY = datetime.timedelta(days=7)
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")

EXISTING_ACCOUNT_MESSAGE = "Un compte existe déjà pour cette adresse e-mail."
PENDING_INVITATION_MESSAGE = (
    "Une invitation est déjà en attente pour cette adresse : renvoyez-la depuis la liste des invitations."
)

# What each role finds on its home, said once, the first time (the welcome after choosing a password).
WELCOME = {
    User.Role.GBM: (
        "Depuis votre accueil, vous suivez toutes les communes, validez les livrables, décidez des demandes "
        "d'accompagnement et invitez les personnes qui utilisent le portail (menu « Personnes »)."
    ),
    User.Role.CONSULTANT: (
        "Depuis votre accueil, vous retrouvez les communes que vous accompagnez, les rendez-vous, diagnostics, plans "
        "d'actions et ateliers à préparer, et le temps à saisir."
    ),
    User.Role.ELU: (
        "Depuis votre accueil, vous suivez l'accompagnement de votre commune : les rendez-vous, le diagnostic, "
        "le plan d'actions à approuver et les ateliers."
    ),
}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return absolute_url(reverse("invitation_accept", args=[token]))


def find(token: str) -> Invitation | None:
    """The invitation a token opens, whatever its state (None for an unknown or malformed token)."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return Invitation.objects.select_related("commune").filter(token_sha256=token_digest(token)).first()


def email_problem(email: str) -> str | None:
    """Why `email` cannot be invited (an account or a pending invitation has it, whatever the case), or None."""
    if User.objects.filter(email__iexact=email.strip()).exists():
        return EXISTING_ACCOUNT_MESSAGE
    if Invitation.objects.pending().filter(email__iexact=email.strip()).exists():
        return PENDING_INVITATION_MESSAGE
    return None


@dataclass(frozen=True)
class Invitee:
    """Who is invited: the invitation form's or a bulk list line's cleaned data."""

    first_name: str
    last_name: str
    email: str
    role: str
    commune: object = None
    organisation: str = ""
    is_staff: bool = False
    is_superuser: bool = False


def _new_token(invitation: Invitation, now: datetime.datetime) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_sha256 = token_digest(token)
    invitation.sent_at = now
    invitation.expires_at = now + VALIDITY
    return token


def _queue_mail(invitation: Invitation, token: str) -> None:
    body = render_to_string(
        "emails/invitation.txt",
        {
            "invitation": invitation,
            "url": invitation_url(token),
            "expires_at": invitation.expires_at,
            "validity_days": VALIDITY.days,
        },
    )
    queue_email(to=[invitation.email], subject="[Portail PAT] Votre invitation au portail PAT", body=body)


def invite(invitee: Invitee, *, by: User | None, send: bool = True) -> tuple[Invitation, str]:
    """Create an invitation and queue its e-mail (after the transaction commits); return it and its token.

    Refused (WorkflowError) when the address already has an account or a pending invitation.
    """
    problem = email_problem(invitee.email)
    if problem:
        raise WorkflowError(problem)
    now = timezone.now()
    invitation = Invitation(
        email=invitee.email.strip(),
        first_name=invitee.first_name.strip(),
        last_name=invitee.last_name.strip(),
        role=invitee.role,
        commune=invitee.commune if invitee.role == User.Role.ELU else None,
        organisation=invitee.organisation.strip() if invitee.role == User.Role.CONSULTANT else "",
        is_staff=invitee.is_staff,
        is_superuser=invitee.is_superuser,
        invited_by=by,
    )
    token = _new_token(invitation, now)
    invitation.save()
    if send:
        _queue_mail(invitation, token)
    return invitation, token


def invite_all(invitees: list[Invitee], *, by: User) -> list[Invitation]:
    """Invite everyone or no one: one transaction, the mails queued only once it commits."""
    with transaction.atomic():
        return [invite(invitee, by=by)[0] for invitee in invitees]


def resend(invitation: Invitation, *, by: User | None, send: bool = True) -> str:
    """A new link valid 7 more days; the previous one stops working. Refused for a used or revoked invitation."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.is_used:
            raise WorkflowError("Cette invitation a déjà servi : le compte existe.")
        if invitation.is_revoked:
            raise WorkflowError("Cette invitation est révoquée : invitez de nouveau la personne.")
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise WorkflowError(EXISTING_ACCOUNT_MESSAGE)
        token = _new_token(invitation, timezone.now())
        invitation.save(update_fields=["token_sha256", "sent_at", "expires_at"])
        if send:
            _queue_mail(invitation, token)
    return token


def revoke(invitation: Invitation, *, by: User) -> None:
    """The link stops working for good. Refused for a used or already revoked invitation."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.is_used:
            raise WorkflowError("Cette invitation a déjà servi : désactivez plutôt le compte.")
        if invitation.is_revoked:
            raise WorkflowError("Cette invitation est déjà révoquée.")
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now(), revoked_by=by)


def unique_username(first_name: str, last_name: str, email: str) -> str:
    """A login name from the person's name ("camille.dupont"), or their e-mail's first part, made unique with a
    number ("camille.dupont2"), whatever the case."""
    base = slugify(f"{first_name} {last_name}").replace("-", ".") or slugify(email.split("@")[0]) or "utilisateur"
    base = base[:140]
    taken = {
        name.casefold() for name in User.objects.filter(username__istartswith=base).values_list("username", flat=True)
    }
    candidate, number = base, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def account_for(invitation: Invitation) -> User:
    """The account the invitation will create (unsaved): what the password validators compare the password with."""
    return User(
        username=unique_username(invitation.first_name, invitation.last_name, invitation.email),
        email=invitation.email,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
        role=invitation.role,
        commune_id=invitation.commune_id,
        organisation=invitation.organisation,
        is_staff=invitation.is_staff,
        is_superuser=invitation.is_superuser,
    )


def accept(invitation: Invitation, user: User) -> User:
    """Create the account (`user`, from `account_for`, its password set) and use up the invitation, once.

    Refused (WorkflowError) when the invitation was used, revoked or expired meanwhile, or the address got an account.
    """
    with transaction.atomic():
        current = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not current.is_pending or current.token_sha256 != invitation.token_sha256:
            raise WorkflowError("Ce lien d'invitation ne fonctionne plus.")
        if User.objects.filter(email__iexact=current.email).exists():
            raise WorkflowError(EXISTING_ACCOUNT_MESSAGE)
        user.username = unique_username(current.first_name, current.last_name, current.email)
        user.save()
        Invitation.objects.filter(pk=current.pk).update(accepted_at=timezone.now(), user=user)
    return user


def mail_server_configured() -> bool:
    """Whether mail leaves the machine: not with the console, memory, file or dummy backends, nor without a host."""
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2] if "." in settings.EMAIL_BACKEND else ""
    if backend in {"console", "locmem", "filebased", "dummy"}:
        return False
    return bool(os.environ.get("DJANGO_EMAIL_HOST"))
