"""Reminders to silent communes: from the radar, a GBM officer writes to the commune's élus (issue 16).

The message starts from a template the officer edits before sending; each reminder is recorded (`Reminder`, shown
in the commune's timeline) and e-mailed through the portal's one mail path (the task queue). A commune is not
reminded twice within the programme's `reminder_interval_days`.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from communes.models import Commune
from core import french
from core.models import User
from core.notifications import absolute_url, queue_email
from pat_portal.pages.models import Reminder


class ReminderRefused(Exception):
    """A reminder the rules do not allow; the message is French and shown on the form."""


def next_reminder_allowed_on(
    last_sent_at: datetime.datetime | None, interval_days: int, *, now: datetime.datetime | None = None
) -> datetime.date | None:
    """The day a commune last reminded at `last_sent_at` may be reminded again, or None when it may be now: a commune
    is not reminded twice within `interval_days` days (the programme's `reminder_interval_days`)."""
    if last_sent_at is None:
        return None
    allowed_at = last_sent_at + datetime.timedelta(days=interval_days)
    return timezone.localdate(allowed_at) if (now or timezone.now()) < allowed_at else None


def recipients_of(commune) -> list[User]:
    """The commune's élus with an account and an e-mail address: whom a reminder reaches."""
    return list(User.objects.elus_of(commune).exclude(email="").order_by("last_name", "first_name"))


def default_message(commune, *, by, last_activity: datetime.datetime | None = None) -> dict:
    """The reminder's starting text (subject and message), which the officer edits before sending."""
    since = f" depuis le {french.french_date(last_activity)}" if last_activity else " depuis quelque temps"
    signature = by.get_full_name() or by.username
    organisation = by.organisation or "Grand Besançon Métropole"
    message = (
        "Bonjour,\n\n"
        f"Nous n'avons pas eu de nouvelles du projet alimentaire {french.de(commune)}{since}. "
        "Où en êtes-vous ? Une réunion avec la consultante ou le consultant qui vous accompagne vous aiderait-elle "
        "à avancer ?\n\n"
        "Vous retrouvez ce qui vous attend (plan d'actions, ateliers, demandes) sur le portail PAT :\n"
        f"{absolute_url(reverse('home'))}\n\n"
        f"Bien cordialement,\n{signature}\n{organisation}"
    )
    return {"subject": f"Projet alimentaire {french.de(commune)} : où en êtes-vous ?", "message": message}


@transaction.atomic
def send_reminder(
    *, commune: Commune, by: User, subject: str, message: str, interval_days: int, now: datetime.datetime | None = None
) -> Reminder:
    """Record a reminder to `commune` and e-mail it to each of its élus (once the transaction commits).

    Raises ReminderRefused when the commune was reminded within `interval_days` days, or has no élu to write to.
    """
    now = now or timezone.now()
    # Two officers sending at once: the second waits for the first and is then refused.
    Commune.objects.select_for_update().filter(pk=commune.pk).first()
    last = Reminder.objects.filter(commune=commune).order_by("-sent_at").first()
    allowed_on = next_reminder_allowed_on(last.sent_at if last else None, interval_days, now=now)
    if allowed_on is not None:
        raise ReminderRefused(
            f"{commune.name} a déjà été relancée le {french.french_date(last.sent_at)} par {last.sent_by} : une "
            f"commune n'est pas relancée deux fois en {interval_days} jours. Prochaine relance possible le "
            f"{french.french_date(allowed_on)}."
        )
    elus = recipients_of(commune)
    if not elus:
        raise ReminderRefused(
            f"Aucun·e élu·e {french.de(commune)} n'a de compte avec une adresse e-mail sur le portail : la relance "
            "ne peut pas être envoyée."
        )
    reminder = Reminder.objects.create(
        commune=commune,
        sent_by=by,
        sent_at=now,
        recipients=", ".join(elu.email for elu in elus),
        subject=subject.strip(),
        message=message.strip(),
    )
    for elu in elus:  # one message each: élus do not see each other's address
        queue_email(to=[elu.email], subject=f"[Portail PAT] {reminder.subject}", body=reminder.message)
    return reminder
