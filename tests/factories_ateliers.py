import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ateliers.models import (
    AttendanceSheet,
    LogisticsCost,
    Registration,
    Resource,
    Testimony,
    Theme,
    Workshop,
    WorkshopReport,
)
from tests.factories import ContactFactory, ProgrammeFactory, UserFactory


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme

    title = factory.Sequence(lambda n: f"Thème d'atelier {n}")
    description = "Ce que les communes peuvent partager."
    action_theme = "restauration_collective"
    status = Theme.Status.VALIDATED
    proposed_by = factory.SubFactory(UserFactory, consultant=True)

    class Params:
        proposed = factory.Trait(status=Theme.Status.PROPOSED)
        rejected = factory.Trait(status=Theme.Status.REJECTED, review_comment="Trop proche d'un autre thème.")


def _in_days(days: int, hour: int = 9) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))


class WorkshopFactory(DjangoModelFactory):
    class Meta:
        model = Workshop
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Atelier de partage {n}")
    theme = factory.SubFactory(ThemeFactory)
    starts_at = factory.LazyFunction(lambda: _in_days(20))
    ends_at = factory.LazyAttribute(lambda workshop: workshop.starts_at + datetime.timedelta(hours=3))
    place = "Salle des fêtes"
    format = Workshop.Format.TESTIMONIES
    agenda = "9 h 30 accueil\n10 h témoignages"

    class Params:
        past = factory.Trait(starts_at=factory.LazyFunction(lambda: _in_days(-10)))
        held = factory.Trait(starts_at=factory.LazyFunction(lambda: _in_days(-10)), status=Workshop.Status.HELD)
        cancelled = factory.Trait(status=Workshop.Status.CANCELLED, cancellation_reason="Trop peu d'inscrits.")

    @factory.post_generation
    def deliverables(workshop, create, extracted, **kwargs):
        if create:
            WorkshopReport.objects.create(workshop=workshop)
            AttendanceSheet.objects.create(workshop=workshop)


class WorkshopTestimonyFactory(DjangoModelFactory):
    class Meta:
        model = Testimony

    workshop = factory.SubFactory(WorkshopFactory)
    speaker = "Karim Benali"
    organisation = "Restaurant scolaire"
    origin = Testimony.Origin.TERRITORY
    topic = "Cuisiner local"


class LogisticsCostFactory(DjangoModelFactory):
    class Meta:
        model = LogisticsCost

    workshop = factory.SubFactory(WorkshopFactory)
    category = LogisticsCost.Category.TRANSPORT
    label = "Car"
    amount = Decimal("420.00")


class RegistrationFactory(DjangoModelFactory):
    class Meta:
        model = Registration

    workshop = factory.SubFactory(WorkshopFactory)
    contact = factory.SubFactory(ContactFactory)
    commune = factory.LazyAttribute(lambda registration: registration.contact.commune)
    registered_by = factory.SubFactory(UserFactory, consultant=True)

    class Params:
        consenting = factory.Trait(
            consent_to_share=True,
            consent_date=datetime.date(2025, 3, 1),
            consent_method=Registration.ConsentMethod.FORM,
        )
        present = factory.Trait(attendance=Registration.Attendance.PRESENT)
        absent = factory.Trait(attendance=Registration.Attendance.ABSENT)


class ResourceFactory(DjangoModelFactory):
    class Meta:
        model = Resource

    workshop = factory.SubFactory(WorkshopFactory)
    title = factory.Sequence(lambda n: f"Ressource {n}")
    url = "https://www.example.org/guide.pdf"
    added_by = factory.SubFactory(UserFactory, consultant=True)
