import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError

from missions.support import services
from missions.support.models import SupportRequest, SupportStep, TransitionError
from tests.factories import CommuneFactory, ProgrammeFactory, UserFactory
from tests.factories_support import SupportRequestFactory

Status = SupportRequest.Status
ALLOWED = {
    (Status.RECEIVED, Status.UNDER_REVIEW),
    (Status.UNDER_REVIEW, Status.ACCEPTED),
    (Status.UNDER_REVIEW, Status.REFUSED),
    (Status.ACCEPTED, Status.IN_PROGRESS),
    (Status.ACCEPTED, Status.ABANDONED),
    (Status.IN_PROGRESS, Status.COMPLETED),
    (Status.IN_PROGRESS, Status.ABANDONED),
}
ALL_PAIRS = [(source, target) for source in Status.values for target in Status.values if target != Status.RECEIVED]


def _decision(accepted=True, **extra):
    values = {
        "accepted": accepted,
        "reason": "Projet porté par une association solide.",
        "feasibility": SupportRequest.Feasibility.FEASIBLE,
        "support_nature": "Montage du projet",
        "allotted_half_days": Decimal("3.5"),
        "steps": (SupportStep.Kind.FINANCING, SupportStep.Kind.IDEA),
    }
    values.update(extra)
    return services.Decision(**values)


def _change(support_request, target, user):
    """Drive the change through the service that the pages use."""
    if target == Status.UNDER_REVIEW:
        return services.start_review(support_request=support_request, by=user)
    if target in (Status.ACCEPTED, Status.REFUSED):
        return services.decide_support_request(
            support_request=support_request, decision=_decision(accepted=target == Status.ACCEPTED), by=user
        )
    if target == Status.IN_PROGRESS:
        return services.start_follow_up(support_request=support_request, by=user)
    if target == Status.COMPLETED:
        return services.complete_support_request(support_request=support_request, by=user, note="Bilan positif")
    return services.abandon_support_request(support_request=support_request, by=user, reason="Porteur parti")


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), ALL_PAIRS)
def test_every_transition_is_allowed_or_refused_as_the_status_machine_says(source, target, gbm_officer):
    support_request = SupportRequestFactory(status=source)
    if (source, target) in ALLOWED:
        _change(support_request, target, gbm_officer)
        support_request.refresh_from_db()
        assert support_request.status == target
        event = support_request.events.get()
        assert (event.previous_status, event.status, event.by) == (source, target, gbm_officer)
    else:
        with pytest.raises(TransitionError) as error:
            _change(support_request, target, gbm_officer)
        assert "Seule une demande" in str(error.value)
        assert support_request.get_status_display().lower() in str(error.value)
        support_request.refresh_from_db()
        assert support_request.status == source
        assert not support_request.events.exists()


@pytest.mark.django_db
def test_accepting_creates_the_chosen_steps_in_the_contract_order_and_freezes_the_priority(gbm_officer):
    support_request = SupportRequestFactory(under_review=True, already_under_way=True)
    services.decide_support_request(support_request=support_request, decision=_decision(), by=gbm_officer)
    support_request.refresh_from_db()
    assert [step.kind for step in support_request.steps.all()] == [SupportStep.Kind.IDEA, SupportStep.Kind.FINANCING]
    assert support_request.allotted_half_days == Decimal("3.5")
    assert support_request.decided_by == gbm_officer
    snapshot = support_request.priority_at_decision
    assert {criterion["code"] for criterion in snapshot["criteria"]} == {
        "attente",
        "engage",
        "non_accompagnee",
        "petite_commune",
        "plan_actions",
    }
    assert snapshot["score"] == sum(criterion["points"] for criterion in snapshot["criteria"])


@pytest.mark.django_db
def test_refusal_keeps_no_steps_nor_time(gbm_officer):
    support_request = SupportRequestFactory(under_review=True)
    services.decide_support_request(
        support_request=support_request, decision=_decision(accepted=False), by=gbm_officer
    )
    support_request.refresh_from_db()
    assert support_request.status == Status.REFUSED
    assert support_request.allotted_half_days is None
    assert not support_request.steps.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (_decision(reason="  "), "motif"),
        (_decision(allotted_half_days=None), "temps alloué"),
        (_decision(steps=()), "au moins une étape"),
        (_decision(accepted=False, reason=""), "motif"),
    ],
)
def test_a_decision_needs_its_reason_time_and_steps(gbm_officer, decision, message):
    support_request = SupportRequestFactory(under_review=True)
    with pytest.raises(TransitionError, match=message):
        services.decide_support_request(support_request=support_request, decision=decision, by=gbm_officer)
    support_request.refresh_from_db()
    assert support_request.status == Status.UNDER_REVIEW
    assert support_request.decided_at is None


