"""Many registrations at once: a list to tick, a pasted list matched against the directory (with proposals for the
names it does not know), the people picker; and walk-ins marked present once the workshop has taken place."""

import re

import pytest
from django.db.models.signals import post_init
from django.urls import reverse

from ateliers.models import Registration
from communes.matching import match_people, normalise
from communes.models import Contact
from tests.factories import CommuneFactory, ContactFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop():
    return WorkshopFactory()


@pytest.fixture
def people(commune):
    return {
        "marie": ContactFactory(commune=commune, first_name="Marie", last_name="Dupont", email="marie@exemple.fr"),
        "eloise": ContactFactory(commune=commune, first_name="Éloïse", last_name="Lefèvre"),
        "paul": ContactFactory(commune=commune, first_name="Paul", last_name="Martin", email="pm@exemple.fr"),
    }


def bulk_url(workshop):
    return reverse("ateliers:registration_bulk", args=[workshop.pk])


def registered(workshop) -> set[str]:
    return set(workshop.registrations.values_list("contact__last_name", flat=True))


def test_pasted_names_match_whatever_their_case_accents_order_or_email():
    marie = Contact(pk=1, first_name="Marie", last_name="Dupont", email="marie@exemple.fr")
    eloise = Contact(pk=2, first_name="Éloïse", last_name="Lefèvre")
    lines = match_people(
        "DUPONT Marie\neloise lefevre\n  \nMarie D. <MARIE@exemple.fr>\nMarie Dupond", [marie, eloise]
    )
    assert [line.contact for line in lines[:3]] == [marie, eloise, marie]
    assert lines[3].contact is None and lines[3].proposals == [marie]  # a close name is proposed, never chosen
    assert normalise("  DUPONT-Lefèvre,  Marie ") == "dupont lefevre marie"


def test_two_people_of_the_same_name_are_proposed_not_chosen():
    first, second = (
        Contact(pk=1, first_name="Jean", last_name="Roy"),
        Contact(pk=2, first_name="Jean", last_name="Roy"),
    )
    [line] = match_people("Jean Roy", [first, second])
    assert line.contact is None and line.proposals == [first, second]


def test_ticked_people_are_registered_together(client, consultant, workshop, people, commune):
    client.force_login(consultant)
    page = client.get(bulk_url(workshop) + f"?commune={commune.pk}").content.decode()
    assert re.search(rf'type="checkbox" name="people" value="{people["marie"].pk}"', page)
    response = client.post(bulk_url(workshop), {"people": [people["marie"].pk, people["paul"].pk], "inscrire": "1"})
    assert response.status_code == 302
    assert registered(workshop) == {"Dupont", "Martin"}


def test_paste_is_matched_and_unknown_names_come_back_with_proposals(client, consultant, workshop, people):
    client.force_login(consultant)
    pasted = "dupont marie\npm@exemple.fr\nEloise Lefevre\nMarie Dupond\nJeanne Inconnue"
    response = client.post(bulk_url(workshop), {"pasted": pasted, "rapprocher": "1"})
    assert response.status_code == 200 and not workshop.registrations.exists()
    page = response.content.decode()
    for key in ("marie", "paul", "eloise"):  # known people are ticked in the list
        assert re.search(rf'value="{people[key].pk}"[^>]*checked', page), key
    assert "Non trouvées dans l'annuaire" in page
    assert "« Marie Dupond »" in page and "Vouliez-vous dire Marie Dupont" in page
    assert "« Jeanne Inconnue »" in page and "Aucune personne proche" in page


def test_registering_with_unknown_pasted_names_asks_first(client, consultant, workshop, people):
    client.force_login(consultant)
    response = client.post(bulk_url(workshop), {"pasted": "Marie Dupont\nJeanne Inconnue", "inscrire": "1"})
    assert response.status_code == 200
    assert not workshop.registrations.exists()
    assert "« Jeanne Inconnue »" in response.content.decode()


