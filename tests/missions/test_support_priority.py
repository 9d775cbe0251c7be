import datetime
import itertools

import pytest
from django.utils import timezone

from missions.mission1.models.action_plans import Action
from missions.programme.choices import ActionTheme
from missions.support.models import SupportPriorityWeights, SupportRequest
from missions.support.selectors import explain_priority, priority_queue, supported_projects, with_priority
from tests.factories import CommuneFactory, ProgrammeFactory
from tests.factories_support import SupportRequestFactory, accompany, plan_action

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def weights(db):
    weights = SupportPriorityWeights.load()
    weights.points_per_week_waiting = 1
    weights.max_waiting_points = 12
    weights.under_way_points = 5
    weights.not_yet_supported_points = 10
    weights.small_commune_points = 8
    weights.plan_coherence_points = 6
    weights.save()
    return weights


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


def _explain(support_request, weights):
    annotated = with_priority(SupportRequest.objects.filter(pk=support_request.pk), weights=weights, today=TODAY)
    return explain_priority(annotated.select_related("programme").get(), weights)


def _points(explanation):
    return {criterion.code: criterion.points for criterion in explanation.criteria}


@pytest.mark.django_db
def test_a_large_commune_already_accompanied_with_a_fresh_idea_scores_zero(weights, programme):
    commune = CommuneFactory(large=True)
    accompany(commune, programme)
    support_request = SupportRequestFactory(programme=programme, commune=commune, received_on=TODAY)
    explanation = _explain(support_request, weights)
    assert explanation.score == 0
    assert all(not criterion.met for criterion in explanation.criteria)
    assert "0 semaine" in explanation.criteria[0].detail


@pytest.mark.django_db
def test_each_criterion_adds_its_weight_and_says_why(weights, programme):
    commune = CommuneFactory(population=900)
    plan_action(commune, programme, theme=ActionTheme.JARDINS)
    # The plan belongs to an accompaniment: the commune is "supported" already. Another commune is not.
    other = CommuneFactory(population=900)
    plan_action(other, ProgrammeFactory(contract_reference="AUTRE-MARCHE"), theme=ActionTheme.JARDINS)
    support_request = SupportRequestFactory(
        programme=programme,
        commune=other,
        kind=SupportRequest.Kind.ORCHARD,
        already_under_way=True,
        received_on=TODAY - datetime.timedelta(days=23),
    )
    explanation = _explain(support_request, weights)
    assert _points(explanation) == {
        "attente": 3,
        "engage": 5,
        "non_accompagnee": 10,
        "petite_commune": 8,
        "plan_actions": 6,
    }
    assert explanation.score == 32
    details = {criterion.code: criterion.detail for criterion in explanation.criteria}
    assert details["attente"].startswith("3 semaines depuis la réception")
    assert details["petite_commune"] == "Moins de 5\u202f000 habitants."
    assert "porte sur ce thème" in details["plan_actions"]


@pytest.mark.django_db
def test_waiting_points_are_capped(weights, programme):
    support_request = SupportRequestFactory(
        programme=programme, commune=CommuneFactory(large=True), received_on=TODAY - datetime.timedelta(days=400)
    )
    accompany(support_request.commune, programme)
    explanation = _explain(support_request, weights)
    assert _points(explanation)["attente"] == 12
    assert explanation.score == 12


@pytest.mark.django_db
def test_small_commune_threshold_comes_from_the_programme(weights):
    programme = ProgrammeFactory(small_commune_population=1000)
    commune = CommuneFactory(population=1000)
    accompany(commune, programme)
    support_request = SupportRequestFactory(programme=programme, commune=commune, received_on=TODAY)
    explanation = _explain(support_request, weights)
    assert _points(explanation)["petite_commune"] == 0
    assert explanation.criteria[3].detail == "1\u202f000 habitants ou plus."


