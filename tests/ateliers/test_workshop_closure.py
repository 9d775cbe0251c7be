"""A workshop over but still "planifié" awaits closure: the team is asked whether it was held (issue 16)."""

import datetime
import zoneinfo

import pytest
import time_machine

from ateliers.models import Workshop
from core.lateness import Lateness
from tests.factories_ateliers import WorkshopFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
STARTS = datetime.datetime(2026, 11, 10, 9, 30, tzinfo=PARIS)
ENDS = datetime.datetime(2026, 11, 10, 12, 30, tzinfo=PARIS)


def _workshop(**kwargs) -> Workshop:
    return WorkshopFactory(starts_at=STARTS, ends_at=ENDS, **kwargs)


def test_planned_workshop_awaits_closure_once_it_is_over():
    workshop = _workshop()
    assert not workshop.awaiting_closure_at(ENDS - datetime.timedelta(minutes=1))
    assert not Workshop.objects.awaiting_closure(now=ENDS - datetime.timedelta(minutes=1)).exists()
    assert workshop.awaiting_closure_at(ENDS + datetime.timedelta(minutes=1))
    assert list(Workshop.objects.awaiting_closure(now=ENDS + datetime.timedelta(minutes=1))) == [workshop]


@pytest.mark.parametrize("trait", ["held", "cancelled"])
def test_held_or_cancelled_workshop_never_awaits_closure(trait):
    workshop = _workshop(**{trait: True})
    later = datetime.datetime(2026, 11, 27, 9, tzinfo=PARIS)
    assert not workshop.awaiting_closure_at(later)
    assert workshop.closure_lateness_on(later.date()) is None
    assert not Workshop.objects.awaiting_closure(now=later).exists()


def test_workshop_awaiting_closure_counts_days_from_its_last_day():
    workshop = _workshop()
    assert workshop.closure_lateness_on(datetime.date(2026, 11, 10)) is None
    assert workshop.closure_lateness_on(datetime.date(2026, 11, 11)) == Lateness(1)
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, tzinfo=PARIS), tick=False):
        assert workshop.awaiting_closure
        assert workshop.closure_lateness.label == "En retard de 17 jours"
