"""The PDF minors of issue 25: under `make run` a document being prepared answers « Document en préparation », never
a 500; right after a validation the main PDF button never hands out the draft; an erasure leaves no cached file
naming the person. And the waiting page says how long the layout should take (issue 26)."""

import time
from unittest import mock

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse
from django_tasks import default_task_backend

from communes.services import anonymise_contact
from core import accounts, pdf, pdf_layout
from core.deliverables import submit_deliverable, validate_deliverable
from tests.factories import ContactFactory, ProgrammeFactory
from tests.factories_mission1 import AccompanimentFactory, DiagnosticFactory

pytestmark = pytest.mark.django_db

ERROR_PAGES = "core.middleware.PortalErrorPagesMiddleware"
QUEUED = override_settings(
    TASKS={
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "mail", "documents"]}
    }
)


@pytest.fixture(autouse=True)
def empty_pdf_cache():
    caches["pdfs"].clear()
    yield
    caches["pdfs"].clear()


@pytest.fixture
def demo_settings(settings):
    """What `make run` serves with: DEBUG on, the portal's own error pages (core.middleware.PortalErrorPagesMiddleware)."""
    settings.DEBUG = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, ERROR_PAGES]
    return settings


@pytest.fixture
def long_documents(monkeypatch):
    monkeypatch.setattr(pdf, "LONG_HTML_CHARS", 0)


@pytest.fixture
def fake_layout():
    with mock.patch("weasyprint.HTML.write_pdf", autospec=True, return_value=b"%PDF-laid-out") as write_pdf:
        yield write_pdf


@pytest.fixture
def diagnostic(commune):
    return DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)


@QUEUED
def test_under_make_run_a_long_document_being_prepared_gets_the_waiting_page_not_a_500(
    demo_settings, client, gbm_officer, long_documents, fake_layout
):
    ProgrammeFactory()
    client.force_login(gbm_officer)
    client.raise_request_exception = False
    response = client.get(reverse("programme_report_pdf"))
    assert response.status_code == 202
    assert "Document en préparation" in response.content.decode()


@QUEUED
def test_under_make_run_a_frozen_file_being_prepared_gets_the_waiting_page_not_a_500(
    demo_settings, client, gbm_officer, consultant, diagnostic
):
    validated = validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer)
    client.force_login(gbm_officer)
    client.raise_request_exception = False
    response = client.get(reverse("deliverable_pdf", args=[validated.pk]))
    assert response.status_code == 202
    assert "Document en préparation" in response.content.decode()


@QUEUED
def test_right_after_validation_the_main_button_waits_for_the_validated_file_never_the_draft(
    client, gbm_officer, consultant, diagnostic, fake_layout
):
    validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer)
    client.force_login(gbm_officer)
    url = reverse("missions:diagnostic_pdf", args=[diagnostic.accompaniment.commune.insee_code])
    waiting = client.get(url)
    assert waiting.status_code == 202  # not the working draft
    assert "Document en préparation" in waiting.content.decode()
    assert fake_layout.call_count == 0

    for result in list(default_task_backend.results):  # the worker stores the frozen file
        result.task.call(*result.args, **result.kwargs)
    default_task_backend.clear()
    ready = client.get(url)
    assert ready.status_code == 200
    assert "_v1_" in ready["Content-Disposition"]  # the validated version's file, by its name
    assert b"".join(ready.streaming_content).startswith(b"%PDF")
    ready.close()


def test_before_any_validation_the_main_button_still_gives_the_working_draft(client, gbm_officer, diagnostic):
    client.force_login(gbm_officer)
    with mock.patch("weasyprint.HTML.write_pdf", autospec=True, return_value=b"%PDF-laid-out"):
        response = client.get(reverse("missions:diagnostic_pdf", args=[diagnostic.accompaniment.commune.insee_code]))
    assert response.status_code == 200 and "document-de-travail" in response["Content-Disposition"]


def kept(html: str) -> bool:
    return caches["pdfs"].get(pdf_layout.cache_key(html, False)) is not None


def test_an_erasure_purges_the_cached_files_once_committed(
    commune, gbm_officer, fake_layout, django_capture_on_commit_callbacks
):
    contact = ContactFactory(commune=commune, first_name="Odile", last_name="Rabier", email="odile@example.org")
    html = "<p>Odile Rabier, odile@example.org</p>"
    pdf_layout.lay_out(html)  # a document naming the person, kept in the cache
    assert kept(html)
    with django_capture_on_commit_callbacks(execute=True):
        anonymise_contact(contact=contact, by=gbm_officer)
        assert kept(html)  # not before the commit: a request could still write the name back meanwhile
    assert not kept(html)


