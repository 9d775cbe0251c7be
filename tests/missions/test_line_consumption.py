"""The order lines' consumption (LineConsumption) stays the sum of their time entries whatever the write."""

import datetime

import pytest
from django.db.models import Sum

from missions.money.models.time import LineConsumption, TimeEntry
from missions.money.services import consumption
from missions.money.services.budget import lines_with_consumption
from tests.factories import UserFactory
from tests.factories_orders import OrderLineFactory, TimeEntryFactory


def kept(line) -> int:
    row = LineConsumption.objects.filter(order_line=line).first()
    return row.half_days if row else 0


def summed(line) -> int:
    return TimeEntry.objects.filter(order_line=line).aggregate(total=Sum("half_days"))["total"] or 0


def read(line) -> int:
    return lines_with_consumption().get(pk=line.pk).consumed_half_days


@pytest.mark.django_db
def test_a_line_without_entries_consumed_nothing():
    line = OrderLineFactory()
    assert kept(line) == 0
    assert read(line) == 0


@pytest.mark.django_db
def test_creating_correcting_moving_and_deleting_entries_keep_the_sum():
    first, second = OrderLineFactory(), OrderLineFactory()
    entry = TimeEntryFactory(order_line=first, half_days=1)
    TimeEntryFactory(order_line=first, half_days=2, date=datetime.date(2025, 4, 8))
    assert (kept(first), read(first)) == (3, 3)

    entry.half_days = 2
    entry.save()
    assert kept(first) == summed(first) == 4

    # Moved to another line, read again from the database: both lines are recomputed.
    moved = TimeEntry.objects.get(pk=entry.pk)
    moved.order_line = second
    moved.save()
    assert (kept(first), kept(second)) == (2, 2)

    # An instance that was not read from the database still leaves its old line.
    TimeEntry(
        pk=moved.pk,
        consultant=moved.consultant,
        date=moved.date,
        half_days=1,
        order_line=first,
        lock_version=moved.lock_version,
        created_at=moved.created_at,
    ).save()
    assert (kept(first), kept(second)) == (3, 0)

    TimeEntry.objects.filter(order_line=first).delete()
    assert (kept(first), kept(second)) == (0, 0)
    assert read(first) == 0


@pytest.mark.django_db
def test_refresh_all_after_a_bulk_creation():
    line = OrderLineFactory()
    consultant = UserFactory(consultant=True)
    TimeEntry.objects.bulk_create(
        TimeEntry(consultant=consultant, date=datetime.date(2025, 4, day), half_days=2, order_line=line)
        for day in range(1, 6)
    )
    assert kept(line) == 0  # no signal: nothing kept yet
    consumption.refresh_all()
    assert kept(line) == summed(line) == 10


@pytest.mark.django_db
def test_a_failed_write_leaves_the_consumption_as_it_was():
    line = OrderLineFactory()
    TimeEntryFactory(order_line=line, half_days=2)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntryFactory(order_line=line, half_days=1, date=datetime.date(2025, 4, 9))
        assert kept(line) == 3  # inside the transaction
        raise IntegrityError("the write fails after the entry was saved")
    assert kept(line) == summed(line) == 2


@pytest.mark.django_db
def test_a_batch_recomputes_each_line_once_when_it_ends():
    line = OrderLineFactory()
    consultant = UserFactory(consultant=True)
    with consumption.batched():
        for day in range(1, 4):
            TimeEntry.objects.create(
                consultant=consultant, date=datetime.date(2025, 4, day), half_days=1, order_line=line
            )
        assert kept(line) == 0  # not yet: the block has not ended
    assert kept(line) == summed(line) == 3
    # Nested blocks recompute once, at the end of the outermost.
    with consumption.batched():
        with consumption.batched():
            TimeEntry.objects.filter(order_line=line).first().delete()
        assert kept(line) == 3
    assert kept(line) == 2
