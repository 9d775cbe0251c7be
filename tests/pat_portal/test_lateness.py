"""The shared lateness value, the programme's thresholds as the kernel reads them, and deliverables awaiting
validation for too long (issue 16), with a controlled clock."""

import datetime
import zoneinfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import lateness
from core.lateness import Lateness, Thresholds
from core.models import Deliverable, User
from tests.factories import ProgrammeFactory, UserFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_lateness_says_how_late_in_french_singular_and_plural():
    assert Lateness(1).label == "En retard de 1 jour"
    assert Lateness(35).label == "En retard de 35 jours"
    assert str(Lateness(2)) == "En retard de 2 jours"


def test_lateness_starts_the_day_after_the_due_date():
    due = datetime.date(2026, 10, 23)
    assert Lateness.after(due, datetime.date(2026, 10, 23)) is None
    assert Lateness.after(due, datetime.date(2026, 10, 24)) == Lateness(1)
    assert Lateness.after(due, datetime.date(2026, 11, 27)) == Lateness(35)
    assert Lateness.after(None, datetime.date(2026, 11, 27)) is None


def test_a_lateness_of_zero_days_does_not_exist():
    with pytest.raises(ValueError):
        Lateness(0)


def test_last_day_of_month_handles_leap_february_and_december():
    assert lateness.last_day_of_month(datetime.date(2028, 2, 1)) == datetime.date(2028, 2, 29)
    assert lateness.last_day_of_month(datetime.date(2026, 12, 15)) == datetime.date(2026, 12, 31)
    assert lateness.last_day_of_month(datetime.date(2026, 10, 31)) == datetime.date(2026, 10, 31)


@pytest.mark.django_db
def test_thresholds_default_to_the_contract_values_without_a_programme():
    assert lateness.thresholds() == Thresholds(
        validation_due_days=15,
        minutes_due_days=7,
        silent_commune_days=60,
        reminder_interval_days=14,
        timesheet_weeks_checked=4,
    )


@pytest.mark.django_db
def test_thresholds_are_read_from_the_current_programme():
    ProgrammeFactory(validation_due_days=10, minutes_due_days=3, silent_commune_days=45)
    read = lateness.thresholds()
    assert (read.validation_due_days, read.minutes_due_days, read.silent_commune_days) == (10, 3, 45)
    assert (read.reminder_interval_days, read.timesheet_weeks_checked) == (14, 4)


def _submitted(at: datetime.datetime, status=Deliverable.Status.SUBMITTED) -> Deliverable:
    programme = ProgrammeFactory()
    return Deliverable.objects.create(
        kind=Deliverable.Kind.DIAGNOSTIC,
        content_type=ContentType.objects.get_for_model(programme),
        object_id=programme.pk,
        title="Synthèse du diagnostic — Amagney",
        version=1,
        status=status,
        submitted_by=UserFactory(consultant=True),
        submitted_at=at,
    )


@pytest.mark.django_db
def test_days_waiting_counts_local_calendar_days_since_submission():
    # 23:30 in Paris on 1 November is still 1 November for the user (22:30 UTC).
    deliverable = _submitted(datetime.datetime(2026, 11, 1, 23, 30, tzinfo=PARIS))
    assert deliverable.days_waiting(datetime.date(2026, 11, 1)) == 0
    assert deliverable.days_waiting(datetime.date(2026, 11, 2)) == 1
    assert deliverable.days_waiting(datetime.date(2026, 11, 27)) == 26


@pytest.mark.django_db
def test_deliverable_late_for_validation_only_after_the_due_days():
    deliverable = _submitted(datetime.datetime(2026, 11, 1, 23, 30, tzinfo=PARIS))
    on_due_day, day_after = datetime.date(2026, 11, 16), datetime.date(2026, 11, 17)

    assert deliverable.validation_lateness_on(on_due_day, 15) is None
    assert not Deliverable.objects.late_for_validation(on_due_day, 15).exists()

    assert deliverable.validation_lateness_on(day_after, 15) == Lateness(1)
    assert list(Deliverable.objects.late_for_validation(day_after, 15)) == [deliverable]
    assert deliverable.validation_lateness_on(datetime.date(2026, 11, 27), 15).label == "En retard de 11 jours"


@pytest.mark.django_db
def test_a_validated_or_returned_deliverable_is_never_late_nor_waiting():
    for status in (Deliverable.Status.VALIDATED, Deliverable.Status.RETURNED):
        Deliverable.objects.all().delete()
        deliverable = _submitted(datetime.datetime(2026, 1, 5, 10, tzinfo=PARIS), status=status)
        assert deliverable.days_waiting(datetime.date(2026, 11, 27)) is None
        assert deliverable.validation_lateness_on(datetime.date(2026, 11, 27), 15) is None
        assert not Deliverable.objects.late_for_validation(datetime.date(2026, 11, 27), 15).exists()


@pytest.mark.django_db
def test_threshold_expression_reads_the_current_programme_inside_another_query():
    user = UserFactory(consultant=True)
    due = lateness.threshold_expression("validation_due_days")
    assert User.objects.filter(pk=user.pk).annotate(due=due).values_list("due", flat=True).get() == 15
    ProgrammeFactory(validation_due_days=9)
    assert User.objects.filter(pk=user.pk).annotate(due=due).values_list("due", flat=True).get() == 9


@pytest.mark.django_db
def test_programme_thresholds_are_editable_in_the_admin(admin_client):
    programme = ProgrammeFactory()
    content = admin_client.get(reverse("admin:missions_programme_change", args=[programme.pk])).content.decode()
    assert "Pilotage : retards, relances" in content
    for field in (
        "validation_due_days",
        "minutes_due_days",
        "silent_commune_days",
        "reminder_interval_days",
        "timesheet_weeks_checked",
    ):
        assert f'name="{field}"' in content


@pytest.mark.django_db
def test_a_threshold_of_zero_days_is_refused_in_french():
    programme = ProgrammeFactory(validation_due_days=0)
    with pytest.raises(ValidationError) as error:
        programme.full_clean()
    assert "validation_due_days" in error.value.message_dict
