"""Every e-mail goes through the task queue: a mail server that refuses or never answers fails no request.

The pages are tested with real commits (transactional tests): the mail is queued by `transaction.on_commit` inside
the request, as in production, and the tests' immediate backend runs the task there and then, so a failure that
escaped the queue would show as a server error here.
"""

import logging
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks.backends.dummy import DummyBackend
from django_tasks_db.models import DBTaskResult

from ateliers.models import Workshop
from core import tasks
from core.models import Deliverable
from missions.support.models import SupportRequest, SupportStep
from tests.factories import ProgrammeFactory, UserFactory
from tests.factories_ateliers import ThemeFactory
from tests.factories_mission1 import AccompanimentFactory, DiagnosticFactory
from tests.factories_support import SupportRequestFactory

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail", "documents"]}
}
MESSAGE = {"subject": "[Portail PAT] Essai", "body": "Bonjour", "to": ["claire@example.org"]}


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        raise smtplib.SMTPException("421 Service not available")


class FlakyBackend(LocmemBackend):
    """A mail server that refuses the first message, then accepts (into mail.outbox)."""

    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        if type(self).calls == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


class BrokenQueue(DummyBackend):
    """A task queue that cannot be written to (its database gone away)."""

    def enqueue(self, task, args, kwargs):
        raise DatabaseError("could not write the task")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The database cache's table is no model: transactional tests do not empty it.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.calls = 0
    return RefusingBackend


@pytest.fixture
def database_queue(settings):
    """Production's queue: tasks are stored for the worker, nothing runs in the request."""
    settings.TASKS = DATABASE_QUEUE


def _public_form(commune):
    return {
        "requester_kind": SupportRequest.RequesterKind.ASSOCIATION,
        "organisation": "Les Croqueurs de pommes",
        "contact_name": "Hélène Jacquot",
        "email": "helene@example.org",
        "phone": "06 00 00 00 00",
        "commune": commune.pk,
        "title": "Verger conservatoire",
        "kind": SupportRequest.Kind.ORCHARD,
        "description": "Planter 30 arbres fruitiers de variétés locales sur un terrain communal.",
        "help_wanted": "Trouver des partenaires et un financement.",
        "already_under_way": "0",
        "verification": "",
    }


def _given_up(caplog):
    return [record for record in caplog.records if record.name == tasks.__name__ and record.levelno == logging.ERROR]


def _retried(caplog):
    return [record for record in caplog.records if record.name == tasks.__name__ and record.levelno == logging.WARNING]


# The pages answer whatever the mail server does ---------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_public_form_shows_its_reference_and_stores_one_request_when_the_mail_server_refuses(
    client, commune, mail_server_down, caplog
):
    UserFactory(gbm=True, email="claire@gbm.example")
    ProgrammeFactory()
    response = client.post("/demandes/nouvelle/", _public_form(commune))
    assert response.status_code == 302
    assert response.url == reverse("missions:support_public_done")
    support_request = SupportRequest.objects.get()
    assert support_request.reference in client.get(response.url).content.decode()
    # Two messages (the acknowledgement, the officer's notification), each tried three times, then given up.
    assert mail_server_down.calls == 6
    assert len(_retried(caplog)) == 4
    given_up = _given_up(caplog)
    assert len(given_up) == 2
    assert any("helene@example.org" in record.getMessage() for record in given_up)


@pytest.mark.django_db(transaction=True)
def test_deliverable_submission_and_validation_succeed_when_the_mail_server_refuses(
    client, commune, consultant, gbm_officer, mail_server_down, caplog
):
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)
    client.force_login(consultant)
    response = client.post(reverse("deliverable_submit", args=["diagnostic", diagnostic.pk]), follow=True)
    assert "Version 1 soumise" in response.content.decode()
    deliverable = Deliverable.objects.get()
    client.force_login(gbm_officer)
    response = client.post(reverse("deliverable_validate", args=[deliverable.pk]), follow=True)
    assert "Version 1 validée" in response.content.decode()
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.VALIDATED
    assert (
        mail_server_down.calls == 2 * tasks.MAX_ATTEMPTS
    )  # the officer told of the submission, the author of the review
    assert len(_given_up(caplog)) == 2