def test_an_unknown_line_can_be_created_and_registered_without_consent(client, consultant, workshop, people, commune):
    client.force_login(consultant)
    page = client.post(bulk_url(workshop), {"pasted": "Marie Dupont\nINCONNUE Jeanne", "rapprocher": "1"})
    pending = re.search(r'name="pending" value="([^"]*)"', page.content.decode()).group(1)
    data = {
        "people": [people["marie"].pk],
        "pending": pending,
        "create": ["0"],
        "new_people_commune": commune.pk,
        "inscrire": "1",
    }
    response = client.post(bulk_url(workshop), data)
    assert response.status_code == 302
    assert registered(workshop) == {"Dupont", "INCONNUE"}
    jeanne = Contact.objects.get(last_name="INCONNUE")
    assert (jeanne.first_name, jeanne.commune, jeanne.consent_to_share) == ("Jeanne", commune, False)
    assert not Registration.objects.get(contact=jeanne).consent_to_share


def test_a_proposal_ticked_registers_that_person(client, consultant, workshop, people):
    client.force_login(consultant)
    page = client.post(bulk_url(workshop), {"pasted": "Marie Dupond", "rapprocher": "1"}).content.decode()
    pending = re.search(r'name="pending" value="([^"]*)"', page).group(1)
    client.post(bulk_url(workshop), {"people": [people["marie"].pk], "pending": pending, "inscrire": "1"})
    assert registered(workshop) == {"Dupont"}


def test_a_proposal_posts_back_its_person_whatever_the_size_of_the_directory(client, consultant, workshop, commune):
    """The proposal's checkbox holds the id as the form reads it: French number formatting wrote contact 5055 as
    « 5 055 », which the form refused (the browser journey failed whenever ids had passed 999)."""
    karim = ContactFactory(pk=5055, commune=commune, first_name="Karim", last_name="Benali")
    client.force_login(consultant)
    page = client.post(bulk_url(workshop), {"pasted": "Karim Benaly", "rapprocher": "1"}).content.decode()
    value = re.search(r'name="people" value="([^"]*)" id="proposition-', page).group(1)
    assert value == "5055"
    pending = re.search(r'name="pending" value="([^"]*)"', page).group(1)
    response = client.post(bulk_url(workshop), {"people": [value], "pending": pending, "inscrire": "1"})
    assert response.status_code == 302
    assert list(workshop.registrations.values_list("contact", flat=True)) == [karim.pk]


def test_people_already_registered_are_said_and_not_registered_twice(client, consultant, workshop, people):
    RegistrationFactory(workshop=workshop, contact=people["marie"], commune=people["marie"].commune)
    client.force_login(consultant)
    page = client.post(bulk_url(workshop), {"pasted": "Marie Dupont", "rapprocher": "1"}).content.decode()
    assert "Déjà inscrit·e·s : Marie Dupont" in page
    assert not re.search(rf'name="people" value="{people["marie"].pk}"', page)


def test_registering_at_once_says_who_was_already_registered_instead_of_dropping_them(
    client, consultant, workshop, people
):
    RegistrationFactory(workshop=workshop, contact=people["marie"], commune=people["marie"].commune)
    client.force_login(consultant)
    response = client.post(bulk_url(workshop), {"pasted": "Marie Dupont\nPaul Martin", "inscrire": "1"}, follow=True)
    page = response.content.decode()
    assert registered(workshop) == {"Dupont", "Martin"} and workshop.registrations.count() == 2
    assert "1 personne inscrite" in page and "Paul Martin" in page
    assert "Déjà inscrit·e·s, rien n&#x27;a changé pour elles et eux : Marie Dupont." in page


def test_walk_ins_are_registered_present_once_the_workshop_has_taken_place(client, consultant, people):
    workshop = WorkshopFactory(past=True)
    client.force_login(consultant)
    data = {"people": [people["marie"].pk], "present": "on", "inscrire": "1"}
    client.post(bulk_url(workshop), data)
    assert Registration.objects.get(contact=people["marie"]).attendance == Registration.Attendance.PRESENT


def test_presence_is_not_offered_before_the_workshop(client, consultant, workshop, people):
    client.force_login(consultant)
    assert 'name="present"' not in client.get(bulk_url(workshop)).content.decode()
    client.post(bulk_url(workshop), {"people": [people["marie"].pk], "present": "on", "inscrire": "1"})
    assert Registration.objects.get(contact=people["marie"]).attendance == Registration.Attendance.UNKNOWN


