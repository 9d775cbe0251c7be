import pytest
from django.db import IntegrityError
from django.urls import reverse

from missions.mission1.models.meetings import Meeting, MeetingParticipant
from tests.factories import ContactFactory
from tests.factories_mission1 import AccompanimentFactory, MeetingFactory, MeetingParticipantFactory
from tests.harness import reading
from tests.harness.assertions import assert_redirects_to_login

pytestmark = pytest.mark.django_db


def meeting_data(accompaniment, **overrides):
    return {
        "starts_at": "2025-03-04T18:30",
        "kind": "elus",
        "title": "Point d'étape",
        "place": "Mairie",
        "accompaniment": accompaniment.pk,
        "count_elus": 2,
        "count_residents": 0,
        "count_associations": 1,
        "count_farmers": 0,
        "count_others": 0,
        "minutes": "On avance.",
        "internal_notes": "Confidentiel",
        "time_spent_half_days": "1",
        **overrides,
    }


def test_consultant_logs_a_meeting_with_participants(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    present, excused = ContactFactory(commune=commune), ContactFactory(commune=commune)
    client.force_login(consultant)
    response = client.post(
        reverse("missions:meeting_create"),
        meeting_data(accompaniment, present=[present.pk], excused=[excused.pk]),
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.commune == commune
    assert meeting.created_by == consultant
    attendance = dict(meeting.participations.values_list("contact_id", "attendance"))
    assert attendance == {present.pk: "present", excused.pk: "excuse"}

    # Editing replaces the participant list.
    response = client.post(
        reverse("missions:meeting_update", args=[meeting.pk]),
        meeting_data(accompaniment, present=[excused.pk], excused=[], lock_version=meeting.lock_version),
    )
    assert response.status_code == 302
    assert dict(meeting.participations.values_list("contact_id", "attendance")) == {excused.pk: "present"}


def test_same_person_present_and_excused_is_refused_with_input_kept(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    person = ContactFactory(commune=commune, last_name="Girardot")
    client.force_login(consultant)
    response = client.post(
        reverse("missions:meeting_create"),
        meeting_data(accompaniment, present=[person.pk], excused=[person.pk], title="Titre gardé"),
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "ne peut pas être présente et excusée" in content
    assert 'value="Titre gardé"' in content
    assert not Meeting.objects.exists()


def test_bad_date_and_negative_counts_get_french_errors(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    client.force_login(consultant)
    response = client.post(
        reverse("missions:meeting_create"), meeting_data(accompaniment, starts_at="32/13/2025", count_elus=-1)
    )
    content = response.content.decode()
    assert "Saisissez une date et une heure valides" in content
    assert "supérieure ou égale à 0" in content
    assert not Meeting.objects.exists()


def test_list_filters_by_commune_kind_and_dates(client, consultant, commune, other_commune):
    MeetingFactory(accompaniment=AccompanimentFactory(commune=commune), kind="publique", title="A")
    MeetingFactory(accompaniment=AccompanimentFactory(commune=other_commune), kind="visite", title="B")
    client.force_login(consultant)
    titles = lambda params: [m.title for m in client.get(reverse("missions:meeting_list"), params).context["meetings"]]  # noqa: E731
    assert sorted(titles({})) == ["A", "B"]
    assert titles({"commune": commune.pk}) == ["A"]
    assert titles({"kind": "visite"}) == ["B"]
    assert titles({"date_from": "2030-01-01"}) == []


def test_list_filters_by_who_recorded_the_meeting(client, consultant, gbm_officer, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingFactory(accompaniment=accompaniment, title="A", created_by=consultant)
    MeetingFactory(accompaniment=accompaniment, title="B", created_by=gbm_officer)
    client.force_login(consultant)
    url = reverse("missions:meeting_list")
    page = client.get(url)
    assert f'<option value="{consultant.pk}">{consultant}</option>' in page.content.decode()
    assert [m.title for m in client.get(url, {"consultant": consultant.pk}).context["meetings"]] == ["A"]
    assert [m.title for m in client.get(url, {"consultant": gbm_officer.pk}).context["meetings"]] == ["B"]
    refused = client.get(url, {"consultant": 0})  # not a team member: an error on the field, no meeting listed
    assert refused.context["filter"].errors["consultant"] and not list(refused.context["meetings"])


def test_elu_sees_own_commune_meetings_without_internal_notes(client, elu, other_commune):
    mine = MeetingFactory(accompaniment=AccompanimentFactory(commune=elu.commune))
    other = MeetingFactory(accompaniment=AccompanimentFactory(commune=other_commune))
    client.force_login(elu)
    listing = client.get(reverse("missions:meeting_list"))
    assert list(listing.context["meetings"]) == [mine]
    detail = client.get(reverse("missions:meeting_detail", args=[mine.pk]))
    assert detail.status_code == 200
    assert "NOTE-INTERNE-SECRETE" not in detail.content.decode()
    hub = client.get(elu.commune.get_absolute_url())
    assert "NOTE-INTERNE-SECRETE" not in hub.content.decode()
    assert client.get(reverse("missions:meeting_detail", args=[other.pk])).status_code == 404


def test_team_sees_internal_notes(client, consultant, commune):
    meeting = MeetingFactory(accompaniment=AccompanimentFactory(commune=commune))
    client.force_login(consultant)
    assert "NOTE-INTERNE-SECRETE" in client.get(meeting.get_absolute_url()).content.decode()


def test_elu_cannot_create_or_edit_meetings(client, elu, elu_other_commune):
    accompaniment = AccompanimentFactory(commune=elu.commune)
    meeting = MeetingFactory(accompaniment=accompaniment, title="Avant")
    client.force_login(elu)
    assert client.get(reverse("missions:meeting_create")).status_code == 403
    assert client.post(reverse("missions:meeting_create"), meeting_data(accompaniment)).status_code == 403
    assert (
        client.post(reverse("missions:meeting_update", args=[meeting.pk]), meeting_data(accompaniment)).status_code
        == 403
    )
    client.force_login(elu_other_commune)
    assert (
        client.post(reverse("missions:meeting_update", args=[meeting.pk]), meeting_data(accompaniment)).status_code
        == 404
    )
    assert client.get(reverse("missions:meeting_detail", args=[meeting.pk])).status_code == 404
    meeting.refresh_from_db()
    assert meeting.title == "Avant"
    assert Meeting.objects.count() == 1


def test_anonymous_is_redirected_from_meetings(client, commune):
    meeting = MeetingFactory(accompaniment=AccompanimentFactory(commune=commune))
    for url in [
        reverse("missions:meeting_list"),
        reverse("missions:meeting_create"),
        reverse("missions:meeting_detail", args=[meeting.pk]),
        reverse("missions:meeting_update", args=[meeting.pk]),
    ]:
        assert_redirects_to_login(client.get(url))


def test_meeting_list_query_count_does_not_grow(client, consultant, commune, django_assert_max_num_queries):
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingParticipantFactory(meeting=MeetingFactory(accompaniment=accompaniment))
    client.force_login(consultant)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("missions:meeting_list")).status_code == 200
    for meeting in MeetingFactory.create_batch(49, accompaniment=accompaniment):
        MeetingParticipantFactory(meeting=meeting, contact__commune=commune)
    with django_assert_max_num_queries(12) as large:
        assert client.get(reverse("missions:meeting_list")).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_hub_query_count_does_not_grow_with_meetings(client, consultant, commune, django_assert_max_num_queries):
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingFactory(accompaniment=accompaniment)
    client.force_login(consultant)
    with django_assert_max_num_queries(12) as small:
        assert client.get(commune.get_absolute_url()).status_code == 200
    MeetingFactory.create_batch(49, accompaniment=accompaniment)
    with django_assert_max_num_queries(12) as large:
        assert client.get(commune.get_absolute_url()).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_participant_is_unique_per_meeting(commune):
    participation = MeetingParticipantFactory()
    with pytest.raises(IntegrityError):
        MeetingParticipant.objects.create(meeting=participation.meeting, contact=participation.contact)


# /reunions/ as each role reads it ------------------------------------------------------------------------------
# Its queries, the same whatever the meetings (measured).
LIST_QUERIES = {"gbm": 6, "consultant": 6, "elu": 4}


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_list_runs_the_same_few_queries_with_more_meetings(client, users, commune, role):
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingParticipantFactory(meeting=MeetingFactory(accompaniment=accompaniment))
    client.force_login(users[role])
    small = reading.count_queries(client, "/reunions/")
    for meeting in MeetingFactory.create_batch(12, accompaniment=accompaniment):
        MeetingParticipantFactory(meeting=meeting, contact__commune=commune)
    large = reading.count_queries(client, "/reunions/")
    assert small == large == LIST_QUERIES[role], (small, large)


def test_each_role_reads_its_own_list(client, consultant, elu, commune, other_commune):
    MeetingFactory(accompaniment=AccompanimentFactory(commune=commune), title="Chez l'élu")
    MeetingFactory(accompaniment=AccompanimentFactory(commune=other_commune), title="Ailleurs")
    client.force_login(consultant)
    team_page = reading.page_text(client, "/reunions/")
    assert "Ailleurs" in team_page and "Saisie par" in team_page
    client.force_login(elu)
    elu_page = reading.page_text(client, "/reunions/")
    assert "Chez l'élu" in elu_page and "Ailleurs" not in elu_page and "Saisie par" not in elu_page


def test_the_commune_filter_offers_the_communes_with_a_meeting(client, consultant, commune, other_commune):
    MeetingFactory(accompaniment=AccompanimentFactory(commune=commune))
    client.force_login(consultant)
    choices = dict(client.get(reverse("missions:meeting_list")).context["filter"].form.fields["commune"].choices)
    assert commune.name in choices.values() and other_commune.name not in choices.values()
