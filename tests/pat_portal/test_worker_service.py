"""A worker someone watches (issue 24): mails and documents on their own queues, a time budget for each layout, a
stop signal honoured at once, `/sante/` for the monitoring probe, GBM's service banner and the failed mails page."""

import os
import signal
import smtplib
import threading
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache, caches
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

from core import pdf, pdf_layout, tasks, worker_status
from pat_portal.pages import service_status
from tests.factories import FAILED_MAIL, ProgrammeFactory, failed_mail
from tests.harness.assertions import assert_redirects_to_login

pytestmark = pytest.mark.django_db

MESSAGE = FAILED_MAIL
DATABASE_QUEUE = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail", "documents"]}
}


@pytest.fixture(autouse=True)
def _no_heartbeat():
    # The database cache's table is no model: beats written by another test would survive it.
    cache.clear()
    caches["pdfs"].clear()
    yield
    cache.clear()


@pytest.fixture
def workers_alive():
    worker_status.beat(worker_status.WATCHED_QUEUES)


def in_this_process(html, *, archival=False, key=None, budget=None):
    return pdf_layout.lay_out(html, archival=archival, key=key)


# Queues -------------------------------------------------------------------------------------------------------------


def test_mails_and_documents_are_queued_apart(client, gbm_officer, monkeypatch, django_capture_on_commit_callbacks):
    """A password reset and a long PDF asked for at the same moment go to the 'mail' and 'documents' queues."""
    monkeypatch.setattr(pdf, "LONG_HTML_CHARS", 0)
    ProgrammeFactory()
    queues = []

    def seen(sender, task_result, **kwargs):
        queues.append((task_result.task.name, task_result.task.queue_name))

    task_enqueued.connect(seen)
    try:
        with (
            mock.patch("weasyprint.HTML.write_pdf", autospec=True, return_value=b"%PDF"),
            mock.patch("core.tasks.lay_out_within_budget", side_effect=in_this_process),
        ):
            client.force_login(gbm_officer)
            assert client.get("/bilan/pdf/").status_code == 200  # immediate backend: laid out at once
            client.logout()
            with django_capture_on_commit_callbacks(execute=True):
                client.post(reverse("password_reset"), {"email": gbm_officer.email})
    finally:
        task_enqueued.disconnect(seen)
    assert ("lay_out_pdf", "documents") in queues
    assert ("send_password_reset", "mail") in queues
    assert tasks.send_email.queue_name == "mail"
    assert tasks.freeze_deliverable_pdf.queue_name == "documents"


def test_make_run_starts_one_worker_per_queue():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "manage.py worker --queue-name mail,default" in makefile
    assert "manage.py worker --queue-name documents" in makefile