def test_elu_sees_and_registers_only_people_of_their_commune(client, elu, workshop, people):
    stranger = ContactFactory(commune=CommuneFactory(), first_name="Marie", last_name="Dupont")
    client.force_login(elu)
    page = client.get(bulk_url(workshop)).content.decode()
    assert f'value="{people["marie"].pk}"' in page and f'value="{stranger.pk}"' not in page
    assert "new_people_commune" not in page and 'name="present"' not in page
    response = client.post(bulk_url(workshop), {"people": [stranger.pk], "inscrire": "1"})
    assert response.status_code == 200  # not a choice offered to this élu
    assert not workshop.registrations.exists()
    client.post(bulk_url(workshop), {"pasted": "Marie Dupont", "inscrire": "1"})
    assert list(workshop.registrations.values_list("contact_id", flat=True)) == [people["marie"].pk]


def test_elu_of_another_commune_registers_none_of_these_people(client, elu_other_commune, workshop, people):
    client.force_login(elu_other_commune)
    page = client.get(bulk_url(workshop)).content.decode()
    assert f'value="{people["marie"].pk}"' not in page
    client.post(bulk_url(workshop), {"pasted": "Marie Dupont\nmarie@exemple.fr", "inscrire": "1"})
    assert not workshop.registrations.exists()


def test_a_full_workshop_registers_whom_it_can_and_says_who_was_not(client, consultant, people):
    workshop = WorkshopFactory(capacity=1)
    client.force_login(consultant)
    response = client.post(
        bulk_url(workshop), {"people": [people["marie"].pk, people["paul"].pk], "inscrire": "1"}, follow=True
    )
    assert workshop.registrations.count() == 1
    assert "complet" in response.content.decode()


def test_anonymous_is_sent_to_login(client, workshop):
    response = client.get(bulk_url(workshop))
    assert response.status_code == 302 and response.url.startswith("/connexion/")


def test_registering_picked_or_ticked_people_reads_only_them_however_large_the_directory(
    client, consultant, workshop, people, other_commune
):
    """The directory is read to show the page (as plain rows) and to match a paste, never to register people
    chosen by the picker or ticked in the list."""
    ContactFactory.create_batch(40, commune=other_commune)
    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance)

    client.force_login(consultant)
    post_init.connect(count, sender=Contact)
    try:
        page = client.get(bulk_url(workshop) + f"?commune={other_commune.pk}").content.decode()
        shown = len(loaded)
        data = {"picked": [people["marie"].pk], "people": [people["paul"].pk], "inscrire": "1"}
        response = client.post(bulk_url(workshop), data)
    finally:
        post_init.disconnect(count, sender=Contact)
    assert response.status_code == 302 and registered(workshop) == {"Dupont", "Martin"}
    assert shown == 0  # the list and the picker are written from plain rows
    assert page.count('type="checkbox" name="people"') == 40  # the chosen commune's people, not the directory
    assert len(loaded) - shown <= 4  # the two chosen people (and what registering them reads), not the 43


def test_the_teams_list_to_tick_shows_only_the_chosen_communes_people(
    client, consultant, workshop, people, other_commune
):
    far = ContactFactory(commune=other_commune, last_name="Lointaine")
    client.force_login(consultant)
    page = client.get(bulk_url(workshop)).content.decode()
    assert 'name="people"' not in page and "Choisissez une commune" in page
    page = client.post(bulk_url(workshop), {"list_commune": other_commune.pk, "afficher": "1"}).content.decode()
    assert f'name="people" value="{far.pk}"' in page and f'name="people" value="{people["marie"].pk}"' not in page
    # A person ticked in another commune's list stays ticked when the list changes.
    data = {"list_commune": other_commune.pk, "people": [people["marie"].pk], "afficher": "1"}
    page = client.post(bulk_url(workshop), data).content.decode()
    assert re.search(rf'name="people" value="{people["marie"].pk}"[^>]*checked', page)
