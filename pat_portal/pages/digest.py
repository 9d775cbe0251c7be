"""The weekly digest: each user's own "À faire / En retard / Nouveau", e-mailed once a week.

Built by the home pages' selectors (`home.home_for`), so that it says what the user's home says and nothing an élu
may not see; sent through the portal's one mail path (`notifications.notify`, then the task queue) to each active
user who did not switch it off on /mon-compte/. Run weekly by cron: `manage.py send_digests` (see the README). A
second run in the same week sends nothing; a user with nothing to do, late or new gets no e-mail.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import User
from core.notifications import notify
from pat_portal.pages.home import Home, home_for

KIND = "resume_hebdomadaire"
# Runs closer than this are the same week's: the digest is not sent twice.
SENT_WITHIN = datetime.timedelta(days=6)
# "Nouveau" covers the week since the last digest, this far back at most.
NEWS_DAYS = 7


def digest_for(user, *, now: datetime.datetime) -> Home:
    """What the user's digest tells: their home's lists, and what changed since their last digest (or a week)."""
    week_ago = now - datetime.timedelta(days=NEWS_DAYS)
    since = max(user.digest_sent_at, week_ago) if user.digest_sent_at else week_ago
    return home_for(user, since=since, now=now)


def has_something(home: Home) -> bool:
    return bool(home.todo_count or home.late_count or home.news)


def _subject(home: Home) -> str:
    parts = [f"{home.todo_count} à faire", f"{home.late_count} en retard", f"{len(home.news)} nouveauté(s)"]
    return "Votre semaine sur le portail PAT : " + ", ".join(parts)


def due_recipients(now: datetime.datetime):
    """Active users with an e-mail address who want the digest and did not get it this week."""
    users = User.objects.active().exclude(email="").select_related("commune")
    return [
        user
        for user in users
        if user.wants_notification(KIND)
        and (user.is_team or user.is_elu)
        and (user.digest_sent_at is None or now - user.digest_sent_at >= SENT_WITHIN)
    ]


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """Queue this week's digest of every user due for one; return how many were queued."""
    now = now or timezone.now()
    sent = 0
    for user in due_recipients(now):
        home = digest_for(user, now=now)
        with transaction.atomic():
            if has_something(home):
                notify(
                    KIND,
                    [user],
                    subject=_subject(home),
                    context={"home": home, "site_url": settings.SITE_URL.rstrip("/"), "now": now},
                    path="/",
                )
                sent += 1
            User.objects.filter(pk=user.pk).update(digest_sent_at=now)
    return sent