@pytest.mark.django_db(transaction=True)
def test_the_mail_worker_sends_while_a_document_waits_for_its_own(settings):
    settings.TASKS = DATABASE_QUEUE
    tasks.lay_out_pdf.enqueue("<p>long</p>", key="pdf:long")
    tasks.send_email.enqueue(MESSAGE)
    call_command("worker", "--queue-name", "mail,default", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert [message.subject for message in mail.outbox] == [MESSAGE["subject"]]
    statuses = dict(DBTaskResult.objects.values_list("queue_name", "status"))
    assert statuses == {"mail": "SUCCESSFUL", "documents": "READY"}  # left to the documents worker
    ages = worker_status.heartbeat_ages()
    assert ages["mail"] is not None and ages["mail"] < 60  # the worker beat for the queues it serves
    assert ages["documents"] is None


# Time budget and stop signal ----------------------------------------------------------------------------------------


def _slow_layout(html, archival):
    time.sleep(30)  # in the child process, killed at the budget or the signal
    return b"%PDF-never"


def test_a_layout_over_its_budget_is_stopped(settings, monkeypatch):
    settings.DOCUMENT_TIME_BUDGET = 0.3
    monkeypatch.setattr(pdf_layout, "_write_pdf", _slow_layout)
    started = time.monotonic()
    with pytest.raises(pdf_layout.LayoutOverBudget):
        pdf_layout.lay_out_within_budget("<p>x</p>", key="pdf:slow")
    assert time.monotonic() - started < 3
    assert caches["pdfs"].get("pdf:slow") is None


def test_a_layout_in_its_budget_is_kept(settings, monkeypatch):
    monkeypatch.setattr(pdf_layout, "_write_pdf", lambda html, archival: b"%PDF-quick")
    assert pdf_layout.lay_out_within_budget("<p>x</p>", key="pdf:quick") == b"%PDF-quick"
    assert caches["pdfs"].get("pdf:quick") == b"%PDF-quick"


def test_a_stop_signal_ends_the_layout_at_once(monkeypatch):
    monkeypatch.setattr(pdf_layout, "_write_pdf", _slow_layout)
    worker_shutdown = mock.Mock()  # stands for db_worker's handler: it is still called
    previous = signal.signal(signal.SIGTERM, worker_shutdown)
    try:
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
        started = time.monotonic()
        with pytest.raises(pdf_layout.LayoutInterrupted):
            pdf_layout.lay_out_within_budget("<p>x</p>", key="pdf:stopped")
        assert time.monotonic() - started < 2
        assert worker_shutdown.call_count == 1
        assert signal.getsignal(signal.SIGTERM) is worker_shutdown  # restored after the layout
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_the_person_waiting_is_told_in_french_when_the_budget_ran_out(client, gbm_officer, settings, monkeypatch):
    settings.DOCUMENT_TIME_BUDGET = 0.3
    monkeypatch.setattr(pdf, "LONG_HTML_CHARS", 0)
    monkeypatch.setattr(pdf_layout, "_write_pdf", _slow_layout)
    ProgrammeFactory()
    client.force_login(gbm_officer)
    response = client.get("/bilan/pdf/")
    assert response.status_code == 503
    content = response.content.decode()
    assert "Document non disponible" in content
    assert "La mise en page de ce document a dépassé le temps prévu" in content
    assert "http-equiv" not in content  # no reload loop on a layout that ran out of time
    again = client.get("/bilan/pdf/")  # a reload does not queue the same hopeless layout again at once
    assert again.status_code == 503


def test_a_frozen_version_has_the_long_budget_of_a_record(settings, monkeypatch):
    seen = {}
    monkeypatch.setattr(tasks, "lay_out_within_budget", lambda html, **options: seen.update(options) or b"%PDF")
    monkeypatch.setattr(tasks, "store_frozen_pdf", lambda deliverable_id, content: None)
    tasks.freeze_deliverable_pdf.call(1, "<p>x</p>")
    assert seen["budget"] == tasks.FROZEN_LAYOUT_SECONDS > settings.DOCUMENT_TIME_BUDGET


# /sante/ ------------------------------------------------------------------------------------------------------------


def test_health_reports_all_well_as_json_in_two_queries(client, workers_alive, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/sante/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "worker": "ok",
        "worker_heartbeat_age_seconds": {"mail": 0, "documents": 0},
        "oldest_pending_task_age_seconds": None,
    }


def test_health_answers_503_when_a_worker_is_silent(client):
    worker_status.beat(["mail"])
    worker_status.beat(["documents"], now=time.time() - 3600)
    response = client.get("/sante/")
    assert response.status_code == 503
    report = response.json()
    assert (report["status"], report["worker"]) == ("error", "silent")
    assert report["worker_heartbeat_age_seconds"]["documents"] >= 3600


def test_health_answers_503_when_a_task_waits_too_long(client, workers_alive):
    late = DBTaskResult.objects.create(
        task_path="core.tasks.send_email",
        queue_name="mail",
        backend_name="default",
        args_kwargs={"args": [MESSAGE], "kwargs": {}},
        run_after=get_date_max(),
    )
    DBTaskResult.objects.filter(pk=late.pk).update(enqueued_at=timezone.now() - timedelta(minutes=11))
    response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json()["worker"] == "late"
    assert response.json()["oldest_pending_task_age_seconds"] >= 660
    assert "claire" not in response.content.decode()  # ages and states only


def test_health_answers_503_when_the_cache_fails(client, workers_alive):
    with mock.patch.object(worker_status, "heartbeat_ages", side_effect=ConnectionError("redis down")):
        response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json()["cache"] == "error"
    assert "redis" not in response.content.decode()


# GBM's banner -------------------------------------------------------------------------------------------------------


def test_gbm_home_warns_of_a_worker_silent_for_ten_minutes(client, gbm_officer):
    worker_status.beat(worker_status.WATCHED_QUEUES, now=time.time() - 11 * 60)
    client.force_login(gbm_officer)
    content = client.get("/").content.decode()
    assert "ne répond plus depuis au moins 10 minutes" in content


def test_gbm_home_says_nothing_while_the_workers_beat(client, gbm_officer, workers_alive):
    worker_status.beat(worker_status.WATCHED_QUEUES, now=time.time() - 9 * 60)
    client.force_login(gbm_officer)
    content = client.get("/").content.decode()
    assert "ne répond plus" not in content
    assert "courriels en échec" not in content


def test_gbm_home_leads_to_the_failed_mails(client, gbm_officer, workers_alive):
    failed_mail()
    client.force_login(gbm_officer)
    content = client.get("/").content.decode()
    assert "Des courriels n&#x27;ont pas pu être envoyés malgré plusieurs tentatives." in content
    assert f'href="{reverse("failed_mails")}"' in content


@pytest.mark.parametrize("role", ["consultant", "elu"])
def test_other_homes_show_no_service_banner(client, role, request):
    failed_mail()
    client.force_login(request.getfixturevalue(role))
    content = client.get("/").content.decode()
    assert "ne répond plus" not in content
    assert "malgré plusieurs tentatives" not in content


def test_a_check_is_one_function_in_the_list(monkeypatch):
    monkeypatch.setattr(
        service_status, "CHECKS", [lambda: [service_status.Alert("Aucune sauvegarde depuis 2 jours.")]]
    )
    assert [alert.message for alert in service_status.alerts()] == ["Aucune sauvegarde depuis 2 jours."]


# Failed mails page and « Renvoyer » ---------------------------------------------------------------------------------


def test_officers_see_each_failed_mail_with_its_error(client, gbm_officer, django_assert_max_num_queries):
    failed_mail()
    client.force_login(gbm_officer)
    client.get(reverse("failed_mails"))
    for n in range(5):
        failed_mail({**MESSAGE, "to": [f"p{n}@example.org"]})
    with django_assert_max_num_queries(8) as captured:
        response = client.get(reverse("failed_mails"))
    few = len(captured.captured_queries)
    content = response.content.decode()
    assert response.status_code == 200
    assert "claire@example.org" in content and "[Portail PAT] Atelier programmé" in content
    assert "SMTPRecipientsRefused" in content
    assert content.count(">Renvoyer</button>") == 6
    failed_mail({**MESSAGE, "to": ["late@example.org"]})
    with django_assert_max_num_queries(few):
        client.get(reverse("failed_mails"))


@pytest.mark.parametrize("role", ["consultant", "elu"])
def test_others_may_neither_see_nor_resend_failed_mails(client, role, request):
    result = failed_mail()
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("failed_mails")).status_code == 403
    assert client.post(reverse("resend_failed_mail", args=[result.pk])).status_code == 403
    assert DBTaskResult.objects.filter(pk=result.pk, status="FAILED").exists()
    assert mail.outbox == []


