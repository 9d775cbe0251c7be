"""E-mail of the portal: notifications to users, each with a link, each kind switchable off by every user.

The one mail path of the portal: notifications to users (`notify`), mails to people without an account
(`queue_email`, e.g. a support request's requester) and password resets (`queue_password_reset`) are all queued
once the current transaction commits, so that nobody is told about a change that was rolled back, and sent by the
task worker (kernel/tasks.py), so that a mail server down or silent never fails nor slows a request. Console
backend in development, SMTP from the environment in production.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from core.tasks import send_email, send_password_reset

KINDS = {
    "livrable_soumis": "Un livrable est soumis à la validation de GBM",
    "livrable_examine": "Mon livrable est validé ou renvoyé",
    "plan_valide": "Le plan d'actions de ma commune est validé",
    "demande_nouvelle": "Une nouvelle demande d'accompagnement arrive",
    "demande_decision": "Une décision est prise sur une demande de ma commune",
    "atelier_planifie": "Un atelier de partage est programmé",
    "resume_hebdomadaire": "Le résumé hebdomadaire de ce qui m'attend : à faire, en retard, nouveau",
}

# Who may receive each kind (role values of pat_portal.User): the preferences page offers only these.
KINDS_BY_ROLE = {
    "gbm": ["livrable_soumis", "livrable_examine", "demande_nouvelle", "atelier_planifie", "resume_hebdomadaire"],
    "consultant": ["livrable_examine", "atelier_planifie", "resume_hebdomadaire"],
    "elu": ["plan_valide", "demande_decision", "atelier_planifie", "resume_hebdomadaire"],
}


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _enqueue_after_commit(task, *args) -> None:
    def enqueue():
        task.enqueue(*args)

    # robust: a queue that cannot be written to is logged, it never turns a saved change into an error page.
    transaction.on_commit(enqueue, robust=True)


def queue_email(*, to: Iterable[str], subject: str, body: str) -> None:
    """Queue one e-mail to the addresses `to` (blank and repeated ones dropped), sent once the transaction commits."""
    recipients = [address for address in dict.fromkeys(to) if address]
    if recipients:
        _enqueue_after_commit(send_email, {"subject": subject, "body": body, "to": recipients})


def queue_password_reset(email: str) -> None:
    """Queue a password-reset link for the accounts of `email`, looked up by the worker (none: nothing is sent)."""
    _enqueue_after_commit(send_password_reset, email)


def notify(kind: str, users: Iterable, *, subject: str, context: dict, path: str) -> None:
    """E-mail `users` who did not switch `kind` off, once each, after the transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind: {kind}")
    recipients = {user.pk: user for user in users if user.wants_notification(kind)}
    for user in recipients.values():
        body = render_to_string(
            f"emails/notifications/{kind}.txt",
            {**context, "user": user, "url": absolute_url(path), "settings_url": absolute_url("/mon-compte/")},
        )
        queue_email(to=[user.email], subject=f"[Portail PAT] {subject}", body=body)
