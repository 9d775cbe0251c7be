"""Every key page stays within the 12-query budget, with the same count on small and on 3x larger data."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ateliers.models import Workshop
from core.models import User
from missions.mission1.models.action_plans import ActionPlan
from pat_portal.pages.load_data import generate_load_data

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12
# Pages measured over budget and not fixed yet, with their count (none since the hub's follow-up sheets are read in
# the requests' query). Pinned so that any change, better or worse, shows up.
KNOWN_OVER_BUDGET: dict[str, int] = {}


def key_pages(result):
    plan = ActionPlan.objects.select_related("accompaniment__commune").get(
        accompaniment__commune__insee_code=result.plan_commune, accompaniment__programme_id=result.programme_id
    )
    insee = plan.accompaniment.commune.insee_code
    workshop = Workshop.objects.get(pk=result.workshop_id)
    return {
        "dashboard": "/",
        "communes": "/communes/",
        "commune hub": f"/communes/{insee}/",
        "meetings": "/reunions/",
        "action plan": f"/communes/{insee}/plan-d-actions/",
        "workshop": f"/ateliers/{workshop.pk}/",
        "support queue": "/demandes/",
        "time": "/temps/",
        "actions": "/actions/",
        "workshops": "/ateliers/",
    }


def measure(client, scale):
    """Query counts per (role, page) on a database generated at `scale`, rolled back afterwards."""
    counts = {}
    with transaction.atomic():
        result = generate_load_data(scale=scale, seed=3)
        pages = key_pages(result)
        for role in ("gbm", "consultant", "elu"):
            client.force_login(User.objects.get(username=result.users[role]))
            for name, path in pages.items():
                client.get(path)  # caches that persist between requests (content types, session) are warm
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
                if response.status_code in (302, 403, 404):
                    continue  # not this role's page (an élu's dashboard redirects to their commune)
                assert response.status_code == 200, (role, path, response.status_code)
                counts[role, name] = len(captured.captured_queries)
        transaction.set_rollback(True)
    return counts


def test_key_pages_run_a_fixed_small_number_of_queries(client):
    small = measure(client, 0.2)
    large = measure(client, 0.6)
    assert small == large
    over = {key: count for key, count in large.items() if count > MAX_QUERIES}
    assert over == {key: KNOWN_OVER_BUDGET[key[1]] for key in over if key[1] in KNOWN_OVER_BUDGET}, over
    assert set(over) <= {(role, page) for role in ("gbm", "consultant") for page in KNOWN_OVER_BUDGET}
