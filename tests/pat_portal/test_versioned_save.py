"""The one versioned save (core/concurrency.py): compare and bump in one step, a French message naming who
saved in between and when, nothing written when the version is stale."""

import threading

import pytest
from django.db import connection, connections

from core.concurrency import StaleEdit, conflict_message, save_versioned
from missions.mission1.models.meetings import Meeting
from tests.factories import ContactFactory, UserFactory
from tests.factories_ateliers import WorkshopFactory
from tests.factories_mission1 import DiagnosticFactory, MeetingFactory


@pytest.mark.django_db
def test_a_save_at_the_version_read_goes_one_version_up_and_leaves_one_history_row():
    contact = ContactFactory(notes="Avant")
    history_before = contact.history.count()
    contact.notes = "Après"
    save_versioned(contact, 0)
    contact.refresh_from_db()
    assert (contact.notes, contact.lock_version) == ("Après", 1)
    assert contact.history.count() == history_before + 1


@pytest.mark.django_db
def test_a_save_at_an_old_version_is_refused_and_writes_nothing():
    contact = ContactFactory(notes="Avant")
    save_versioned(contact, 0)
    stale = type(contact).objects.get(pk=contact.pk)
    stale.lock_version = 0
    stale.notes = "Écrasement"
    history_before = contact.history.count()
    with pytest.raises(StaleEdit) as refused:
        save_versioned(stale, 0)
    assert refused.value.current.lock_version == 1
    contact.refresh_from_db()
    assert (contact.notes, contact.lock_version) == ("Avant", 1)
    assert contact.history.count() == history_before


@pytest.mark.django_db
def test_a_form_posted_without_its_version_counts_as_stale():
    contact = ContactFactory()
    with pytest.raises(StaleEdit):
        save_versioned(contact, None)


@pytest.mark.django_db
def test_only_the_named_fields_are_written_and_the_version_with_them():
    contact = ContactFactory(notes="Avant", phone="03 81 00 00 00")
    type(contact).objects.filter(pk=contact.pk).update(phone="06 00 00 00 00")
    contact.notes = "Après"
    save_versioned(contact, 0, update_fields=["notes"])
    contact.refresh_from_db()
    assert (contact.notes, contact.phone, contact.lock_version) == ("Après", "06 00 00 00 00", 1)


@pytest.mark.django_db
def test_a_new_row_is_created_at_version_0():
    meeting = MeetingFactory.build(accompaniment=None, commune=None)
    save_versioned(meeting, None)
    assert Meeting.objects.get(pk=meeting.pk).lock_version == 0


@pytest.mark.django_db
def test_a_row_deleted_in_between_is_refused_with_its_own_message():
    contact = ContactFactory()
    type(contact).objects.filter(pk=contact.pk).delete()
    with pytest.raises(StaleEdit) as refused:
        save_versioned(contact, 0)
    assert refused.value.current is None
    assert "Ce contact a été supprimé pendant que vous le modifiiez" in str(refused.value)


@pytest.mark.django_db
def test_the_message_names_who_saved_and_when_in_french_with_agreement_and_elision():
    claire = UserFactory(first_name="Claire", last_name="Vuillemin", gbm=True)
    meeting, workshop = MeetingFactory(), WorkshopFactory()
    diagnostic = DiagnosticFactory()
    for row in (meeting, workshop, diagnostic):
        row._history_user = claire
        save_versioned(row, row.lock_version)
    assert conflict_message(meeting).startswith("Cette réunion a été modifiée par Claire Vuillemin le ")
    assert "pendant que vous la modifiiez" in conflict_message(meeting)
    assert conflict_message(workshop).startswith("Cet atelier a été modifié par Claire Vuillemin le ")
    assert conflict_message(diagnostic).startswith("Ce diagnostic a été modifié par Claire Vuillemin le ")
    assert " à " in conflict_message(diagnostic) and "pendant que vous le modifiiez" in conflict_message(diagnostic)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two sessions writing at once: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_of_two_saves_racing_at_the_same_version_exactly_one_is_written():
    contact = ContactFactory(notes="Avant")
    start = threading.Barrier(2)
    outcomes = {}

    def save(text):
        try:
            row = type(contact).objects.get(pk=contact.pk)
            row.notes = text
            start.wait(timeout=10)
            save_versioned(row, 0)
            outcomes[text] = "saved"
        except StaleEdit:
            outcomes[text] = "refused"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(text,)) for text in ("Claire", "Julien")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["refused", "saved"]
    contact.refresh_from_db()
    winner = next(text for text, outcome in outcomes.items() if outcome == "saved")
    assert (contact.notes, contact.lock_version) == (winner, 1)
