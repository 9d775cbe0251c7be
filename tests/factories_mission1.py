import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.diagnostics import ActionLead, Diagnostic, SharedFinding, Stake
from missions.mission1.models.meetings import Meeting, MeetingParticipant
from tests.factories import CommuneFactory, ContactFactory, ProgrammeFactory


class AccompanimentFactory(DjangoModelFactory):
    class Meta:
        model = Accompaniment
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    commune = factory.SubFactory(CommuneFactory)
    cohort = Accompaniment.Cohort.NEW
    phase = Accompaniment.Phase.IDENTIFIED
    started_on = datetime.date(2025, 1, 6)

    class Params:
        with_diagnostic = factory.Trait(
            diagnostic=factory.RelatedFactory("tests.factories_mission1.DiagnosticFactory", "accompaniment")
        )


class MeetingFactory(DjangoModelFactory):
    class Meta:
        model = Meeting

    accompaniment = factory.SubFactory(AccompanimentFactory)
    commune = factory.LazyAttribute(lambda meeting: meeting.accompaniment.commune if meeting.accompaniment else None)
    starts_at = factory.Sequence(
        lambda n: timezone.make_aware(datetime.datetime(2025, 2, 1, 18) + datetime.timedelta(days=n))
    )
    kind = Meeting.Kind.ELECTED
    title = factory.Sequence(lambda n: f"Réunion {n}")
    place = "Mairie"
    minutes = "Compte rendu partagé avec la commune."
    internal_notes = "NOTE-INTERNE-SECRETE : le maire hésite."
    time_spent_half_days = Decimal("1.0")
    count_residents = 3


class MeetingParticipantFactory(DjangoModelFactory):
    class Meta:
        model = MeetingParticipant

    meeting = factory.SubFactory(MeetingFactory)
    contact = factory.SubFactory(ContactFactory)


class DiagnosticFactory(DjangoModelFactory):
    class Meta:
        model = Diagnostic
        skip_postgeneration_save = True

    accompaniment = factory.SubFactory(AccompanimentFactory)
    context = "Commune rurale avec une école et une cantine de 80 repas."
    data_collected = "80 repas par jour."

    class Params:
        with_content = factory.Trait(
            stake=factory.RelatedFactory("tests.factories_mission1.StakeFactory", "diagnostic"),
            finding=factory.RelatedFactory("tests.factories_mission1.SharedFindingFactory", "diagnostic"),
            lead=factory.RelatedFactory("tests.factories_mission1.ActionLeadFactory", "diagnostic"),
        )


class StakeFactory(DjangoModelFactory):
    class Meta:
        model = Stake

    diagnostic = factory.SubFactory(DiagnosticFactory)
    category = Stake.Category.RESTAURATION
    title = factory.Sequence(lambda n: f"Enjeu cantine locale {n}")
    priority = Stake.Priority.HIGH
    description = "Passer à 30 % de produits locaux."


class SharedFindingFactory(DjangoModelFactory):
    class Meta:
        model = SharedFinding

    diagnostic = factory.SubFactory(DiagnosticFactory)
    text = factory.Sequence(lambda n: f"Constat partagé numéro {n}")


class ActionLeadFactory(DjangoModelFactory):
    class Meta:
        model = ActionLead

    diagnostic = factory.SubFactory(DiagnosticFactory)
    title = factory.Sequence(lambda n: f"Piste verger {n}")
    theme = "jardins_vergers"
    potential_leads = "Association des jardins"


class ActionPlanFactory(DjangoModelFactory):
    class Meta:
        model = "missions.ActionPlan"

    accompaniment = factory.SubFactory(AccompanimentFactory)
    summary = "Une alimentation locale pour tous."


class ActionFactory(DjangoModelFactory):
    class Meta:
        model = "missions.Action"

    plan = factory.SubFactory(ActionPlanFactory)
    title = factory.Sequence(lambda n: f"Action cantine {n}")
    theme = "restauration_collective"
    cost_estimate = Decimal("1000.00")
    start_month = datetime.date(2025, 3, 1)
    end_month = datetime.date(2025, 9, 1)
    position = factory.Sequence(lambda n: n)


class FundingSourceFactory(DjangoModelFactory):
    class Meta:
        model = "missions.FundingSource"

    action = factory.SubFactory(ActionFactory)
    funder = "Grand Besançon Métropole"
    amount = Decimal("400.00")


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = "missions.Indicator"

    action = factory.SubFactory(ActionFactory)
    name = "Part de produits locaux"
    unit = "%"


class IndicatorValueFactory(DjangoModelFactory):
    class Meta:
        model = "missions.IndicatorValue"

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2025
    target = Decimal("20")
    actual = Decimal("12")
