"""Reminders to silent communes (issue 16): GBM writes to the commune's élus from the radar; the reminder is recorded
in the commune's timeline and not repeated within the programme's reminder_interval_days."""

import datetime
import html

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pat_portal.pages.models import Reminder
from pat_portal.pages.reminders import ReminderRefused, next_reminder_allowed_on, send_reminder
from tests.factories import ProgrammeFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory

pytestmark = pytest.mark.django_db

URL = "/communes/25014/relance/"


@pytest.fixture
def programme():
    return ProgrammeFactory(reminder_interval_days=14, silent_commune_days=60)


@pytest.fixture
def accompaniment(programme, commune):
    return AccompanimentFactory(programme=programme, commune=commune)


def _post(client, user, subject="Où en êtes-vous ?", message="Bonjour, pouvons-nous faire le point ?"):
    client.force_login(user)
    return client.post(URL, {"subject": subject, "message": message})


def test_the_form_starts_from_the_message_template(client, gbm_officer, elu, accompaniment):
    client.force_login(gbm_officer)
    page = html.unescape(client.get(URL).content.decode())
    assert "Nous n'avons pas eu de nouvelles du projet alimentaire d'Amagney depuis le" in page
    assert "Projet alimentaire d'Amagney : où en êtes-vous ?" in page
    assert elu.get_full_name() in page  # who will receive it


def test_a_reminder_is_recorded_mailed_to_each_elu_and_shown_in_the_timeline(
    client, gbm_officer, elu, commune, accompaniment, django_capture_on_commit_callbacks
):
    second = UserFactory(elu=True, commune=commune, email="adjointe@amagney.fr")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, gbm_officer, message="Bonjour,\nle plan attend votre conseil municipal.")
    assert response.status_code == 302
    reminder = Reminder.objects.get()
    assert (reminder.commune, reminder.sent_by, reminder.subject) == (commune, gbm_officer, "Où en êtes-vous ?")
    assert sorted(message.to[0] for message in mail.outbox) == sorted([elu.email, second.email])
    assert mail.outbox[0].body == "Bonjour,\nle plan attend votre conseil municipal."
    for reader in (gbm_officer, elu):
        client.force_login(reader)
        timeline = html.unescape(client.get("/communes/25014/").content.decode())
        assert "Relance de GBM : « Où en êtes-vous ? »" in timeline


def test_a_commune_is_not_reminded_twice_within_the_interval(
    client, gbm_officer, elu, accompaniment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, gbm_officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, gbm_officer, subject="Deuxième relance", message="Encore nous.")
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "une commune n'est pas relancée deux fois en 14 jours" in page
    assert "Encore nous." in page  # the officer's text is kept
    assert Reminder.objects.count() == 1 and mail.outbox == []
    Reminder.objects.update(sent_at=timezone.now() - datetime.timedelta(days=14, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, gbm_officer, subject="Deuxième relance").status_code == 302
    assert Reminder.objects.count() == 2


def test_the_interval_rule_on_its_boundary():
    sent = timezone.make_aware(datetime.datetime(2026, 11, 1, 10))
    assert next_reminder_allowed_on(None, 14) is None
    assert next_reminder_allowed_on(sent, 14, now=sent + datetime.timedelta(days=13)) == datetime.date(2026, 11, 15)
    assert next_reminder_allowed_on(sent, 14, now=sent + datetime.timedelta(days=14)) is None


def test_a_commune_without_an_elu_to_write_to_is_refused_in_french(gbm_officer, commune, accompaniment):
    with pytest.raises(ReminderRefused, match="Aucun·e élu·e d'Amagney n'a de compte avec une adresse e-mail"):
        send_reminder(commune=commune, by=gbm_officer, subject="S", message="M", interval_days=14)
    assert not Reminder.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"), [("consultant", 403), ("elu", 403), ("elu_other", 404), ("anonymous", 302)]
)
def test_only_gbm_sends_a_reminder_and_a_refusal_changes_nothing(client, users, accompaniment, role, expected):
    client.logout()
    if users[role] is not None:
        client.force_login(users[role])
    assert client.get(URL).status_code == expected
    response = client.post(URL, {"subject": "Relance", "message": "Bonjour"})
    assert response.status_code == expected
    if role == "anonymous":
        assert response.url.startswith("/connexion/")
    assert not Reminder.objects.exists() and mail.outbox == []


def test_the_radar_offers_a_reminder_until_the_commune_is_reminded(
    client, gbm_officer, elu, accompaniment, django_capture_on_commit_callbacks
):
    from pat_portal.pages.radar import silent_communes

    later = timezone.now() + datetime.timedelta(days=70)
    [silent] = silent_communes(accompaniment.programme, now=later)
    assert silent.may_be_reminded
    send_reminder(commune=accompaniment.commune, by=gbm_officer, subject="S", message="M", interval_days=14, now=later)
    [silent] = silent_communes(accompaniment.programme, now=later + datetime.timedelta(days=1))
    assert silent.next_reminder_on == timezone.localdate(later + datetime.timedelta(days=14))


def test_reminders_ride_along_in_the_hubs_commune_query(client, gbm_officer, elu, accompaniment):
    client.force_login(gbm_officer)

    def count():
        client.get("/communes/25014/")
        with CaptureQueriesContext(connection) as captured:
            client.get("/communes/25014/")
        return len(captured.captured_queries)

    before = count()
    for days in (40, 20):
        Reminder.objects.create(
            commune=accompaniment.commune,
            sent_by=gbm_officer,
            sent_at=timezone.now() - datetime.timedelta(days=days),
            recipients=elu.email,
            subject=f"Relance à {days} jours",
            message="Bonjour",
        )
    assert count() == before
    page = html.unescape(client.get("/communes/25014/").content.decode())
    assert page.index("Relance à 20 jours") < page.index("Relance à 40 jours")