@pytest.mark.django_db(transaction=True)
def test_support_decision_succeeds_when_the_mail_server_refuses(
    client, commune, gbm_officer, elu, mail_server_down, caplog
):
    support_request = SupportRequestFactory(commune=commune, programme=ProgrammeFactory(), under_review=True)
    client.force_login(gbm_officer)
    decision = {
        "outcome": "accepter",
        "reason": "Projet mûr, porteur motivé.",
        "feasibility": SupportRequest.Feasibility.FEASIBLE,
        "support_nature": "Rédaction du cahier des charges.",
        "steps": [SupportStep.Kind.SPECIFICATIONS],
        "allotted_half_days": "6",
        "action": "",
    }
    response = client.post(reverse("missions:support_decide", args=[support_request.pk]), decision)
    assert response.status_code == 302
    assert response.url == support_request.get_absolute_url()
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.ACCEPTED
    assert mail_server_down.calls == 2 * tasks.MAX_ATTEMPTS  # the requester, the commune's élu
    assert len(_given_up(caplog)) == 2


@pytest.mark.django_db(transaction=True)
def test_workshop_creation_succeeds_when_the_mail_server_refuses(client, consultant, elu, mail_server_down, caplog):
    theme, programme = ThemeFactory(), ProgrammeFactory()
    client.force_login(consultant)
    data = {
        "programme": programme.pk,
        "title": "La cantine de Devecey",
        "theme": theme.pk,
        "format": "visite_temoignages",
        "starts_at": "2026-12-03T09:30",
        "ends_at": "2026-12-03T12:30",
        "place": "Restaurant scolaire, Devecey",
        "capacity": "30",
        "agenda": "Visite puis témoignages",
        "visits": "",
        "lock_version": "",
        "temoignages-TOTAL_FORMS": "0",
        "temoignages-INITIAL_FORMS": "0",
        "frais-TOTAL_FORMS": "0",
        "frais-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("ateliers:create"), data)
    assert response.status_code == 302
    workshop = Workshop.objects.get()
    assert response.url == workshop.get_absolute_url()
    assert mail_server_down.calls == tasks.MAX_ATTEMPTS  # the élu told of the workshop
    assert len(_given_up(caplog)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_queue_that_cannot_be_written_to_is_logged_and_the_request_still_succeeds(client, commune, settings, caplog):
    settings.TASKS = {"default": {"BACKEND": f"{__name__}.BrokenQueue", "QUEUES": ["default", "mail", "documents"]}}
    ProgrammeFactory()
    response = client.post("/demandes/nouvelle/", _public_form(commune))
    assert response.status_code == 302
    assert SupportRequest.objects.get().reference in client.get(response.url).content.decode()
    assert any("could not write the task" in record.getMessage() for record in caplog.records)


# Retries --------------------------------------------------------------------------------------------------------
def test_a_refused_message_is_tried_three_times_then_given_up_with_an_error_logged(mail_server_down, caplog):
    tasks.send_email.enqueue(MESSAGE)
    assert mail_server_down.calls == 3
    assert [record.getMessage() for record in _retried(caplog)] == [
        "E-mail « [Portail PAT] Essai » to claire@example.org not sent (attempt 1 of 3): retrying in 0:02:00",
        "E-mail « [Portail PAT] Essai » to claire@example.org not sent (attempt 2 of 3): retrying in 0:15:00",
    ]
    (given_up,) = _given_up(caplog)
    assert (
        given_up.getMessage()
        == "E-mail « [Portail PAT] Essai » to claire@example.org not sent after 3 attempts: given up"
    )
    assert given_up.exc_info[0] is smtplib.SMTPException


def test_a_message_refused_once_leaves_on_the_next_attempt(settings, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.calls = 0
    tasks.send_email.enqueue(MESSAGE)
    assert FlakyBackend.calls == 2
    assert [message.to for message in mail.outbox] == [["claire@example.org"]]
    assert len(_retried(caplog)) == 1
    assert _given_up(caplog) == []


# Real commits: the worker closes a connection left in a transaction, as the test's would be on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_the_worker_queues_the_retry_for_later_and_marks_only_the_last_attempt_failed(
    database_queue, mail_server_down
):
    tasks.send_email.enqueue(MESSAGE)
    before = timezone.now()
    call_command("worker", "--queue-name", "mail", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    # The first attempt failed, the second waits two minutes: the batch worker stops without running it.
    assert mail_server_down.calls == 1
    first, second = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == "SUCCESSFUL"
    assert second.status == "READY"
    assert second.args_kwargs == {"args": [MESSAGE], "kwargs": {"attempt": 2}}
    assert before + timedelta(minutes=1) < second.run_after <= timezone.now() + timedelta(minutes=2)

    DBTaskResult.objects.filter(pk=second.pk).update(run_after=timezone.now())
    call_command("worker", "--queue-name", "mail", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    third = DBTaskResult.objects.order_by("enqueued_at").last()
    DBTaskResult.objects.filter(pk=third.pk).update(run_after=timezone.now())
    call_command("worker", "--queue-name", "mail", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    third.refresh_from_db()
    assert third.args_kwargs["kwargs"] == {"attempt": 3}
    assert third.status == "FAILED"
    assert mail_server_down.calls == 3
    assert DBTaskResult.objects.count() == 3


def test_with_the_database_queue_the_request_never_talks_to_the_mail_server(
    client, commune, database_queue, mail_server_down, django_capture_on_commit_callbacks
):
    UserFactory(gbm=True, email="claire@gbm.example")
    ProgrammeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/demandes/nouvelle/", _public_form(commune))
    assert response.status_code == 302
    assert mail_server_down.calls == 0
    queued = DBTaskResult.objects.all()
    assert sorted(task.args_kwargs["args"][0]["to"][0] for task in queued) == [
        "claire@gbm.example",
        "helene@example.org",
    ]
    assert {task.task_path for task in queued} == {"core.tasks.send_email"}


def test_the_mail_server_gets_a_timeout(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert settings.EMAIL_TIMEOUT == 10
    assert get_connection().timeout == 10


# Password reset -------------------------------------------------------------------------------------------------
def _reset(client, email, ip="198.51.100.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_does_the_same_work_and_answers_the_same_for_known_and_unknown_addresses(
    client, consultant, database_queue, mail_server_down, django_capture_on_commit_callbacks
):
    answers, queries = [], []
    # From two clients, so that both requests find their rate-limit counters in the same (empty) state.
    for email, ip in ((consultant.email, "198.51.100.1"), ("inconnu@example.org", "198.51.100.2")):
        with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
            answers.append(_reset(client, email, ip=ip))
        queries.append([query["sql"].split(" ")[0] for query in captured.captured_queries])
    known, unknown = answers
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("password_reset_done")
    # Same statements in the same order: no account lookup in the request, one task queued either way.
    assert queries[0] == queries[1]
    assert mail_server_down.calls == 0 and mail.outbox == []
    queued = DBTaskResult.objects.order_by("enqueued_at")
    assert [task.task_path for task in queued] == ["core.tasks.send_password_reset"] * 2
    assert [task.args_kwargs["args"] for task in queued] == [[consultant.email], ["inconnu@example.org"]]


# Real commits: the worker closes a connection left in a transaction, as the test's would be on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_password_reset_worker_mails_the_known_address_only(consultant, database_queue):
    tasks.send_password_reset.enqueue(consultant.email)
    tasks.send_password_reset.enqueue("inconnu@example.org")
    call_command("worker", "--queue-name", "mail", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert [message.to for message in mail.outbox] == [[consultant.email]]
    assert "/mot-de-passe/reinitialiser/" in mail.outbox[0].body


@pytest.mark.parametrize("known", [True, False], ids=["known", "unknown"])
def test_password_reset_is_limited_to_three_per_address_an_hour_from_any_client(client, consultant, known):
    email = consultant.email if known else "inconnu@example.org"
    for attempt in range(3):
        assert _reset(client, email, ip=f"198.51.100.{attempt}").status_code == 302
    refused = _reset(client, email.upper(), ip="198.51.100.99")
    assert refused.status_code == 429
    assert "Trop de demandes de réinitialisation" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    # Another address from the same client is not affected.
    assert _reset(client, "autre@example.org", ip="198.51.100.99").status_code == 302


def test_password_reset_is_limited_to_ten_per_client_an_hour(client):
    for number in range(10):
        assert _reset(client, f"personne{number}@example.org").status_code == 302
    refused = _reset(client, "encore@example.org")
    assert refused.status_code == 429
    assert "Réessayez dans" in refused.content.decode()
    assert _reset(client, "encore@example.org", ip="203.0.113.5").status_code == 302
    # Reading the form stays possible.
    assert client.get(reverse("password_reset"), REMOTE_ADDR="198.51.100.7").status_code == 200
