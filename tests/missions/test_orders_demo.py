"""The demo's order forms and time entries: several statuses, an extra commune, locked months; idempotent."""

import pytest
from django.utils import timezone

from communes.demo import seed_users
from core.demo import DemoContext
from missions.mission1.models.accompaniments import Accompaniment
from missions.money.demo import seed
from missions.money.models.orders import OrderForm
from missions.money.models.time import TimeEntry, TimeMonthLock
from missions.money.services.budget import programme_budget
from missions.programme.demo import seed_programme
from tests.factories import CommuneFactory
from tests.factories_ateliers import WorkshopFactory
from tests.factories_support import SupportRequestFactory


@pytest.mark.django_db
def test_demo_order_forms_and_time_are_seeded_once():
    for insee_code in ["25014", "25200", "25364", "25448", "25564", "25073", "25575"]:
        CommuneFactory(insee_code=insee_code)
    today = timezone.localdate()
    context = DemoContext(today=today, programme=seed_programme(today), users=seed_users())
    workshop = WorkshopFactory(programme=context.programme, held=True)
    support_request = SupportRequestFactory(programme=context.programme, in_progress=True)
    seed(context)
    counts = (OrderForm.objects.count(), TimeEntry.objects.count(), TimeMonthLock.objects.count())
    seed(context)
    assert (OrderForm.objects.count(), TimeEntry.objects.count(), TimeMonthLock.objects.count()) == counts

    statuses = set(OrderForm.objects.values_list("status", flat=True))
    assert {"brouillon", "emis", "notifie", "execute", "paye"} <= statuses
    assert OrderForm.objects.filter(status="paye").get().status_changes.count() == 5
    bonnay = Accompaniment.objects.get(commune__insee_code="25073")
    assert bonnay.cohort == Accompaniment.Cohort.EXTRA
    bonnay.full_clean()
    assert TimeEntry.objects.filter(accompaniment=bonnay).exists()
    assert TimeEntry.objects.filter(workshop=workshop).count() == 3
    assert TimeEntry.objects.filter(support_request=support_request).exists()
    assert counts[1] > 50 and counts[2] == 3
    assert all(entry.date <= today for entry in TimeEntry.objects.all())
    for entry in TimeEntry.objects.select_related("order_line__order_form"):
        entry.full_clean()

    levels = {
        item.order_form.mission: item.figures.level
        for mission in programme_budget(programme=context.programme).missions
        for item in mission.order_forms
        if item.order_form.mission == 3
    }
    assert levels == {3: "alert"}
