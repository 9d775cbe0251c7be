"""Consent to share contact details is given by the person (issue 15): the team records it from a document the person
signed, or the person confirms it through an e-mailed link; an élu never gives it on their behalf."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ateliers import consent, selectors
from ateliers.models import Registration, RegistrationError
from ateliers.services import register_participant
from tests.factories import ContactFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory

LINK = re.compile(r"https?://[^/\s]+(/ateliers/consentement/[^/\s]+/)")


def _link_path(message) -> str:
    return LINK.search(message.body).group(1)


def _registration_of(elu, **contact):
    return RegistrationFactory(
        workshop=WorkshopFactory(), contact=ContactFactory(commune=elu.commune, **contact), commune=elu.commune
    )


@pytest.mark.django_db
def test_elu_registration_form_has_no_consent_fields_and_a_forged_consent_is_ignored(client, elu):
    workshop = WorkshopFactory()
    contact = ContactFactory(commune=elu.commune, email="")
    client.force_login(elu)
    url = reverse("ateliers:registration_create", args=[workshop.pk])
    page = client.get(url).content.decode()
    assert 'name="consent_to_share"' not in page
    assert 'name="ask_consent"' in page
    forged = {"consent_to_share": "on", "consent_date": timezone.localdate(), "consent_method": "formulaire"}
    response = client.post(url, {"contact": contact.pk, "category": "habitant", **forged})
    assert response.status_code == 302
    assert not Registration.objects.get().consent_to_share


@pytest.mark.django_db
def test_elu_cannot_record_consent_for_another_person(client, elu):
    registration = _registration_of(elu, email="marie@example.org")
    client.force_login(elu)
    page = client.get(reverse("ateliers:registration_detail", args=[registration.workshop_id, registration.pk]))
    assert "Enregistrer son consentement" not in page.content.decode()
    url = reverse("ateliers:registration_consent", args=[registration.workshop_id, registration.pk])
    response = client.post(url, {"consent_date": timezone.localdate(), "consent_method": "emargement"})
    assert response.status_code == 403
    registration.refresh_from_db()
    assert not registration.consent_to_share
    with pytest.raises(RegistrationError):
        register_participant(
            workshop=WorkshopFactory(),
            by=elu,
            contact=ContactFactory(commune=elu.commune),
            consent=True,
            consent_date=timezone.localdate(),
            consent_method="formulaire",
        )


@pytest.mark.django_db
def test_team_records_consent_with_a_method_and_the_page_says_who_and_how(client, consultant):
    registration = RegistrationFactory()
    client.force_login(consultant)
    url = reverse("ateliers:registration_consent", args=[registration.workshop_id, registration.pk])
    # Only the person's own link records a confirmation by them.
    forged = client.post(url, {"consent_date": timezone.localdate(), "consent_method": "confirmation"})
    assert forged.status_code == 200
    registration.refresh_from_db()
    assert not registration.consent_to_share

    client.post(url, {"consent_date": datetime.date(2026, 11, 20), "consent_method": "emargement"})
    registration.refresh_from_db()
    assert registration.consent_to_share
    assert registration.consent_recorded_by == consultant
    page = client.get(reverse("ateliers:registration_detail", args=[registration.workshop_id, registration.pk]))
    assert f"recueilli par {consultant} le 20 novembre 2026, feuille d&#x27;émargement signée" in page.content.decode()


@pytest.mark.django_db
def test_attendance_sheet_consent_names_who_recorded_it(client, consultant):
    workshop = WorkshopFactory(past=True)
    registration = RegistrationFactory(workshop=workshop)
    client.force_login(consultant)
    page = client.get(reverse("ateliers:attendance", args=[workshop.pk])).content.decode()
    data = {
        name: value
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
        if name.startswith("version_")
    }
    data.update({f"attendance_{registration.pk}": "present", f"consent_{registration.pk}": "on"})
    assert client.post(reverse("ateliers:attendance", args=[workshop.pk]), data).status_code == 302
    registration.refresh_from_db()
    assert registration.consent_to_share and registration.consent_method == "emargement"
    assert registration.consent_recorded_by == consultant


@pytest.mark.django_db
def test_elu_asks_by_email_and_the_confirmation_link_works_once(client, elu, django_capture_on_commit_callbacks):
    workshop = WorkshopFactory()
    contact = ContactFactory(commune=elu.commune, email="marie@example.org")
    client.force_login(elu)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ateliers:registration_create", args=[workshop.pk]),
            {"contact": contact.pk, "category": "habitant", "ask_consent": "on"},
        )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert not registration.consent_to_share and registration.consent_requested_at
    assert [message.to for message in mail.outbox] == [["marie@example.org"]]
    path = _link_path(mail.outbox[0])

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "J'accepte que mes coordonnées soient partagées" in page.content.decode()
    registration.refresh_from_db()
    assert not registration.consent_to_share  # opening the link (a mail scanner may) decides nothing

    assert client.post(path).status_code == 200
    registration.refresh_from_db()
    assert registration.consent_to_share
    assert registration.consent_method == Registration.ConsentMethod.CONFIRMED_BY_PERSON
    assert registration.consent_recorded_by is None
    assert registration.consent_description.startswith("confirmé par la personne le ")
    client.force_login(elu)
    detail = client.get(reverse("ateliers:registration_detail", args=[workshop.pk, registration.pk]))
    assert "Accepté : confirmé par la personne le" in detail.content.decode()
    client.logout()

    used = client.post(path)
    assert used.status_code == 400
    assert "déjà servi" in used.content.decode()


@pytest.mark.django_db
def test_the_confirmation_link_expires(client, consultant):
    registration = _registration_of_team_workshop()
    nonce = registration.open_consent_request()
    path = reverse("ateliers:consent_confirm", args=[consent.consent_link_token(registration, nonce)])
    later = timezone.now() + consent.CONSENT_LINK_MAX_AGE + datetime.timedelta(hours=1)
    with time_machine.travel(later):
        response = client.post(path)
    assert response.status_code == 400
    assert "expiré" in response.content.decode()
    registration.refresh_from_db()
    assert not registration.consent_to_share


@pytest.mark.django_db
def test_a_tampered_or_replaced_link_is_refused(client):
    registration = _registration_of_team_workshop()
    other = _registration_of_team_workshop()
    nonce = registration.open_consent_request()
    token = consent.consent_link_token(registration, nonce)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.post(reverse("ateliers:consent_confirm", args=[tampered]))
    assert response.status_code == 400
    assert "pas valide : vérifiez qu" in response.content.decode()
    # A validly signed token for another registration, with this one's nonce, is refused too.
    other.open_consent_request()
    forged = consent.consent_link_token(other, nonce)
    assert client.post(reverse("ateliers:consent_confirm", args=[forged])).status_code == 400
    # A newer request replaces the older link.
    registration.open_consent_request()
    assert client.post(reverse("ateliers:consent_confirm", args=[token])).status_code == 400
    registration.refresh_from_db()
    other.refresh_from_db()
    assert not registration.consent_to_share and not other.consent_to_share


@pytest.mark.django_db
def test_unconfirmed_people_are_absent_from_the_contact_list_live_and_in_exports(client, consultant):
    workshop = WorkshopFactory()
    waiting = RegistrationFactory(workshop=workshop, contact=ContactFactory(email="attente@example.org"))
    waiting.open_consent_request()
    RegistrationFactory(workshop=workshop, contact=ContactFactory(email="oui@example.org"), consenting=True)

    assert [reg.contact.email for reg in selectors.consented_contacts(workshop)] == ["oui@example.org"]
    report = selectors.participation(selectors.workshop_participants(workshop))
    assert [reg.contact.email for reg in report.consenting] == ["oui@example.org"]
    client.force_login(consultant)
    response = client.get(reverse("ateliers:contacts_export", args=[workshop.pk, "csv"]))
    export = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "oui@example.org" in export
    assert "attente@example.org" not in export


@pytest.mark.django_db
def test_elu_registering_a_person_without_email_needs_to_untick_nothing(client, elu):
    """The élu's box « Envoyer … un e-mail » is ticked for them: with no e-mail to write to, the person is registered,
    their details stay private, and the élu is told the consent is asked on the attendance sheet."""
    workshop = WorkshopFactory()
    client.force_login(elu)
    response = client.post(
        reverse("ateliers:registration_create", args=[workshop.pk]),
        {"last_name": "Parrenin", "first_name": "Jeanne", "category": "habitant", "ask_consent": "on"},
        follow=True,
    )
    registration = Registration.objects.get()
    assert registration.contact.last_name == "Parrenin" and registration.contact.commune == elu.commune
    assert not registration.consent_to_share and registration.consent_requested_at is None
    assert not mail.outbox
    assert "lui sera demandé sur la feuille d&#x27;émargement" in response.content.decode()


@pytest.mark.django_db
def test_team_asking_by_email_for_a_person_without_email_gets_a_french_error_with_input_kept(client, consultant):
    workshop = WorkshopFactory()
    client.force_login(consultant)
    response = client.post(
        reverse("ateliers:registration_create", args=[workshop.pk]),
        {"last_name": "Parrenin", "first_name": "Jeanne", "category": "habitant", "ask_consent": "on"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Indiquez l&#x27;e-mail de la personne pour lui demander son accord." in content
    assert 'value="Parrenin"' in content
    assert not Registration.objects.exists()


def _registration_of_team_workshop():
    return RegistrationFactory(contact=ContactFactory(email="personne@example.org"))