@pytest.mark.django_db
def test_abandoning_needs_a_reason(consultant):
    support_request = SupportRequestFactory(in_progress=True)
    with pytest.raises(TransitionError, match="pourquoi"):
        services.abandon_support_request(support_request=support_request, by=consultant, reason=" ")
    support_request.refresh_from_db()
    assert support_request.status == Status.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["consultant", "elu"])
def test_only_gbm_decides_even_through_the_service(request, role):
    support_request = SupportRequestFactory(under_review=True)
    with pytest.raises(PermissionDenied):
        services.decide_support_request(
            support_request=support_request, decision=_decision(), by=request.getfixturevalue(role)
        )
    support_request.refresh_from_db()
    assert support_request.status == Status.UNDER_REVIEW


@pytest.mark.django_db
def test_elu_cannot_change_a_status_through_the_services(elu):
    support_request = SupportRequestFactory(commune=elu.commune)
    with pytest.raises(PermissionDenied):
        services.start_review(support_request=support_request, by=elu)


@pytest.mark.django_db
def test_action_must_belong_to_the_commune_plan(gbm_officer):
    from tests.factories_support import plan_action

    support_request = SupportRequestFactory(under_review=True)
    elsewhere = plan_action(CommuneFactory(), support_request.programme)
    with pytest.raises(TransitionError, match="plan d'actions de cette commune"):
        services.decide_support_request(
            support_request=support_request, decision=_decision(action=elsewhere), by=gbm_officer
        )


@pytest.mark.django_db
def test_references_count_the_requests_of_each_year(commune):
    programme = ProgrammeFactory()
    team_member = UserFactory(gbm=True)

    def register(received_on):
        support_request = SupportRequestFactory.build(
            programme=programme, commune=commune, received_on=received_on, year=None, number=None
        )
        return services.register_support_request(
            support_request=support_request, door=SupportRequest.Door.TEAM, submitted_by=team_member
        )

    first = register(datetime.date(2025, 12, 30))
    second = register(datetime.date(2026, 1, 2))
    third = register(datetime.date(2026, 1, 3))
    assert [first.reference, second.reference, third.reference] == ["DA-2025-0001", "DA-2026-0001", "DA-2026-0002"]


@pytest.mark.django_db
def test_a_reference_is_never_given_twice(commune):
    SupportRequestFactory(year=2026, number=7)
    with pytest.raises(IntegrityError):
        SupportRequestFactory(year=2026, number=7)


@pytest.mark.django_db
def test_registering_without_a_programme_is_refused_in_french(commune):
    support_request = SupportRequestFactory.build(commune=commune, programme=None, year=None, number=None)
    with pytest.raises(services.SupportError, match="Aucun programme"):
        services.register_support_request(support_request=support_request, door=SupportRequest.Door.PUBLIC)
    assert not SupportRequest.objects.exists()


@pytest.mark.django_db
def test_visibility_team_sees_all_elu_only_their_commune(gbm_officer, consultant, elu, elu_other_commune):
    mine = SupportRequestFactory(commune=elu.commune)
    other = SupportRequestFactory(commune=elu_other_commune.commune)
    assert set(SupportRequest.objects.visible_to(gbm_officer)) == {mine, other}
    assert set(SupportRequest.objects.visible_to(consultant)) == {mine, other}
    assert list(SupportRequest.objects.visible_to(elu)) == [mine]
    assert list(SupportRequest.objects.visible_to(elu_other_commune)) == [other]


@pytest.mark.django_db
def test_history_records_status_changes_and_steps(gbm_officer):
    support_request = SupportRequestFactory(under_review=True)
    services.decide_support_request(support_request=support_request, decision=_decision(), by=gbm_officer)
    assert support_request.history.filter(status=Status.ACCEPTED).exists()
    step = support_request.steps.first()
    step.notes = "Première rencontre avec le porteur"
    step.save()
    assert step.history.count() == 2
