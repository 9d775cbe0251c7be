import pytest

from ateliers import demo
from ateliers.hub import workshop_events, workshops_section
from ateliers.models import Registration, Theme, Workshop
from communes.demo import seed_contacts, seed_users
from core.demo import DemoContext
from core.models import Deliverable
from missions.programme.demo import seed_programme
from tests.factories import ContactFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory


@pytest.mark.django_db
def test_hub_shows_the_workshops_the_communes_people_attended(client, elu, commune, other_commune):
    held = WorkshopFactory(held=True, title="Vergers partagés")
    RegistrationFactory(workshop=held, present=True, contact=ContactFactory(commune=commune))
    RegistrationFactory(workshop=held, absent=True, contact=ContactFactory(commune=commune))
    planned = WorkshopFactory(title="Gaspillage")
    RegistrationFactory(workshop=planned, contact=ContactFactory(commune=commune))
    elsewhere = WorkshopFactory(title="Ailleurs")
    RegistrationFactory(workshop=elsewhere, contact=ContactFactory(commune=other_commune))
    client.force_login(elu)
    content = client.get(commune.get_absolute_url()).content.decode()
    assert "Ateliers de partage (mission 2)" in content
    assert "Vergers partagés" in content and "Gaspillage" in content and "Ailleurs" not in content
    assert "1 personne de la commune présente" in content

    section = workshops_section(commune, elu)
    [row] = [workshop for workshop in section.context["workshops"] if workshop.pk == held.pk]
    assert (row.commune_registered, row.commune_present) == (2, 1)
    assert {event.title for event in workshop_events(commune, elu)} == {str(held), str(planned)}


@pytest.mark.django_db
def test_hub_providers_share_one_query(commune, consultant, django_assert_num_queries):
    for _index in range(3):
        RegistrationFactory(workshop=WorkshopFactory(held=True), present=True, contact=ContactFactory(commune=commune))
    with django_assert_num_queries(1):
        workshops_section(commune, consultant)
        workshop_events(commune, consultant)


@pytest.mark.django_db
def test_demo_seed_is_idempotent_and_tells_the_whole_story():
    from django.utils import timezone

    from communes.services import import_communes

    import_communes()
    today = timezone.localdate()
    seed_contacts(today)
    context = DemoContext(today=today, programme=seed_programme(today), users=seed_users())
    demo.seed(context)
    demo.seed(context)
    assert Theme.objects.filter(status=Theme.Status.VALIDATED).count() == 3
    assert Theme.objects.filter(status=Theme.Status.PROPOSED).count() == 1
    assert Workshop.objects.filter(status=Workshop.Status.HELD).count() == 2
    assert Workshop.objects.filter(status=Workshop.Status.PLANNED).count() == 1
    consents = set(Registration.objects.values_list("consent_to_share", flat=True))
    assert consents == {True, False}
    assert Deliverable.objects.filter(status=Deliverable.Status.VALIDATED).count() == 2
