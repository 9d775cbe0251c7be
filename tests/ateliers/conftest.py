import pytest
from django.contrib.contenttypes.models import ContentType

from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan
from tests.factories import ProgrammeFactory


@pytest.fixture
def make_action(db):
    """An action of a commune's plan (the plan and accompaniment are created on the way)."""

    def make(commune, *, theme="restauration_collective", title="Cantine locale", status="retenue"):
        accompaniment = Accompaniment.objects.filter(commune=commune).first() or Accompaniment.objects.create(
            programme=ProgrammeFactory(), commune=commune, cohort=Accompaniment.Cohort.NEW
        )
        plan = ActionPlan.objects.filter(accompaniment=accompaniment).first() or ActionPlan.objects.create(
            accompaniment=accompaniment
        )
        return Action.objects.create(plan=plan, title=title, theme=theme, status=status)

    return make


@pytest.fixture
def count_queries(django_assert_max_num_queries):
    """Run `call` and return how many SQL queries it made (failing above `limit`)."""

    def count(call, limit=12):
        # Content types are cached per process: start from an empty cache so that both measures pay for it.
        ContentType.objects.clear_cache()
        with django_assert_max_num_queries(limit) as captured:
            call()
        return len(captured.captured_queries)

    return count