def test_anonymous_is_sent_to_login(client):
    result = failed_mail()
    assert_redirects_to_login(client.get(reverse("failed_mails")))
    assert_redirects_to_login(client.post(reverse("resend_failed_mail", args=[result.pk])))
    assert DBTaskResult.objects.filter(pk=result.pk).exists()


def test_resend_queues_the_mail_once_even_on_a_double_click(client, gbm_officer):
    result = failed_mail()
    client.force_login(gbm_officer)
    url = reverse("resend_failed_mail", args=[result.pk])
    first = client.post(url, follow=True)
    assert "Le courriel est de nouveau en file d&#x27;envoi." in first.content.decode()
    assert [message.to for message in mail.outbox] == [["claire@example.org"]]  # from its first attempt, sent
    assert not DBTaskResult.objects.filter(pk=result.pk).exists()
    second = client.post(url, follow=True)
    assert "Ce courriel avait déjà été renvoyé." in second.content.decode()
    assert len(mail.outbox) == 1


class RefusingBackend(locmem.EmailBackend):
    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        raise smtplib.SMTPException("refused")


def test_a_resent_mail_is_tried_again_from_its_first_attempt(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.calls = 0
    assert worker_status.resend_failed_mail(failed_mail().pk) is True
    assert RefusingBackend.calls == tasks.MAX_ATTEMPTS  # attempts 1, 2 and 3 (at once with the tests' backend)


# Subjects -----------------------------------------------------------------------------------------------------------


def test_a_line_break_in_a_subject_no_longer_loses_the_mail():
    tasks.send_email.enqueue({**MESSAGE, "subject": "[Portail PAT] Atelier « Eau\r\net  sols »\n"})
    assert [message.subject for message in mail.outbox] == ["[Portail PAT] Atelier « Eau et sols »"]
