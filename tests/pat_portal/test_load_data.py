"""The benchmark's synthetic data: row counts per scale, determinism, refusal of a database with real data."""

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from ateliers.models import Registration, Workshop
from communes.models import Commune, Contact
from core.models import User
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan
from missions.mission1.models.meetings import Meeting
from missions.money.models.orders import OrderForm
from missions.money.models.time import TimeEntry
from missions.support.models import SupportRequest
from pat_portal.pages.load_data import LOAD_PASSWORD, RealDataError, generate_load_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fingerprint():
    return (
        list(Commune.objects.order_by("insee_code").values_list("insee_code", "population")),
        list(Accompaniment.objects.order_by("commune__insee_code").values_list("commune__insee_code", "phase")),
        list(
            Action.objects.order_by("plan__accompaniment__commune__insee_code", "position").values_list(
                "title", "theme"
            )
        ),
        list(Meeting.objects.order_by("title").values_list("title", "kind", "commune__insee_code")),
        list(TimeEntry.objects.order_by("date", "half_days").values_list("date", "half_days")[:200]),
    )


def test_scale_one_fills_one_busy_programme_year():
    result = generate_load_data(scale=1, seed=7)
    assert Commune.objects.count() == 67
    assert Contact.objects.count() == 800
    assert Accompaniment.objects.count() == 15
    assert Meeting.objects.count() == 300
    assert 140 <= Action.objects.count() <= 160
    assert Workshop.objects.count() == 5
    assert 140 <= Registration.objects.count() <= 160
    assert SupportRequest.objects.count() == 40
    assert OrderForm.objects.count() == 20
    assert TimeEntry.objects.count() == 1500
    # The PDF benchmark needs a 40-action plan and a 100-participant workshop.
    plan = ActionPlan.objects.get(accompaniment__commune__insee_code=result.plan_commune)
    assert plan.actions.count() == 40
    assert Registration.objects.filter(workshop_id=result.workshop_id).count() == 100
    # Every role can log in with the known password.
    for username in result.users.values():
        assert User.objects.get(username=username).check_password(LOAD_PASSWORD)


def test_larger_scale_adds_synthetic_communes_with_valid_non_colliding_codes():
    generate_load_data(scale=1.5, seed=7)
    assert Commune.objects.count() == 100
    synthetic = Commune.objects.exclude(insee_code__startswith="25")
    assert synthetic.count() == 33
    for commune in synthetic:
        commune.full_clean()
    assert Accompaniment.objects.count() == 22


def test_same_seed_gives_the_same_data():
    def run():
        with transaction.atomic():
            generate_load_data(scale=0.3, seed=11)
            snapshot = fingerprint()
            transaction.set_rollback(True)
        return snapshot

    first, second = run(), run()
    assert first == second
    assert Accompaniment.objects.count() == 0


def test_refuses_a_database_with_real_data_unless_forced():
    UserFactory(username="vraie.personne", gbm=True)
    with pytest.raises(RealDataError):
        generate_load_data(scale=0.1)
    with pytest.raises(CommandError, match="--force"):
        call_command("generate_load_data", "--scale", "0.1")
    assert Accompaniment.objects.count() == 0
    call_command("generate_load_data", "--scale", "0.1", "--force")
    assert Accompaniment.objects.count() == 2


def test_a_second_run_is_refused_and_a_forced_one_adds_a_new_programme():
    generate_load_data(scale=0.1)
    with pytest.raises(RealDataError):
        generate_load_data(scale=0.1)
    generate_load_data(scale=0.1, force=True)
    assert Accompaniment.objects.values("programme").distinct().count() == 2
