"""The workshop page keeps its read-only body between requests (registrations, resources, report, costs); its header
and its 'Marquer tenu' forms are rendered on every request. Computed within a fixed number of queries, read back
without computing it again, never stale, and each reader's own (consent, role, commune)."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from ateliers.models import Registration, Workshop
from communes.models import Contact
from tests.factories import ContactFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory
from tests.harness.fragments import KEPT_QUERIES, count_queries, page_text, same_minute

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_computed_page_runs_the_same_few_queries_with_more_people(client, users, commune, role):
    workshop = WorkshopFactory()
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=commune))
    client.force_login(users[role])
    client.get(workshop.get_absolute_url())  # what persists between requests (the navigation's count) is warm
    small = count_queries(client, workshop.get_absolute_url())
    RegistrationFactory.create_batch(6, workshop=workshop, contact__commune=commune, consenting=True)
    large = count_queries(client, workshop.get_absolute_url())
    assert small == large <= 10, (small, large)


def test_a_page_read_again_without_any_write_is_not_computed_again(client, consultant, commune):
    workshop = WorkshopFactory()
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=commune))
    client.force_login(consultant)
    with same_minute():
        client.get(workshop.get_absolute_url())
        assert count_queries(client, workshop.get_absolute_url(), cold=False) <= KEPT_QUERIES


def test_a_new_registration_and_a_renamed_person_show_at_once(client, consultant, commune):
    workshop = WorkshopFactory()
    registration = RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=commune, last_name="Martin"))
    client.force_login(consultant)
    assert "Martin" in page_text(client, workshop.get_absolute_url())
    Contact.objects.filter(pk=registration.contact_id).update(last_name="Bernard")
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=commune, last_name="Petitjean"))
    page = page_text(client, workshop.get_absolute_url())
    assert "Bernard" in page and "Petitjean" in page and "Martin" not in page
    assert "2 inscrit·e·s" in page


def test_contact_details_follow_consent_and_role(client, consultant, elu, commune, other_commune):
    workshop = WorkshopFactory()
    consenting = RegistrationFactory(
        workshop=workshop, contact=ContactFactory(commune=commune, email="oui@example.org"), consenting=True
    )
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=commune, email="non@example.org"))
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=other_commune, email="ailleurs@example.org"))
    url = workshop.get_absolute_url()
    client.force_login(consultant)
    team_page = page_text(client, url)
    assert all(email in team_page for email in ("oui@example.org", "non@example.org", "ailleurs@example.org"))
    client.force_login(elu)
    elu_page = page_text(client, url)
    assert "oui@example.org" in elu_page
    assert (
        "non@example.org" not in elu_page and "ailleurs@example.org" not in elu_page
    )  # no consent; not their commune
    assert f"/inscriptions/{consenting.pk}/" in elu_page  # their commune's people: they manage them
    Registration.objects.filter(pk=consenting.pk).update(consent_to_share=False, consent_withdrawn_at=timezone.now())
    assert "oui@example.org" not in page_text(client, url)  # a withdrawal is honoured at once


def test_the_kept_body_holds_no_token_and_each_session_posts_with_its_own(client, consultant):
    workshop = WorkshopFactory(past=True)
    client.force_login(consultant)
    assert "Marquer tenu" in page_text(client, workshop.get_absolute_url())  # computes and keeps the body
    other = Client(enforce_csrf_checks=True)
    other.force_login(consultant)
    page = page_text(other, workshop.get_absolute_url())  # the body read back, the header rendered for this session
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = other.post(f"/ateliers/{workshop.pk}/tenu/", {"csrfmiddlewaretoken": token}, follow=True)
    assert response.status_code == 200
    workshop.refresh_from_db()
    assert workshop.status == Workshop.Status.HELD
    page = response.content.decode()
    assert "Atelier marqué tenu" in page and "Cet atelier a-t-il eu lieu" not in page
