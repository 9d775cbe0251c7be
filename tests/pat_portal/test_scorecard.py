"""The contract scorecard counts results the contract would accept, shows the rule under each number, the steps
not counted apart, overshoots as what they are, and each tile's number equals the length of the list it links to.
"""

import datetime
import html

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.models import Deliverable
from missions.support.models import SupportRequest
from pat_portal.pages.dashboard import contract_targets
from tests.factories import CommuneFactory, ProgrammeFactory, UserFactory
from tests.factories_ateliers import WorkshopFactory
from tests.factories_mission1 import AccompanimentFactory, ActionPlanFactory, DiagnosticFactory
from tests.factories_support import SupportRequestFactory

pytestmark = pytest.mark.django_db


def freeze(subject, kind, *, status=Deliverable.Status.VALIDATED):
    """A frozen version of `subject`, as validate_deliverable leaves it (without laying out a PDF)."""
    officer = UserFactory(gbm=True)
    return Deliverable.objects.create(
        kind=kind,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        commune=subject.accompaniment.commune,
        title=str(subject),
        version=1,
        status=status,
        submitted_by=officer,
        submitted_at=timezone.now(),
        reviewed_by=officer if status == Deliverable.Status.VALIDATED else None,
        reviewed_at=timezone.now() if status == Deliverable.Status.VALIDATED else None,
    )


def new_commune(programme, name, *, diagnostic=False, approved=False, plan=False, submitted_plan=False):
    accompaniment = AccompanimentFactory(
        programme=programme, cohort="nouvelle", commune=CommuneFactory(name=name, population=900)
    )
    diag = DiagnosticFactory(accompaniment=accompaniment)
    action_plan = ActionPlanFactory(accompaniment=accompaniment)
    if diagnostic:
        freeze(diag, Deliverable.Kind.DIAGNOSTIC)
    if approved:
        action_plan.approved_at = timezone.now()
        action_plan.council_decision_date = datetime.date(2026, 10, 1)
        action_plan.save()
    if plan:
        freeze(action_plan, Deliverable.Kind.ACTION_PLAN)
    if submitted_plan:
        freeze(action_plan, Deliverable.Kind.ACTION_PLAN, status=Deliverable.Status.SUBMITTED)
    return accompaniment


@pytest.fixture
def programme():
    return ProgrammeFactory(
        start_date=datetime.date(2025, 1, 1), target_workshops_min=3, target_workshops_max=5, target_new_communes=4
    )


@pytest.fixture
def scenario(programme):
    """Starts and results side by side: only results count."""
    new_commune(programme, "Enrôlée seulement")
    new_commune(programme, "Diagnostic validé", diagnostic=True)
    new_commune(programme, "Plan approuvé", diagnostic=True, approved=True, submitted_plan=True)
    new_commune(programme, "Projet abouti", diagnostic=True, approved=True, plan=True)
    new_commune(programme, "Plan validé sans diagnostic", approved=True, plan=True)
    for trait in ["accepted", "accepted", "in_progress", "completed", "abandoned", "refused"]:
        SupportRequestFactory(programme=programme, **{trait: True})
    for _ in range(6):
        WorkshopFactory(programme=programme, held=True)
    WorkshopFactory(programme=programme)
    return programme


def targets_by_key(programme):
    return {target.key: target for target in contract_targets(programme)}


def test_new_project_counts_when_the_plan_is_validated_after_a_validated_diagnostic(scenario):
    target = targets_by_key(scenario)["new_communes"]
    assert target.count == 1
    assert not target.reached
    assert target.state_label == "25 % de l'objectif minimum"
    assert target.details == [
        ("Communes identifiées", 5),
        ("Diagnostic validé", 3),
        ("Plan approuvé par le conseil", 3),
        ("Plan validé par GBM", 1),
    ]
    assert "plan d'actions est validé" in target.rule


def test_mission3_counts_support_started_or_completed_and_shows_accepted_apart(scenario):
    target = targets_by_key(scenario)["local_projects"]
    assert target.count == 2
    details = dict(target.details)
    # The count is the sum of its own detail (issue 25); the accepted ones are apart.
    assert details["En cours"] + details["Terminés"] == target.count
    assert details["Acceptées, accompagnement pas encore démarré"] == 2
    assert "démarré" in target.rule


def test_overshoot_is_shown_as_beyond_the_contract_not_as_success(scenario):
    target = targets_by_key(scenario)["workshops"]
    assert (target.count, target.over, target.state) == (6, True, "over")
    assert target.state_label == "Au-delà du marché : 1 de plus que l'objectif (3 à 5)"


def test_dashboard_shows_the_rule_and_no_false_success(client, gbm_officer, scenario):
    client.force_login(gbm_officer)
    page = html.unescape(client.get("/").content.decode())
    assert "Compte une nouvelle commune quand son plan d'actions est validé" in page
    assert "Au-delà du marché" in page
    assert "Acceptées, accompagnement pas encore démarré" in page


@pytest.mark.parametrize("key", ["new_communes", "local_projects", "workshops"])
def test_tile_number_equals_the_length_of_its_list(client, gbm_officer, scenario, key):
    target = targets_by_key(scenario)[key]
    client.force_login(gbm_officer)
    response = client.get(target.url)
    assert response.status_code == 200
    context = response.context
    listed = context["filter"].qs if "filter" in context else context["page_obj"].paginator.object_list
    assert len(listed) == target.count


def test_requests_list_filter_started_uses_the_same_rule(scenario):
    assert set(SupportRequest.objects.started().values_list("status", flat=True)) == {"en_cours", "terminee"}