@pytest.mark.django_db
def test_an_earlier_accepted_request_means_the_commune_is_supported(weights, programme):
    commune = CommuneFactory(large=True)
    earlier = SupportRequestFactory(programme=programme, commune=commune, completed=True)
    pending = SupportRequestFactory(programme=programme, commune=commune, received_on=TODAY)
    assert _points(_explain(pending, weights))["non_accompagnee"] == 0
    # The accepted request itself was, at its decision, the commune's first support.
    assert _points(_explain(earlier, weights))["non_accompagnee"] == 10


@pytest.mark.django_db
def test_a_refused_request_does_not_count_as_support(weights, programme):
    commune = CommuneFactory(large=True)
    SupportRequestFactory(programme=programme, commune=commune, refused=True)
    pending = SupportRequestFactory(programme=programme, commune=commune, received_on=TODAY)
    assert _points(_explain(pending, weights))["non_accompagnee"] == 10


@pytest.mark.django_db
def test_accompaniment_in_another_programme_does_not_count(weights, programme):
    commune = CommuneFactory(large=True)
    accompany(commune, ProgrammeFactory(contract_reference="ANCIEN-MARCHE"))
    pending = SupportRequestFactory(programme=programme, commune=commune, received_on=TODAY)
    assert _points(_explain(pending, weights))["non_accompagnee"] == 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "theme", "coherent"),
    [
        (SupportRequest.Kind.GARDEN, ActionTheme.JARDINS, True),
        (SupportRequest.Kind.BASKETS, ActionTheme.CIRCUITS_COURTS, True),
        (SupportRequest.Kind.CATERING, ActionTheme.RESTAURATION, True),
        (SupportRequest.Kind.CATERING, ActionTheme.JARDINS, False),
        (SupportRequest.Kind.OTHER, ActionTheme.AUTRE, False),
    ],
)
def test_coherence_with_the_action_plan_needs_a_matching_theme(weights, programme, kind, theme, coherent):
    commune = CommuneFactory()
    plan_action(commune, programme, theme=theme)
    support_request = SupportRequestFactory(programme=programme, commune=commune, kind=kind, received_on=TODAY)
    assert _points(_explain(support_request, weights))["plan_actions"] == (6 if coherent else 0)


@pytest.mark.django_db
def test_abandoned_actions_do_not_make_a_project_coherent(weights, programme):
    commune = CommuneFactory()
    plan_action(commune, programme, theme=ActionTheme.JARDINS, status=Action.Status.ABANDONED)
    support_request = SupportRequestFactory(programme=programme, commune=commune, received_on=TODAY)
    assert _points(_explain(support_request, weights))["plan_actions"] == 0


@pytest.mark.django_db
def test_the_action_chosen_at_the_decision_makes_it_coherent(weights, programme):
    commune = CommuneFactory()
    action = plan_action(commune, programme, theme=ActionTheme.AUTRE)
    support_request = SupportRequestFactory(
        programme=programme, commune=commune, kind=SupportRequest.Kind.OTHER, accepted=True, action=action
    )
    assert _points(_explain(support_request, weights))["plan_actions"] == 6


@pytest.mark.django_db
def test_weights_edited_by_gbm_change_the_score(weights, programme):
    support_request = SupportRequestFactory(
        programme=programme, commune=CommuneFactory(population=300), received_on=TODAY, already_under_way=True
    )
    before = _explain(support_request, weights).score
    weights.under_way_points = 50
    weights.small_commune_points = 0
    weights.save()
    after = _explain(support_request, SupportPriorityWeights.load())
    assert before == 5 + 10 + 8
    assert after.score == 50 + 10
    assert _points(after)["petite_commune"] == 0


@pytest.mark.django_db
def test_zero_points_per_week_switches_the_waiting_criterion_off(weights, programme):
    weights.points_per_week_waiting = 0
    weights.save()
    support_request = SupportRequestFactory(programme=programme, received_on=TODAY - datetime.timedelta(days=70))
    assert _points(_explain(support_request, weights))["attente"] == 0


@pytest.mark.django_db
def test_queue_ranks_by_score_then_oldest_first(weights, programme):
    big = CommuneFactory(large=True)
    accompany(big, programme)
    small = CommuneFactory(population=500)
    low = SupportRequestFactory(programme=programme, commune=big, received_on=TODAY, title="bas")
    high = SupportRequestFactory(programme=programme, commune=small, received_on=TODAY, title="haut")
    tie_old = SupportRequestFactory(
        programme=programme, commune=big, received_on=TODAY - datetime.timedelta(days=3), title="ancien"
    )
    ranked = list(priority_queue(SupportRequest.objects.all(), weights=weights, today=TODAY))
    assert ranked == [high, tie_old, low]


@pytest.mark.django_db
def test_weights_row_is_unique_and_created_on_first_use(db):
    assert not SupportPriorityWeights.objects.exists()
    first = SupportPriorityWeights.load()
    again = SupportPriorityWeights()
    again.save()
    assert SupportPriorityWeights.objects.count() == 1
    assert first.pk == again.pk == 1


@pytest.mark.django_db
def test_supported_projects_counts_started_and_completed_against_the_target_and_accepted_apart(programme):
    for trait in ("accepted", "in_progress", "completed", "refused", "abandoned", "under_review"):
        SupportRequestFactory(programme=programme, **{trait: True})
    SupportRequestFactory(programme=ProgrammeFactory(contract_reference="AUTRE"), completed=True)
    result = supported_projects(programme)
    # The count is its own detail's sum (issue 25: the banner said 9 with a detail adding to 6).
    assert (result.count, result.in_progress, result.completed) == (2, 1, 1)
    assert result.count == result.in_progress + result.completed
    assert result.accepted_not_started == 1
    assert (result.target_min, result.target_max) == (4, 5)
    assert not result.reached
    assert result.progress_percent == 50


@pytest.mark.django_db
def test_waiting_is_counted_from_today_by_default(weights, programme):
    support_request = SupportRequestFactory(
        programme=programme, received_on=timezone.localdate() - datetime.timedelta(days=14)
    )
    annotated = with_priority(SupportRequest.objects.filter(pk=support_request.pk), weights=weights).get()
    assert annotated.prio_weeks == 2


@pytest.mark.django_db
def test_each_score_is_the_sum_of_its_criteria(programme):
    """The database ranks by the score; the page shows each criterion's points, read from the same annotations."""
    weights = SupportPriorityWeights.load()
    small, large, accompanied, planned = (
        CommuneFactory(population=400),
        CommuneFactory(large=True),
        CommuneFactory(population=700),
        CommuneFactory(population=9000),
    )
    accompany(accompanied, programme)
    plan_action(planned, ProgrammeFactory(contract_reference="AUTRE"), theme=ActionTheme.CUISINE)
    plan_action(
        planned,
        ProgrammeFactory(contract_reference="AUTRE-2"),
        theme=ActionTheme.JARDINS,
        status=Action.Status.ABANDONED,
    )
    SupportRequestFactory(programme=programme, commune=large, accepted=True)
    kinds = itertools.cycle(SupportRequest.Kind.values)
    for index, commune in enumerate(itertools.islice(itertools.cycle([small, large, accompanied, planned]), 24)):
        SupportRequestFactory(
            programme=programme,
            commune=commune,
            kind=next(kinds),
            already_under_way=index % 3 == 0,
            received_on=timezone.localdate() - datetime.timedelta(days=5 * index),
        )
    ranked = list(priority_queue(SupportRequest.objects.select_related("commune", "programme"), weights=weights))
    scores = []
    for support_request in ranked:
        explanation = explain_priority(support_request, weights)
        assert explanation.score == sum(criterion.points for criterion in explanation.criteria)
        scores.append(explanation.score)
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) > 3  # the criteria differ from one request to the next
