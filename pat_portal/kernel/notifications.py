"""E-mail notifications of the portal, each with a link, each kind switchable off by every user.

`notify(...)` sends after the current transaction commits, so that nobody is told about a change
that was rolled back. Console backend in development, SMTP from the environment in production.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string

KINDS = {
    "livrable_soumis": "Un livrable est soumis à la validation de GBM",
    "livrable_examine": "Mon livrable est validé ou renvoyé",
    "plan_valide": "Le plan d'actions de ma commune est validé",
    "demande_nouvelle": "Une nouvelle demande d'accompagnement arrive",
    "demande_decision": "Une décision est prise sur une demande de ma commune",
    "atelier_planifie": "Un atelier de partage est programmé",
}

# Who may receive each kind (role values of pat_portal.User): the preferences page offers only these.
KINDS_BY_ROLE = {
    "gbm": ["livrable_soumis", "livrable_examine", "demande_nouvelle", "atelier_planifie"],
    "consultant": ["livrable_examine", "atelier_planifie"],
    "elu": ["plan_valide", "demande_decision", "atelier_planifie"],
}


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def notify(kind: str, users: Iterable, *, subject: str, context: dict, path: str) -> None:
    """E-mail `users` who did not switch `kind` off, once each, after the transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind: {kind}")
    recipients = {user.pk: user for user in users if user.wants_notification(kind)}
    if not recipients:
        return

    def send():
        messages = []
        for user in recipients.values():
            body = render_to_string(
                f"emails/notifications/{kind}.txt",
                {**context, "user": user, "url": absolute_url(path), "settings_url": absolute_url("/mon-compte/")},
            )
            messages.append(EmailMessage(f"[Portail PAT] {subject}", body, to=[user.email]))
        get_connection().send_messages(messages)

    transaction.on_commit(send)
