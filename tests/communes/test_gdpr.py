"""GDPR: the public notice, the right of access (JSON export), the right to erasure and the retention command."""

import datetime
import json

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ateliers.models import Registration
from communes.gdpr import inactive_contacts, months_before
from communes.models import Contact
from communes.services import anonymise_contact
from missions.mission1.models.meetings import MeetingParticipant
from missions.support.models import SupportRequest
from tests.factories import ContactFactory
from tests.factories_ateliers import RegistrationFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionLeadFactory, MeetingParticipantFactory
from tests.factories_support import SupportRequestFactory
from tests.harness.assertions import assert_redirects_to_login

NAME = "Éloïse Vermot-Desroches"


@pytest.fixture
def person(commune):
    """A contact involved in everything: a meeting, a workshop (with consent), an action lead, an action, a request."""
    contact = ContactFactory(
        first_name="Éloïse",
        last_name="Vermot-Desroches",
        commune=commune,
        email="eloise.vermot@example.org",
        phone="06 12 34 56 78",
        role_title="Présidente",
        notes="Rencontrée au marché du samedi.",
        consenting=True,
    )
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingParticipantFactory(contact=contact, meeting__accompaniment=accompaniment)
    RegistrationFactory(contact=contact, consenting=True)
    ActionLeadFactory(title="Verger communal", diagnostic__accompaniment=accompaniment).resource_people.add(contact)
    ActionFactory(title="Cantine bio", lead_contact=contact, plan__accompaniment=accompaniment)
    SupportRequestFactory(
        commune=commune, contact_name=NAME, email="Eloise.Vermot@example.org", title="Jardin des familles"
    )
    contact.save()  # a second history row, to prove past rows are scrubbed too
    return contact


# --- The public notice ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_personal_data_notice_is_public_and_linked_from_every_page(client, gbm_officer):
    response = client.get(reverse("personal_data"))
    assert response.status_code == 200
    content = response.content.decode()
    for words in ("mission d'intérêt public", "24 mois", "anonymisée", "rectifier", "effacer", "opposer", "dpo@"):
        assert words in content
    assert content.count("<h1") == 1
    client.force_login(gbm_officer)
    assert reverse("personal_data") in client.get(reverse("home")).content.decode()


