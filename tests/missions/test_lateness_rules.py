"""What is late in Missions 1 and 3 and on the order forms, and what is planned beyond the programme (issue 16):
each rule tested on its boundary days, the queryset and the instance agreeing. The factories' programme ends on
30 September 2026."""

import datetime
import zoneinfo

import pytest
import time_machine

from core.lateness import Lateness
from missions.mission1.models.action_plans import Action
from missions.mission1.models.meetings import Meeting
from missions.money.models.orders import OrderForm
from missions.support.models import SupportRequest, SupportStep
from tests.factories_mission1 import ActionFactory, MeetingFactory
from tests.factories_orders import OrderFormFactory
from tests.factories_support import SupportStepFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
OCTOBER = datetime.date(2026, 10, 1)


# Actions ---------------------------------------------------------------------------------------------------------
def test_action_is_not_late_until_the_last_day_of_its_end_month():
    action = ActionFactory(end_month=OCTOBER, status=Action.Status.IN_PROGRESS)
    last_day = datetime.date(2026, 10, 31)
    assert action.lateness_on(last_day) is None
    assert action.days_late(last_day) == 0
    assert not Action.objects.late(last_day).exists()


def test_action_is_late_from_the_day_after_its_end_month():
    action = ActionFactory(end_month=OCTOBER, status=Action.Status.IN_PROGRESS)
    assert action.lateness_on(datetime.date(2026, 11, 1)) == Lateness(1)
    assert action.days_late(datetime.date(2026, 11, 27)) == 27
    assert list(Action.objects.late(datetime.date(2026, 11, 1))) == [action]
    assert not Action.objects.not_late(datetime.date(2026, 11, 1)).exists()


def test_action_late_rule_ignores_the_day_stored_in_the_end_month():
    # A row saved without clean() may keep a day other than the 1st: the month still decides.
    action = ActionFactory(end_month=datetime.date(2026, 10, 20), status=Action.Status.SELECTED)
    assert action.lateness_on(datetime.date(2026, 10, 31)) is None
    assert not Action.objects.late(datetime.date(2026, 10, 31)).exists()
    assert list(Action.objects.late(datetime.date(2026, 11, 1))) == [action]


@pytest.mark.parametrize("status", [Action.Status.DONE, Action.Status.ABANDONED])
def test_done_or_abandoned_action_is_never_late(status):
    action = ActionFactory(start_month=datetime.date(2025, 1, 1), end_month=datetime.date(2025, 1, 1), status=status)
    assert action.lateness_on(datetime.date(2026, 11, 27)) is None
    assert not Action.objects.late(datetime.date(2026, 11, 27)).exists()
    assert list(Action.objects.not_late(datetime.date(2026, 11, 27))) == [action]


@pytest.mark.parametrize("status", [Action.Status.PROPOSED, Action.Status.SELECTED, Action.Status.PAUSED])
def test_open_action_past_its_end_month_is_late_whatever_its_other_status(status):
    action = ActionFactory(end_month=OCTOBER, status=status)
    assert action.days_late(datetime.date(2026, 11, 2)) == 2
    assert list(Action.objects.late(datetime.date(2026, 11, 2))) == [action]


def test_action_without_end_month_is_never_late():
    action = ActionFactory(start_month=None, end_month=None)
    assert action.lateness_on(datetime.date(2030, 1, 1)) is None
    assert not Action.objects.late(datetime.date(2030, 1, 1)).exists()


def test_action_lateness_property_reads_todays_date():
    action = ActionFactory(end_month=OCTOBER, status=Action.Status.IN_PROGRESS)
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, tzinfo=PARIS), tick=False):
        assert action.lateness.label == "En retard de 27 jours"


def test_action_ending_in_the_programmes_last_month_is_within_it():
    action = ActionFactory(start_month=datetime.date(2026, 5, 1), end_month=datetime.date(2026, 9, 1))
    assert not action.beyond_programme
    assert not Action.objects.beyond_programme().exists()


def test_action_ending_after_the_programme_is_flagged_beyond_it():
    action = ActionFactory(start_month=datetime.date(2026, 5, 1), end_month=datetime.date(2026, 10, 1))
    assert action.beyond_programme
    assert list(Action.objects.beyond_programme()) == [action]


# Support steps ---------------------------------------------------------------------------------------------------
def test_support_step_is_late_the_day_after_its_planned_end():
    step = SupportStepFactory(planned_end=datetime.date(2026, 10, 23), status=SupportStep.Status.IN_PROGRESS)
    assert step.lateness_on(datetime.date(2026, 10, 23)) is None
    assert not SupportStep.objects.late(datetime.date(2026, 10, 23)).exists()
    assert step.lateness_on(datetime.date(2026, 10, 24)) == Lateness(1)
    assert step.days_late(datetime.date(2026, 11, 27)) == 35
    assert list(SupportStep.objects.late(datetime.date(2026, 10, 24))) == [step]


@pytest.mark.parametrize("status", [SupportStep.Status.DONE, SupportStep.Status.DROPPED])
def test_done_or_dropped_support_step_is_never_late(status):
    step = SupportStepFactory(planned_end=datetime.date(2026, 1, 1), status=status)
    assert step.lateness_on(datetime.date(2026, 11, 27)) is None
    assert not SupportStep.objects.late(datetime.date(2026, 11, 27)).exists()


def test_support_step_without_planned_end_is_never_late():
    step = SupportStepFactory(planned_start=datetime.date(2026, 1, 1), planned_end=None)
    assert step.lateness_on(datetime.date(2026, 11, 27)) is None
    assert not SupportStep.objects.late(datetime.date(2026, 11, 27)).exists()


def test_support_request_carries_its_most_overdue_step_without_extra_queries(django_assert_num_queries):
    late = SupportStepFactory(planned_end=datetime.date(2026, 10, 23), status=SupportStep.Status.IN_PROGRESS)
    request = late.request
    SupportStepFactory(request=request, kind=SupportStep.Kind.NEED, planned_end=datetime.date(2026, 11, 20))
    SupportStepFactory(
        request=request,
        kind=SupportStep.Kind.PARTNERS,
        planned_end=datetime.date(2026, 1, 1),
        status=SupportStep.Status.DONE,
    )
    other = SupportStepFactory(planned_end=datetime.date(2026, 12, 31)).request
    today = datetime.date(2026, 11, 27)

    with django_assert_num_queries(1):
        rows = {row.pk: row for row in SupportRequest.objects.annotate_step_lateness(today)}
        assert rows[request.pk].step_lateness_on(today) == Lateness(35)
        assert rows[other.pk].step_lateness_on(today) is None
    assert list(SupportRequest.objects.with_late_steps(today)) == [request]
    assert list(SupportRequest.objects.without_late_steps(today)) == [other]


def test_support_step_planned_after_the_programme_is_flagged_beyond_it():
    within = SupportStepFactory(planned_start=datetime.date(2026, 9, 1), planned_end=datetime.date(2026, 9, 30))
    beyond = SupportStepFactory(
        request=within.request, kind=SupportStep.Kind.NEED, planned_end=datetime.date(2026, 10, 1)
    )
    starts_beyond = SupportStepFactory(
        request=within.request, kind=SupportStep.Kind.PARTNERS, planned_start=datetime.date(2026, 10, 5)
    )
    assert not within.beyond_programme
    assert beyond.beyond_programme and starts_beyond.beyond_programme
    assert set(SupportStep.objects.beyond_programme()) == {beyond, starts_beyond}


# Order forms -----------------------------------------------------------------------------------------------------
def test_order_form_is_late_the_day_after_its_planned_end_of_execution():
    order_form = OrderFormFactory(planned_end=datetime.date(2026, 6, 30), status=OrderForm.Status.NOTIFIED)
    assert order_form.lateness_on(datetime.date(2026, 6, 30)) is None
    assert not OrderForm.objects.late(datetime.date(2026, 6, 30)).exists()
    assert order_form.lateness_on(datetime.date(2026, 7, 1)) == Lateness(1)
    assert list(OrderForm.objects.late(datetime.date(2026, 7, 1))) == [order_form]
    assert not OrderForm.objects.not_late(datetime.date(2026, 7, 1)).exists()


@pytest.mark.parametrize("status", [OrderForm.Status.EXECUTED, OrderForm.Status.INVOICED, OrderForm.Status.PAID])
def test_executed_invoiced_or_paid_order_form_is_never_late(status):
    order_form = OrderFormFactory(planned_end=datetime.date(2026, 1, 31), status=status)
    assert order_form.lateness_on(datetime.date(2026, 11, 27)) is None
    assert not OrderForm.objects.late(datetime.date(2026, 11, 27)).exists()
    assert list(OrderForm.objects.not_late(datetime.date(2026, 11, 27))) == [order_form]


def test_order_form_without_planned_end_is_never_late():
    order_form = OrderFormFactory(planned_end=None)
    assert order_form.lateness_on(datetime.date(2030, 1, 1)) is None
    assert list(OrderForm.objects.not_late(datetime.date(2030, 1, 1))) == [order_form]


# Meetings --------------------------------------------------------------------------------------------------------
def test_meeting_without_minutes_is_late_only_after_the_due_days():
    meeting = MeetingFactory(starts_at=datetime.datetime(2026, 11, 10, 20, 30, tzinfo=PARIS), minutes="")
    due_day, day_after = datetime.date(2026, 11, 17), datetime.date(2026, 11, 18)
    assert meeting.minutes_lateness_on(due_day, 7) is None
    assert not Meeting.objects.without_minutes_after(due_day, 7).exists()
    assert meeting.minutes_lateness_on(day_after, 7) == Lateness(1)
    assert list(Meeting.objects.without_minutes_after(day_after, 7)) == [meeting]


def test_meeting_with_minutes_is_never_late():
    meeting = MeetingFactory(starts_at=datetime.datetime(2026, 1, 10, 18, tzinfo=PARIS), minutes="Compte rendu.")
    assert meeting.minutes_lateness_on(datetime.date(2026, 11, 27), 7) is None
    assert not Meeting.objects.without_minutes_after(datetime.date(2026, 11, 27), 7).exists()
