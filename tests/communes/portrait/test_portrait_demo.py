"""The demo's portraits: offline, through the real adapters, marked as demonstration values, real populations."""

import pytest

from communes.portrait import demo
from communes.portrait.models import Figure, Snapshot
from tests.factories import CommuneFactory
from tests.harness.reading import page_text

pytestmark = pytest.mark.django_db


def test_demo_portraits_are_marked_offline_and_keep_real_populations(commune, users, client_for, settings):
    settings.PORTRAIT_NETWORK = False  # nothing leaves the machine: the demo needs no network
    CommuneFactory(insee_code="25200", population=1296)
    demo.seed_portraits(None)
    assert Snapshot.objects.filter(status=Snapshot.Status.FAILED).count() == 0
    assert not Snapshot.objects.filter(is_demo=False).exists()
    population = Figure.objects.get(snapshot__commune=commune, snapshot__source="geo", key="population")
    assert population.value_number == 934  # the communes file's population, not an invented one
    count = Snapshot.objects.count()
    demo.seed_portraits(None)
    assert Snapshot.objects.count() == count  # a second run changes nothing
    text = page_text(client_for(users["elu"]), commune.get_absolute_url())
    assert "Valeurs de démonstration" in text and "(valeur de démonstration)" in text
