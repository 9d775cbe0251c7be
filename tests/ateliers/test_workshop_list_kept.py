"""/ateliers/ keeps its body between requests (the filters, the table, the pagination): computed within a fixed
number of queries, read back without computing it again, and never stale."""

import pytest

from ateliers.models import Workshop
from tests.factories import ContactFactory
from tests.factories_ateliers import RegistrationFactory, ThemeFactory, WorkshopFactory
from tests.harness.fragments import KEPT_QUERIES, count_queries, page_text, same_minute

pytestmark = pytest.mark.django_db

URL = "/ateliers/"


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_computed_list_runs_the_same_few_queries_with_more_workshops(client, users, commune, role):
    RegistrationFactory(workshop=WorkshopFactory(), contact=ContactFactory(commune=commune))
    client.force_login(users[role])
    small = count_queries(client, URL)
    for workshop in WorkshopFactory.create_batch(4):
        RegistrationFactory.create_batch(3, workshop=workshop, contact__commune=commune)
    large = count_queries(client, URL)
    assert small == large <= 7, (small, large)


def test_registrations_are_counted_per_workshop_and_for_the_elus_commune(client, elu, commune, other_commune):
    busy = WorkshopFactory(title="Atelier des vergers", capacity=40)
    RegistrationFactory.create_batch(2, workshop=busy, contact__commune=commune)
    RegistrationFactory.create_batch(3, workshop=busy, contact__commune=other_commune)
    WorkshopFactory(title="Atelier sans inscrit")
    client.force_login(elu)
    response = client.get(URL)
    counts = {w.title: (w.registered_count, w.commune_registered_count) for w in response.context["workshops"]}
    assert counts == {"Atelier des vergers": (5, 2), "Atelier sans inscrit": (0, 0)}
    assert "5 / 40" in page_text(client, URL)


def test_the_theme_filter_offers_the_validated_themes(client, consultant):
    validated = ThemeFactory(title="Vergers")
    ThemeFactory(title="Thème proposé", proposed=True)
    client.force_login(consultant)
    choices = client.get(URL).context["filter"].form.fields["theme"].choices
    assert [label for value, label in choices if value] == ["Vergers"]
    assert client.get(URL, {"theme": validated.pk}).status_code == 200


def test_a_list_read_again_without_any_write_is_not_computed_again(client, consultant):
    WorkshopFactory()
    client.force_login(consultant)
    with same_minute():
        client.get(URL)
        assert count_queries(client, URL, cold=False) <= KEPT_QUERIES
        assert count_queries(client, URL + "?period=passes", cold=False) > KEPT_QUERIES  # other filters: another body


def test_a_renamed_workshop_shows_at_once(client, consultant):
    workshop = WorkshopFactory(title="Atelier des cantines")
    client.force_login(consultant)
    assert "Atelier des cantines" in page_text(client, URL)
    Workshop.objects.filter(pk=workshop.pk).update(title="Atelier des marchés")
    page = page_text(client, URL)
    assert "Atelier des marchés" in page and "Atelier des cantines" not in page


def test_each_user_reads_their_own_body(client, consultant, elu, commune):
    WorkshopFactory()
    client.force_login(consultant)
    assert f"Dont {commune.name}" not in page_text(client, URL)
    client.force_login(elu)
    assert f"Dont {commune.name}" in page_text(client, URL)