def test_an_account_end_purges_the_cached_files(
    consultant, gbm_officer, fake_layout, django_capture_on_commit_callbacks
):
    html = f"<p>{consultant.get_full_name()}</p>"
    pdf_layout.lay_out(html)
    assert kept(html)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.set_end(consultant, ends_on=None, is_active=False, by=gbm_officer)
    assert not kept(html)


def test_a_document_written_before_a_purge_is_handed_out_but_not_kept(fake_layout):
    """The request wrote its HTML (naming the person), then the erasure was committed, then the layout ended."""
    with mock.patch.object(
        pdf, "render_to_string", side_effect=lambda *args: pdf_layout.purge_cache() or "<p>O. R.</p>"
    ):
        assert pdf.render_pdf("layout/base_pdf.html", {}) == b"%PDF-laid-out"
    assert not kept("<p>O. R.</p>")


@QUEUED
def test_the_worker_drops_a_document_queued_before_a_purge(client, gbm_officer, long_documents, fake_layout):
    ProgrammeFactory()
    client.force_login(gbm_officer)
    assert client.get(reverse("programme_report_pdf")).status_code == 202
    pdf_layout.purge_cache()  # an erasure, committed while the layout waits in the queue
    for result in list(default_task_backend.results):
        result.task.call(*result.args, **result.kwargs)
    default_task_backend.clear()
    assert fake_layout.call_count == 0  # not laid out: its HTML may name the erased person
    assert client.get(reverse("programme_report_pdf")).status_code == 202  # queued again, written anew


def test_a_layout_under_way_during_a_purge_is_handed_out_but_not_kept(fake_layout):
    """A layout under way while a person is erased may hold their name: it is not kept in the cache."""
    real = pdf_layout._write_pdf

    def purged_meanwhile(html, archival):
        laid_out = real(html, archival)
        pdf_layout.purge_cache()
        return laid_out

    html = "<p>Odile Rabier</p>"
    with mock.patch.object(pdf_layout, "_write_pdf", side_effect=purged_meanwhile):
        assert pdf_layout.lay_out(html) == b"%PDF-laid-out"  # the person asking gets it
    assert not kept(html)


# How long « Document en préparation » expects the layout to take (issue 26) ------------------------------------------


@QUEUED
def test_the_waiting_page_says_how_long_the_layout_should_take(client, gbm_officer, long_documents, fake_layout):
    ProgrammeFactory()
    caches["pdfs"].set(pdf_layout.SPEED_KEY, 1.0)  # one second per 1,000 characters, as measured by the worker
    client.force_login(gbm_officer)
    content = client.get(reverse("programme_report_pdf")).content.decode()
    seconds = int(content.split("devrait prendre environ ")[1].split(" ")[0])
    html_chars = len(default_task_backend.results[0].args[0])
    assert seconds == round(html_chars / 1000)
    assert f"encore {seconds} secondes environ" in content or f"encore {seconds - 1} secondes environ" in content


@QUEUED
def test_the_waiting_page_of_a_validated_version_says_how_long_too(
    client, gbm_officer, consultant, diagnostic, fake_layout
):
    validated = validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer)
    client.force_login(gbm_officer)
    for url in (
        reverse("deliverable_pdf", args=[validated.pk]),
        reverse("missions:diagnostic_pdf", args=[diagnostic.accompaniment.commune.insee_code]),
    ):
        content = client.get(url).content.decode()
        assert "devrait prendre environ" in content, url


def test_a_layout_taking_longer_than_expected_says_so():
    caches["pdfs"].set("expected:pdf:x", {"since": time.time() - 60, "seconds": 12.4})  # queued a minute ago
    assert pdf_layout.expectation("pdf:x") == pdf_layout.Expectation(seconds=12, remaining=0)
    caches["pdfs"].set("expected:pdf:x", {"since": time.time() - 2.2, "seconds": 12.4})
    assert pdf_layout.expectation("pdf:x") == pdf_layout.Expectation(seconds=12, remaining=10)


def test_the_worker_speed_is_a_moving_average_of_long_layouts():
    pdf_layout.record_speed(2_000, 30.0)  # a short document: its fixed costs would skew the speed
    assert caches["pdfs"].get(pdf_layout.SPEED_KEY) is None
    pdf_layout.record_speed(20_000, 2.0)
    assert caches["pdfs"].get(pdf_layout.SPEED_KEY) == pytest.approx(0.1)
    pdf_layout.record_speed(20_000, 4.0)
    assert caches["pdfs"].get(pdf_layout.SPEED_KEY) == pytest.approx(0.7 * 0.1 + 0.3 * 0.2)
    assert pdf_layout.expected_seconds(50_000) == pytest.approx(50 * 0.13)
