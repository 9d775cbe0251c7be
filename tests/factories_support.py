"""Factories of Mission 3. Status traits set the state directly (test set-up); the transitions have their own tests."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan
from missions.programme.choices import ActionTheme
from missions.support.models import FinancingLine, SupportRequest, SupportRequestEvent, SupportStep
from tests.factories import CommuneFactory, ProgrammeFactory

DECIDED_AT = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))


def _decided(**extra):
    return {
        "decided_at": DECIDED_AT,
        "decision_reason": "Projet cohérent avec le projet alimentaire communal.",
        "feasibility": SupportRequest.Feasibility.FEASIBLE,
        **extra,
    }


def _accepted(status, **extra):
    return factory.Trait(
        status=status,
        support_nature="Aide au montage du projet et à la recherche de financements.",
        allotted_half_days=Decimal("4.0"),
        **_decided(**extra),
    )


class SupportRequestFactory(DjangoModelFactory):
    class Meta:
        model = SupportRequest
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    commune = factory.SubFactory(CommuneFactory)
    door = SupportRequest.Door.PUBLIC
    channel = SupportRequest.Channel.PORTAL
    received_on = factory.LazyFunction(timezone.localdate)
    year = factory.LazyAttribute(lambda request: request.received_on.year)
    number = factory.Sequence(lambda n: n + 1)
    requester_kind = SupportRequest.RequesterKind.ASSOCIATION
    organisation = "Association Les Jardins du Doubs"
    contact_name = "Dominique Martin"
    email = factory.Sequence(lambda n: f"porteur{n}@example.org")
    phone = "03 81 00 00 00"
    title = factory.Sequence(lambda n: f"Jardin partagé {n}")
    kind = SupportRequest.Kind.GARDEN
    description = "Créer un jardin partagé derrière l'école, cultivé par les familles."
    help_wanted = "Trouver des partenaires et monter le plan de financement."
    already_under_way = False

    class Params:
        under_review = factory.Trait(status=SupportRequest.Status.UNDER_REVIEW)
        accepted = _accepted(SupportRequest.Status.ACCEPTED)
        in_progress = _accepted(SupportRequest.Status.IN_PROGRESS)
        completed = _accepted(SupportRequest.Status.COMPLETED, closed_on=datetime.date(2026, 6, 30))
        abandoned = _accepted(
            SupportRequest.Status.ABANDONED, closed_on=datetime.date(2026, 6, 30), closing_note="Porteur parti."
        )
        refused = factory.Trait(
            status=SupportRequest.Status.REFUSED,
            **_decided(decision_reason="Hors du champ du programme : projet sans lien avec l'alimentation."),
        )
        with_steps = factory.Trait(
            steps=factory.RelatedFactoryList(
                "tests.factories_support.SupportStepFactory",
                "request",
                size=2,
                kind=factory.Iterator([SupportStep.Kind.IDEA, SupportStep.Kind.FINANCING]),
            )
        )


class SupportRequestEventFactory(DjangoModelFactory):
    class Meta:
        model = SupportRequestEvent

    request = factory.SubFactory(SupportRequestFactory)
    status = SupportRequest.Status.RECEIVED


class SupportStepFactory(DjangoModelFactory):
    class Meta:
        model = SupportStep

    request = factory.SubFactory(SupportRequestFactory, in_progress=True)
    kind = SupportStep.Kind.IDEA
    position = factory.LazyAttribute(lambda step: SupportStep.KIND_ORDER[step.kind])


class FinancingLineFactory(DjangoModelFactory):
    class Meta:
        model = FinancingLine

    request = factory.SubFactory(SupportRequestFactory, in_progress=True)
    nature = FinancingLine.Nature.EXPENSE
    label = "Outils et semences"
    amount = Decimal("1200.00")

    class Params:
        resource = factory.Trait(nature=FinancingLine.Nature.RESOURCE, status=FinancingLine.Status.SECURED)


def accompany(commune, programme) -> Accompaniment:
    """The commune enters Mission 1 in the programme."""
    return Accompaniment.objects.create(programme=programme, commune=commune, cohort=Accompaniment.Cohort.NEW)


def plan_action(commune, programme, *, theme=ActionTheme.JARDINS, status=Action.Status.SELECTED) -> Action:
    """An action of the commune's action plan (creating the accompaniment and the plan when needed)."""
    accompaniment = Accompaniment.objects.filter(commune=commune, programme=programme).first() or accompany(
        commune, programme
    )
    plan, _ = ActionPlan.objects.get_or_create(accompaniment=accompaniment)
    return Action.objects.create(plan=plan, title=f"Action {theme}", theme=theme, status=status)
