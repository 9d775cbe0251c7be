"""The demo shows GBM's own delays too: a diagnostic waits for GBM's validation past the programme's deadline."""

import pytest
from django.utils import timezone

from communes.demo import seed_users
from core.demo import DemoContext
from core.models import Deliverable
from missions.mission1.demo import ACCOMPANIMENTS, seed_mission1
from missions.programme.demo import seed_programme
from tests.factories import CommuneFactory


@pytest.mark.django_db
def test_the_demo_has_a_version_waiting_for_gbm_past_its_validation_deadline():
    for insee_code, *_ in ACCOMPANIMENTS:
        CommuneFactory(insee_code=insee_code)
    today = timezone.localdate()
    context = DemoContext(today=today, programme=seed_programme(today), users=seed_users())
    seed_mission1(context)
    due_days = context.programme.validation_due_days
    late = Deliverable.objects.late_for_validation(today, due_days)
    assert late.filter(kind=Deliverable.Kind.DIAGNOSTIC, commune__insee_code="25364").exists()
    assert not late.filter(commune__insee_code="25454").exists()  # returned: nothing waits for GBM there
