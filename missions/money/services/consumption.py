"""The consumption of the order lines (`LineConsumption`): the sum of each line's time entries, kept with them.

The budget reads every line's consumption on the homes, the dashboard, the order forms and the week grid; summing
30,000 entries for it on each page cost 4 ms of SQL at scale 20. So each write of a time entry recomputes, in its own
transaction, the consumption of the lines it touched (`refresh`): the line's new total is read from its entries, never
added to the old one, so it cannot drift. The writes that bypass the model's signals (a bulk creation, a restore) call
`refresh_all` (docs/adr/0013-line-consumption.md).
"""

import contextlib
import contextvars
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Sum
from django.db.models.signals import post_delete, post_save, pre_save

from missions.money.models.orders import OrderLine
from missions.money.models.time import LineConsumption, TimeEntry

# The lines touched inside `batched()`: recomputed once when the block ends, not after each entry.
_batch: contextvars.ContextVar[set | None] = contextvars.ContextVar("consumption_batch", default=None)


@contextlib.contextmanager
def batched():
    """Inside the block, the writes of time entries only note the lines they touch; their consumption is recomputed
    once when the block ends (a week of ten cells on two lines: two recomputations, not ten). Use it inside the
    writes' transaction, so that the recomputation is part of it."""
    if _batch.get() is not None:  # already batching: the outer block recomputes
        yield
        return
    touched: set = set()
    token = _batch.set(touched)
    try:
        yield
    finally:
        _batch.reset(token)
    refresh(touched)


def _touch(line_ids: Iterable[int | None]) -> None:
    touched = _batch.get()
    if touched is None:
        refresh(line_ids)
    else:
        touched.update(pk for pk in line_ids if pk is not None)


def refresh(line_ids: Iterable[int | None]) -> None:
    """Recompute the consumption of the lines `line_ids` from their time entries (three queries), in the caller's
    transaction. The lines' rows are locked first (SELECT … FOR UPDATE on PostgreSQL; SQLite writes one at a time):
    two people logging time on one line recompute one after the other, the second reading the first one's entry."""
    ids = sorted({pk for pk in line_ids if pk is not None})
    if not ids:
        return
    with transaction.atomic():
        existing = list(OrderLine.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        totals = dict(
            TimeEntry.objects.filter(order_line_id__in=existing)
            .order_by()
            .values("order_line_id")
            .annotate(total=Sum("half_days"))
            .values_list("order_line_id", "total")
        )
        LineConsumption.objects.bulk_create(
            [LineConsumption(order_line_id=pk, half_days=totals.get(pk) or 0) for pk in existing],
            update_conflicts=True,
            unique_fields=["order_line"],
            update_fields=["half_days"],
        )


def refresh_all() -> None:
    """Recompute every line's consumption (after a bulk creation of entries or a restore)."""
    with transaction.atomic():
        LineConsumption.objects.all().delete()
        totals = (
            TimeEntry.objects.order_by()
            .values("order_line_id")
            .annotate(total=Sum("half_days"))
            .values_list("order_line_id", "total")
        )
        LineConsumption.objects.bulk_create(
            [LineConsumption(order_line_id=pk, half_days=total or 0) for pk, total in totals], batch_size=1000
        )


def _remember_previous_line(sender, instance, raw=False, **kwargs):
    """An entry moved to another line leaves its old line: remember which, when the instance does not know it."""
    if raw or instance.pk is None or hasattr(instance, "_db_order_line_id"):
        return
    instance._db_order_line_id = (
        TimeEntry.objects.filter(pk=instance.pk).values_list("order_line_id", flat=True).first()
    )


def _entry_saved(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: the restore recomputes everything once (`refresh_all`)
        return
    _touch([instance.order_line_id, getattr(instance, "_db_order_line_id", None)])
    instance._db_order_line_id = instance.order_line_id


def _entry_deleted(sender, instance, **kwargs):
    _touch([instance.order_line_id])


def _restored(sender, **kwargs):
    refresh_all()


def connect() -> None:
    """Keep the consumption with every save and deletion of a time entry, and after a restore (money's providers,
    at start-up)."""
    from core.backups import restored

    restored.connect(_restored, dispatch_uid="consumption_restored")
    pre_save.connect(_remember_previous_line, sender=TimeEntry, dispatch_uid="consumption_previous_line")
    post_save.connect(_entry_saved, sender=TimeEntry, dispatch_uid="consumption_entry_saved")
    post_delete.connect(_entry_deleted, sender=TimeEntry, dispatch_uid="consumption_entry_deleted")
