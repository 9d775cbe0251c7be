"""Consent to share contact details is given by the person, never on their behalf (issue 15).

Two ways: the team records it from a document the person signed or sent (the attendance sheet, a form, their e-mail:
`Registration.give_consent`), or the person confirms it through a link e-mailed to them. The link carries a token
signed with the site's secret (django.core.signing), valid `CONSENT_LINK_MAX_AGE`, naming the registration and the
nonce of the current request: it works once, and a newer request replaces it. Until then the person is left out of
the consented contact list and its exports, and their details are shown to nobody but the team.
"""

import datetime

from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from ateliers.models import Registration, RegistrationError
from core.models import User
from core.notifications import absolute_url, queue_email

CONSENT_LINK_SALT = "ateliers.registration.consent"
CONSENT_LINK_MAX_AGE = datetime.timedelta(days=30)


def consent_link_token(registration: Registration, nonce: str) -> str:
    return signing.dumps({"registration": registration.pk, "nonce": nonce}, salt=CONSENT_LINK_SALT, compress=True)


@transaction.atomic
def request_consent_confirmation(*, registration: Registration, by: User) -> None:
    """E-mail the person a link to confirm that they agree to share their contact details (earlier links stop)."""
    nonce = registration.open_consent_request()
    path = reverse("ateliers:consent_confirm", args=[consent_link_token(registration, nonce)])
    context = {
        "registration": registration,
        "workshop": registration.workshop,
        "by": by,
        "url": absolute_url(path),
        "valid_days": CONSENT_LINK_MAX_AGE.days,
    }
    queue_email(
        to=[registration.contact.email],
        subject=f"[Portail PAT] Partager vos coordonnées avec les participant·e·s de l'{registration.workshop}",
        body=render_to_string("ateliers/emails/consent_request.txt", context),
    )


def registration_for_link(token: str) -> tuple[Registration, str]:
    """The registration and nonce a link names; RegistrationError (French) if the link is forged, expired or used."""
    try:
        payload = signing.loads(token, salt=CONSENT_LINK_SALT, max_age=CONSENT_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise RegistrationError(
            "Ce lien a expiré. Demandez à l'équipe PAT ou à votre mairie de vous en envoyer un nouveau."
        ) from None
    except signing.BadSignature:
        raise RegistrationError("Ce lien n'est pas valide : vérifiez qu'il a été copié en entier.") from None
    registration = (
        Registration.objects.select_related("workshop", "contact").filter(pk=payload.get("registration")).first()
    )
    nonce = str(payload.get("nonce") or "")
    if registration is None or not nonce or nonce != registration.consent_request_nonce:
        raise RegistrationError("Ce lien a déjà servi, ou une demande plus récente l'a remplacé.")
    return registration, nonce


@transaction.atomic
def confirm_consent_from_link(token: str) -> Registration:
    """The person confirms through their link: their consent is recorded as given by them, today."""
    registration, nonce = registration_for_link(token)
    registration = Registration.objects.select_for_update().select_related("workshop").get(pk=registration.pk)
    registration.confirm_consent(nonce=nonce)
    return registration