# --- Right of access: JSON export ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_gbm_officer_downloads_everything_held_about_a_contact(client, gbm_officer, person):
    client.force_login(gbm_officer)
    response = client.get(reverse("communes:contact_personal_data", args=[person.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["contact"]["last_name"] == "Vermot-Desroches"
    assert data["contact"]["email"] == "eloise.vermot@example.org"
    assert data["contact"]["consent_to_share"] is True
    assert len(data["meetings"]) == 1
    assert data["workshop_registrations"][0]["consent_to_share"] is True
    assert [lead["title"] for lead in data["action_leads_as_resource_person"]] == ["Verger communal"]
    assert [action["title"] for action in data["actions_as_lead"]] == ["Cantine bio"]
    assert [request["project"] for request in data["support_requests"]] == ["Jardin des familles"]


@pytest.mark.django_db
def test_personal_data_export_query_count_does_not_grow(client, gbm_officer, person, django_assert_max_num_queries):
    client.force_login(gbm_officer)
    url = reverse("communes:contact_personal_data", args=[person.pk])
    with django_assert_max_num_queries(12) as one:
        client.get(url)
    for _ in range(5):
        MeetingParticipantFactory(contact=person)
        RegistrationFactory(contact=person)
        ActionFactory(lead_contact=person)
        SupportRequestFactory(email=person.email)
    with django_assert_max_num_queries(12) as many:
        response = client.get(url)
    assert len(json.loads(response.content)["meetings"]) == 6
    assert len(one.captured_queries) == len(many.captured_queries)


# --- Right to erasure ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_gbm_officer_confirms_then_anonymises_a_contact(client, gbm_officer, person):
    client.force_login(gbm_officer)
    url = reverse("communes:contact_anonymise", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Anonymiser définitivement" in page.content.decode()
    assert client.post(url).status_code == 302

    person.refresh_from_db()
    label = f"Contact anonymisé n° {person.pk}"
    assert person.full_name == label
    assert (person.email, person.phone, person.notes, person.role_title) == ("", "", "", "")
    assert not person.consent_to_share and person.consent_date is None and person.consent_method == ""
    assert person.anonymised_at is not None
    # Rows stay, so counts stay; consent is gone everywhere.
    assert MeetingParticipant.objects.filter(contact=person).count() == 1
    registration = Registration.objects.get(contact=person)
    assert not registration.consent_to_share and registration.consent_withdrawn_by == gbm_officer
    assert person.led_actions.count() == 1 and person.action_leads.count() == 1
    request = SupportRequest.objects.get(title="Jardin des familles")
    assert (request.contact_name, request.email, request.phone) == (label, "", "")
    # History: the erasure is recorded (who, when) and no past row keeps the name or coordinates.
    latest = person.history.first()
    assert latest.history_user == gbm_officer and latest.history_change_reason == "Anonymisation (RGPD)"
    assert person.history.count() >= 3
    assert not person.history.exclude(last_name=label).exists()
    assert not person.history.exclude(email="").exists()
    assert not SupportRequest.history.filter(contact_name=NAME).exists()


@pytest.mark.django_db
def test_anonymised_name_disappears_from_pages_and_exports(client, gbm_officer, person):
    anonymise_contact(contact=person, by=gbm_officer)
    client.force_login(gbm_officer)
    pages = [
        reverse("communes:contact_list"),
        reverse("exports:contacts", args=["csv"]),
        reverse("exports:support_requests", args=["csv"]),
        SupportRequest.objects.get().get_absolute_url(),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8-sig")
        assert "Vermot" not in text and "eloise" not in text.lower(), url
    assert f"Contact anonymisé n° {person.pk}" in client.get(reverse("communes:contact_list")).content.decode()
    assert client.get(reverse("search"), {"q": "Vermot"}).context["groups"] == []


@pytest.mark.django_db
def test_anonymising_twice_keeps_the_first_date(gbm_officer, person):
    first = anonymise_contact(contact=person, by=gbm_officer).anonymised_at
    assert anonymise_contact(contact=person, by=gbm_officer).anonymised_at == first


@pytest.mark.django_db
def test_gdpr_views_role_rules(client_for, consultant, elu, elu_other_commune, person):
    urls = [
        reverse("communes:contact_personal_data", args=[person.pk]),
        reverse("communes:contact_anonymise", args=[person.pk]),
    ]
    for url in urls:
        assert_redirects_to_login(client_for(None).get(url))
        assert client_for(consultant).get(url).status_code == 403
        assert client_for(elu).get(url).status_code == 404
        assert client_for(elu_other_commune).get(url).status_code == 404
    for user, status in ((None, 302), (consultant, 403), (elu, 404), (elu_other_commune, 404)):
        assert client_for(user).post(urls[1]).status_code == status
    person.refresh_from_db()
    assert person.last_name == "Vermot-Desroches" and person.anonymised_at is None
    assert person.email == "eloise.vermot@example.org"


@pytest.mark.django_db
def test_contact_page_offers_gdpr_actions_to_gbm_only(client_for, gbm_officer, consultant, person):
    url = reverse("communes:contact_update", args=[person.pk])
    export_url = reverse("communes:contact_personal_data", args=[person.pk])
    assert export_url in client_for(gbm_officer).get(url).content.decode()
    assert export_url not in client_for(consultant).get(url).content.decode()


# --- Retention: contacts involved in nothing for 24 months ---------------------------------------------------


def test_months_before_handles_short_months():
    moment = datetime.datetime(2026, 3, 31, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 1) == datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 24) == datetime.datetime(2024, 3, 31, 12, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_command_anonymises_only_contacts_involved_in_nothing_for_24_months(commune):
    with time_machine.travel(datetime.datetime(2023, 1, 10, 9, tzinfo=datetime.UTC), tick=False):
        forgotten = ContactFactory(last_name="Oublié", commune=commune)
        met_recently = ContactFactory(last_name="Rencontré", commune=commune)
        registered = ContactFactory(last_name="Inscrit", commune=commune)
        leads_action = ContactFactory(last_name="Porteur", commune=commune)
        ContactFactory(last_name="Demandeur", commune=commune, email="demandeur@example.org")
        edited = ContactFactory(last_name="Modifié", commune=commune)
    with time_machine.travel(datetime.datetime(2024, 6, 1, 9, tzinfo=datetime.UTC), tick=False):
        MeetingParticipantFactory(contact=met_recently, meeting__starts_at=timezone.now())
        RegistrationFactory(contact=registered)
        ActionFactory(lead_contact=leads_action)
        SupportRequestFactory(email="Demandeur@example.org", received_on=timezone.localdate())
        edited.save()

    with time_machine.travel(datetime.datetime(2025, 2, 1, 9, tzinfo=datetime.UTC), tick=False):
        # 24 months after 10 January 2023: only the forgotten contact has been involved in nothing since.
        assert list(inactive_contacts(months=24)) == [forgotten]
        call_command("anonymise_inactive_contacts", "--dry-run", stdout=(out := _Output()))
        assert "1 contact(s) inactif(s) depuis 24 mois seraient anonymisés" in out.text
        assert Contact.objects.get(pk=forgotten.pk).anonymised_at is None

        call_command("anonymise_inactive_contacts", stdout=_Output())
        forgotten.refresh_from_db()
        assert forgotten.full_name == f"Contact anonymisé n° {forgotten.pk}"
        assert forgotten.history.first().history_user is None
        assert Contact.objects.filter(anonymised_at__isnull=True).count() == 5

    with time_machine.travel(datetime.datetime(2026, 7, 1, 9, tzinfo=datetime.UTC), tick=False):
        # Two years after their last involvement, everyone else goes too (the anonymised contact is not counted).
        call_command("anonymise_inactive_contacts", "--months", "24", stdout=(out := _Output()))
        assert "5 contact(s)" in out.text
        assert not Contact.objects.filter(anonymised_at__isnull=True).exists()


class _Output:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass
