import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ateliers.models import Registration, RegistrationError
from ateliers.services import register_participant, withdraw_consent
from communes.models import Contact
from tests.factories import ContactFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory
from tests.harness.assertions import assert_redirects_to_login

TODAY = lambda: timezone.localdate().isoformat()  # noqa: E731


def new_person(**overrides):
    data = {
        "last_name": "Parrenin",
        "first_name": "Élodie",
        "organisation": "Mairie",
        "category": "elu",
        "email": "elodie@example.org",
        "phone": "03 81 00 11 22",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_consultant_registers_a_known_contact_with_documented_consent(client, consultant):
    workshop = WorkshopFactory()
    contact = ContactFactory()
    client.force_login(consultant)
    url = reverse("ateliers:registration_create", args=[workshop.pk])
    response = client.post(url, {"contact": contact.pk, "category": "habitant", "consent_to_share": "on"})
    assert response.status_code == 200
    assert "Indiquez comment le consentement a été recueilli." in response.content.decode()
    response = client.post(
        url,
        {
            "contact": contact.pk,
            "category": "habitant",
            "consent_to_share": "on",
            "consent_date": TODAY(),
            "consent_method": "email",
        },
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.contact == contact and registration.commune == contact.commune
    assert registration.consent_to_share and registration.consent_method == "email"
    assert registration.registered_by == consultant and registration.history.count() == 1


@pytest.mark.django_db
def test_registration_needs_a_known_person_or_a_new_one(client, consultant):
    workshop = WorkshopFactory()
    client.force_login(consultant)
    response = client.post(reverse("ateliers:registration_create", args=[workshop.pk]), {"category": "habitant"})
    assert "Choisissez une personne déjà connue" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_elu_registers_a_contact_of_their_commune(client, elu):
    workshop = WorkshopFactory()
    contact = ContactFactory(commune=elu.commune)
    client.force_login(elu)
    url = reverse("ateliers:registration_create", args=[workshop.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"contact": contact.pk, "category": "habitant"})
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.commune == elu.commune and not registration.consent_to_share


@pytest.mark.django_db
def test_elu_creates_a_contact_of_their_commune_from_the_registration_form(client, elu, other_commune):
    workshop = WorkshopFactory()
    client.force_login(elu)
    response = client.post(
        reverse("ateliers:registration_create", args=[workshop.pk]),
        {
            **new_person(),
            "commune": other_commune.pk,  # forged: an élu's new contact always belongs to their commune
            # forged too: an élu cannot consent for the person (issue 15), the form has no such fields for them
            "consent_to_share": "on",
            "consent_date": TODAY(),
            "consent_method": "formulaire",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get(last_name="Parrenin")
    assert contact.commune == elu.commune and not contact.consent_to_share
    registration = Registration.objects.get()
    assert registration.commune == elu.commune and not registration.consent_to_share


@pytest.mark.django_db
def test_elu_cannot_register_a_contact_of_another_commune(client, elu, other_commune):
    workshop = WorkshopFactory()
    stranger = ContactFactory(commune=other_commune, last_name="Mougin")
    client.force_login(elu)
    url = reverse("ateliers:registration_create", args=[workshop.pk])
    assert "Mougin" not in client.get(url).content.decode()
    response = client.post(url, {"contact": stranger.pk, "category": "habitant"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_service_refuses_an_elu_registering_someone_of_another_commune(elu, other_commune):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        register_participant(workshop=WorkshopFactory(), by=elu, contact=ContactFactory(commune=other_commune))
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_capacity_duplicates_cancelled_and_closed_workshops_are_refused(consultant, elu):
    workshop = WorkshopFactory(capacity=1)
    contact = ContactFactory(commune=elu.commune)
    register_participant(workshop=workshop, by=consultant, contact=contact)
    with pytest.raises(RegistrationError, match="déjà inscrit"):
        register_participant(workshop=workshop, by=consultant, contact=contact)
    with pytest.raises(RegistrationError, match="complet"):
        register_participant(workshop=workshop, by=consultant, contact=ContactFactory())
    with pytest.raises(RegistrationError, match="annulé"):
        register_participant(workshop=WorkshopFactory(cancelled=True), by=consultant, contact=contact)
    with pytest.raises(RegistrationError, match="closes"):
        register_participant(workshop=WorkshopFactory(held=True), by=elu, contact=contact)
    register_participant(workshop=WorkshopFactory(held=True), by=consultant, contact=contact)
    assert Registration.objects.count() == 2


@pytest.mark.django_db
def test_full_workshop_gives_a_french_form_error(client, consultant):
    workshop = WorkshopFactory(capacity=1)
    RegistrationFactory(workshop=workshop)
    client.force_login(consultant)
    response = client.post(
        reverse("ateliers:registration_create", args=[workshop.pk]), {**new_person(), "category": "elu"}
    )
    assert response.status_code == 200
    assert "Cet atelier est complet (1 places)." in response.content.decode()
    assert not Contact.objects.filter(last_name="Parrenin").exists()


@pytest.mark.django_db
def test_elu_sees_only_consenting_peoples_contact_details(client, elu):
    workshop = WorkshopFactory()
    RegistrationFactory(
        workshop=workshop, consenting=True, contact=ContactFactory(commune=elu.commune, email="oui@example.org")
    )
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=elu.commune, email="non@example.org"))
    client.force_login(elu)
    content = client.get(workshop.get_absolute_url()).content.decode()
    assert "oui@example.org" in content
    assert "non@example.org" not in content


@pytest.mark.django_db
def test_consent_withdrawal_is_recorded_and_applies_everywhere(client, elu):
    contact = ContactFactory(commune=elu.commune, consenting=True)
    first = RegistrationFactory(contact=contact, consenting=True)
    second = RegistrationFactory(contact=contact, consenting=True)
    client.force_login(elu)
    url = reverse("ateliers:registration_withdraw", args=[first.workshop_id, first.pk])
    assert "toutes ses inscriptions" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    for registration in (first, second):
        registration.refresh_from_db()
        assert not registration.consent_to_share
        assert registration.consent_withdrawn_by == elu and registration.consent_withdrawn_at
        assert registration.history.first().history_user == elu
    contact.refresh_from_db()
    assert not contact.consent_to_share
    with pytest.raises(RegistrationError):
        withdraw_consent(registration=first, by=elu)
    content = client.get(reverse("ateliers:registration_detail", args=[first.workshop_id, first.pk])).content
    assert "Consentement retiré le" in content.decode()


@pytest.mark.django_db
def test_consent_given_later_is_recorded_with_date_and_method(client, consultant):
    registration = RegistrationFactory()
    client.force_login(consultant)
    url = reverse("ateliers:registration_consent", args=[registration.workshop_id, registration.pk])
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = client.post(url, {"consent_date": future, "consent_method": "email"})
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in response.content.decode()
    response = client.post(url, {"consent_date": TODAY(), "consent_method": "email"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.consent_to_share and registration.consent_method == "email"


@pytest.mark.django_db
def test_elu_manages_only_their_communes_registrations(client, elu, elu_other_commune):
    registration = RegistrationFactory(contact=ContactFactory(commune=elu.commune), consenting=True)
    client.force_login(elu_other_commune)
    workshop_pk = registration.workshop_id
    for name in ["registration_detail", "registration_withdraw", "registration_cancel"]:
        url = reverse(f"ateliers:{name}", args=[workshop_pk, registration.pk])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    url = reverse("ateliers:registration_consent", args=[workshop_pk, registration.pk])
    assert client.post(url, {"consent_date": TODAY(), "consent_method": "email"}).status_code == 404
    registration.refresh_from_db()
    assert registration.consent_to_share and Registration.objects.count() == 1


@pytest.mark.django_db
def test_elu_cancels_a_registration_of_their_commune_while_planned(client, elu, consultant):
    registration = RegistrationFactory(contact=ContactFactory(commune=elu.commune))
    held = RegistrationFactory(contact=ContactFactory(commune=elu.commune), workshop=WorkshopFactory(held=True))
    client.force_login(elu)
    url = reverse("ateliers:registration_cancel", args=[held.workshop_id, held.pk])
    assert client.post(url).status_code == 302
    assert Registration.objects.filter(pk=held.pk).exists()
    url = reverse("ateliers:registration_cancel", args=[registration.workshop_id, registration.pk])
    assert client.post(url).status_code == 302
    assert not Registration.objects.filter(pk=registration.pk).exists()
    assert Registration.history.filter(id=registration.pk, history_type="-").exists()


@pytest.mark.django_db
def test_attendance_is_marked_for_the_whole_list_on_one_screen(client, consultant):
    workshop = WorkshopFactory(past=True)
    present, absent, signed = RegistrationFactory.create_batch(3, workshop=workshop)
    client.force_login(consultant)
    url = reverse("ateliers:attendance", args=[workshop.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Tout le monde présent" in response.content.decode()
    response = client.post(
        url,
        {
            f"attendance_{present.pk}": "present",
            f"attendance_{absent.pk}": "absent",
            f"attendance_{signed.pk}": "present",
            f"consent_{signed.pk}": "on",
            "mark_held": "on",
            **{f"version_{registration.pk}": registration.lock_version for registration in (present, absent, signed)},
        },
    )
    assert response.status_code == 302
    values = dict(Registration.objects.values_list("pk", "attendance"))
    assert values == {present.pk: "present", absent.pk: "absent", signed.pk: "present"}
    signed.refresh_from_db()
    assert signed.consent_to_share and signed.consent_method == "emargement"
    assert signed.consent_date == timezone.localtime(workshop.starts_at).date()
    assert signed.history.first().history_user == consultant
    workshop.refresh_from_db()
    assert workshop.is_held


@pytest.mark.django_db
def test_attendance_cannot_be_marked_before_the_workshop(client, consultant):
    workshop = WorkshopFactory()
    registration = RegistrationFactory(workshop=workshop)
    client.force_login(consultant)
    url = reverse("ateliers:attendance", args=[workshop.pk])
    assert "La présence se marque une fois l'atelier commencé" in client.get(url).content.decode()
    response = client.post(url, {f"attendance_{registration.pk}": "present"})
    assert response.status_code == 200
    assert "La présence se marque une fois l'atelier commencé" in response.content.decode()
    registration.refresh_from_db()
    assert registration.attendance == Registration.Attendance.UNKNOWN


@pytest.mark.django_db
def test_attendance_screen_is_for_the_team(client, elu):
    workshop = WorkshopFactory(past=True)
    registration = RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=elu.commune))
    client.force_login(elu)
    url = reverse("ateliers:attendance", args=[workshop.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {f"attendance_{registration.pk}": "present"}).status_code == 403
    registration.refresh_from_db()
    assert registration.attendance == Registration.Attendance.UNKNOWN


@pytest.mark.django_db
def test_attendance_screen_query_count_does_not_grow(client, consultant, count_queries):
    workshop = WorkshopFactory(past=True)
    RegistrationFactory(workshop=workshop)
    client.force_login(consultant)
    url = reverse("ateliers:attendance", args=[workshop.pk])
    one = count_queries(lambda: client.get(url))
    RegistrationFactory.create_batch(30, workshop=workshop, registered_by=consultant)
    assert count_queries(lambda: client.get(url)) == one


@pytest.mark.django_db
def test_anonymous_is_redirected_from_registration_pages(client):
    registration = RegistrationFactory()
    args = [registration.workshop_id, registration.pk]
    for url in [
        reverse("ateliers:registration_create", args=[registration.workshop_id]),
        reverse("ateliers:attendance", args=[registration.workshop_id]),
        reverse("ateliers:registration_detail", args=args),
        reverse("ateliers:registration_withdraw", args=args),
        reverse("ateliers:registration_cancel", args=args),
    ]:
        assert_redirects_to_login(client.get(url))
    assert_redirects_to_login(client.post(reverse("ateliers:registration_consent", args=args)))


@pytest.mark.django_db
def test_elu_never_sees_the_details_of_a_non_consenting_person_of_their_commune(client, elu):
    registration = RegistrationFactory(contact=ContactFactory(commune=elu.commune, email="discret@example.org"))
    client.force_login(elu)
    url = reverse("ateliers:registration_detail", args=[registration.workshop_id, registration.pk])
    content = client.get(url).content.decode()
    assert "Non partagées (pas de consentement)" in content
    assert "discret@example.org" not in content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_team_sees_registration_details_and_its_history(request, client, role):
    registration = RegistrationFactory(contact=ContactFactory(email="discret@example.org"))
    client.force_login(request.getfixturevalue(role))
    url = reverse("ateliers:registration_detail", args=[registration.workshop_id, registration.pk])
    content = client.get(url).content.decode()
    assert "discret@example.org" in content and "Historique de l'inscription" in content
