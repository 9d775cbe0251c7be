"""One rule for the contract's 7–8 "specific support" target, used by the dashboard tile and by the list it links
to: flagged actions of the programme's plans, in communes under the programme's population threshold, abandoned
excluded."""

import datetime

import pytest

from missions.mission1.models.action_plans import Action
from pat_portal.pages.dashboard import contract_targets
from tests.factories import CommuneFactory, ProgrammeFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario():
    """Actions on each side of every part of the rule (threshold 3,000 inhabitants, not the usual 5,000)."""
    programme = ProgrammeFactory(start_date=datetime.date(2025, 1, 1), small_commune_population=3000)
    older = ProgrammeFactory(contract_reference="ANCIEN", start_date=datetime.date(2020, 1, 1))
    small = ActionPlanFactory(
        accompaniment=AccompanimentFactory(programme=programme, commune=CommuneFactory(population=2999))
    )
    at_threshold = ActionPlanFactory(
        accompaniment=AccompanimentFactory(programme=programme, commune=CommuneFactory(population=3000))
    )
    under_5000 = ActionPlanFactory(
        accompaniment=AccompanimentFactory(programme=programme, commune=CommuneFactory(population=4000))
    )
    other_programme = ActionPlanFactory(
        accompaniment=AccompanimentFactory(programme=older, commune=CommuneFactory(population=100))
    )
    counted = [
        ActionFactory(plan=small, specific_support=True, title="Compte 1"),
        ActionFactory(plan=small, specific_support=True, status=Action.Status.DONE, title="Compte 2"),
    ]
    ActionFactory(plan=small, specific_support=True, status=Action.Status.ABANDONED, title="Action laissée tomber")
    ActionFactory(plan=small, specific_support=False, title="Sans accompagnement spécifique")
    ActionFactory(plan=at_threshold, specific_support=True, title="Au seuil")
    ActionFactory(plan=under_5000, specific_support=True, title="Sous 5000 mais au-dessus du seuil")
    ActionFactory(plan=other_programme, specific_support=True, title="Autre programme")
    return programme, counted


def test_queryset_rule_counts_only_what_the_contract_accepts(scenario):
    programme, counted = scenario
    assert set(Action.objects.toward_specific_support_target(programme)) == set(counted)


def test_dashboard_tile_number_equals_the_length_of_its_list(client, gbm_officer, scenario):
    programme, counted = scenario
    tile = {target.key: target for target in contract_targets(programme)}["specific_actions"]
    client.force_login(gbm_officer)
    response = client.get(tile.url)
    assert response.status_code == 200
    listed = list(response.context["filter"].qs)
    assert tile.count == len(listed) == len(counted) == 2
    assert set(listed) == set(counted)
    assert "Action laissée tomber" not in response.content.decode()
