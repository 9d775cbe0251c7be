"""Ending accounts (issue 24): a mandate or a contract ends, a person leaves.

Past the user's `ends_on`, or once deactivated, the person can no longer log in and their open sessions end
(`core.backends.PortalModelBackend` refuses them). What works without logging in is revoked once, here: the calendar
feed's token, and whatever a higher layer registered through the `account_ended` signal (Mission 1 revokes the
person's plan share links). The person's history and what they wrote stay.

A deactivation (portal or admin) is applied at once, through the `post_save` hook below; an end date that passes is
applied by `manage.py end_accounts`, run daily by a timer.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from core.models import User

# Sent once per ended account, inside the transaction that ends it: `user` (the ended account), `by` (who ended it,
# None for the daily command). Receivers revoke what the person left working without a login.
account_ended = Signal()


def is_ended(user, today: datetime.date | None = None) -> bool:
    return not user.is_active or user.has_ended(today)


def due(today: datetime.date | None = None):
    """Accounts that are ended (deactivated, or past their end date) and whose access is not yet revoked."""
    today = today or timezone.localdate()
    return User.objects.filter(access_ended_at__isnull=True).filter(Q(is_active=False) | Q(ends_on__lt=today))


def end_access(user, *, by=None) -> None:
    """Revoke what works without logging in (calendar feed, share links…), once."""
    with transaction.atomic():
        updated = User.objects.filter(pk=user.pk, access_ended_at__isnull=True).update(
            access_ended_at=timezone.now(), calendar_token=None
        )
        if not updated:
            return
        user.calendar_token = None
        account_ended.send(sender=User, user=user, by=by)


def end_due_accounts(today: datetime.date | None = None) -> int:
    """Apply the revocations of every account due; return how many."""
    ended = list(due(today))
    for user in ended:
        end_access(user)
    return len(ended)


def apply_after_save(sender, instance, **kwargs) -> None:
    """`post_save` of User: a deactivated or ended account loses its access at once; an account opened again (active,
    end date moved) may end again later (what was revoked stays revoked)."""
    if kwargs.get("raw"):
        return
    if is_ended(instance):
        if instance.access_ended_at is None:
            end_access(instance, by=getattr(instance, "_ended_by", None))
    elif instance.access_ended_at is not None:
        User.objects.filter(pk=instance.pk).update(access_ended_at=None)
        instance.access_ended_at = None


def set_end(user, *, ends_on: datetime.date | None, is_active: bool, by) -> None:
    """The people page's form: an end date and whether the account is active (ended at once when due)."""
    user.ends_on = ends_on
    user.is_active = is_active
    user._ended_by = by
    with transaction.atomic():
        user.save(update_fields=["ends_on", "is_active"])


def ending_soon(today: datetime.date | None = None, days: int = 30):
    """Active accounts whose end date falls within `days` days (GBM's home)."""
    today = today or timezone.localdate()
    return (
        User.objects.active()
        .filter(ends_on__gte=today, ends_on__lte=today + datetime.timedelta(days=days))
        .select_related("commune")
        .order_by("ends_on", "last_name", "first_name")
    )
