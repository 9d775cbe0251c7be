"""No request waits on a cold layout of a long PDF (issue 19): the task worker lays it out while the page says
« Document en préparation » and reloads itself, then the reload gets the file. Frozen versions are laid out by the
worker too: the validation is recorded at once, the file is stored when ready.

The test settings run tasks at once (immediate backend); here a dummy backend keeps them queued, as the database
backend does until `db_worker` picks them up, and the test runs them when it chooses.
"""

import hashlib
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks import default_task_backend

from core import pdf, pdf_layout
from core.deliverables import reissue_deliverable, submit_deliverable, validate_deliverable
from core.models import Deliverable
from tests.factories import ProgrammeFactory
from tests.factories_mission1 import AccompanimentFactory, DiagnosticFactory
from tests.factories_orders import OrderFormFactory

pytestmark = pytest.mark.django_db

QUEUED = override_settings(
    TASKS={
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "mail", "documents"]}
    }
)


def run_queued_tasks() -> int:
    """What `manage.py db_worker` does: run each queued task, once."""
    results = list(default_task_backend.results)
    default_task_backend.clear()
    for result in results:
        result.task.call(*result.args, **result.kwargs)
    return len(results)


@pytest.fixture
def empty_pdf_cache():
    caches["pdfs"].clear()


@pytest.fixture
def long_documents(monkeypatch, empty_pdf_cache):
    """Every document counts as long (the scenario's are a page or two)."""
    monkeypatch.setattr(pdf, "LONG_HTML_CHARS", 0)


def in_this_process(html, *, archival=False, key=None, budget=None):
    return pdf_layout.lay_out(html, archival=archival, key=key)


@pytest.fixture
def layouts():
    """WeasyPrint's layout, counted; the worker's tasks lay out in this process (not in their child process with a
    time budget, tested in test_worker_service.py), so that the count sees their layouts."""
    with (
        mock.patch("weasyprint.HTML.write_pdf", autospec=True, return_value=b"%PDF-laid-out") as write_pdf,
        mock.patch("core.tasks.lay_out_within_budget", side_effect=in_this_process),
    ):
        yield write_pdf


@QUEUED
def test_a_long_document_is_prepared_by_the_worker_then_offered(client, gbm_officer, long_documents, layouts):
    ProgrammeFactory()
    client.force_login(gbm_officer)
    waiting = client.get("/bilan/pdf/")
    assert waiting.status_code == 202
    content = waiting.content.decode()
    assert "Document en préparation" in content
    assert '<meta http-equiv="refresh" content="3">' in content
    assert '<a href="/bilan/pdf/">Actualiser maintenant</a>' in content
    assert "no-store" in waiting["Cache-Control"]
    assert layouts.call_count == 0  # the request did not lay anything out

    assert client.get("/bilan/pdf/").status_code == 202  # reloaded before the worker got to it: still waiting
    assert run_queued_tasks() == 1  # ... and queued once, not once per reload
    assert layouts.call_count == 1

    ready = client.get("/bilan/pdf/")
    assert ready.status_code == 200
    assert ready["Content-Type"] == "application/pdf"
    assert ready.content == b"%PDF-laid-out"
    assert layouts.call_count == 1


@QUEUED
def test_the_reload_gets_the_document_asked_for_even_when_what_it_prints_has_changed(
    client, gbm_officer, long_documents, layouts
):
    """A report prints the time of day: its HTML changes between the request and the reload, which must not queue
    the layout again and again."""
    programme = ProgrammeFactory(name="Programme de printemps")
    client.force_login(gbm_officer)
    assert client.get("/bilan/pdf/").status_code == 202
    programme.name = "Programme d'automne"
    programme.save()
    assert client.get("/bilan/pdf/").status_code == 202  # the first layout is still pending: nothing queued
    assert run_queued_tasks() == 1
    assert client.get("/bilan/pdf/").content == b"%PDF-laid-out"


@QUEUED
def test_short_documents_are_laid_out_in_the_request(client, gbm_officer, empty_pdf_cache, layouts):
    order_form = OrderFormFactory()
    client.force_login(gbm_officer)
    response = client.get(reverse("missions:order_form_pdf", args=[order_form.pk]))
    assert response.status_code == 200 and response.content == b"%PDF-laid-out"
    assert default_task_backend.results == []


def test_with_tasks_run_at_once_the_first_request_gets_the_file(client, gbm_officer, long_documents, layouts):
    ProgrammeFactory()
    client.force_login(gbm_officer)
    response = client.get("/bilan/pdf/")
    assert response.status_code == 200 and response.content == b"%PDF-laid-out"


@pytest.fixture
def submitted(commune, consultant):
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)
    return submit_deliverable(subject=diagnostic, by=consultant)


@QUEUED
def test_validation_is_recorded_at_once_and_the_frozen_file_stored_by_the_worker(client, gbm_officer, submitted):
    validated = validate_deliverable(deliverable=submitted, by=gbm_officer)
    validated.refresh_from_db()
    assert validated.status == Deliverable.Status.VALIDATED and validated.reviewed_by == gbm_officer
    assert (validated.sha256, validated.frozen_file_pending, validated.is_frozen) == ("", True, False)

    client.force_login(gbm_officer)
    page = client.get(reverse("deliverable_pdf", args=[validated.pk]))
    assert page.status_code == 202 and "Document en préparation" in page.content.decode()

    assert run_queued_tasks() == 1
    validated.refresh_from_db()
    assert validated.is_frozen
    with validated.pdf.open("rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"%PDF") and hashlib.sha256(stored).hexdigest() == validated.sha256
    assert validated.pdf_size == len(stored)
    download = client.get(reverse("deliverable_pdf", args=[validated.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == stored


@QUEUED
def test_a_version_withdrawn_before_its_file_is_ready_gets_no_file(gbm_officer, submitted):
    validated = validate_deliverable(deliverable=submitted, by=gbm_officer)
    reissue_deliverable(deliverable=validated, by=gbm_officer, reason="Une personne a demandé son effacement.")
    run_queued_tasks()
    validated.refresh_from_db()
    assert validated.status == Deliverable.Status.WITHDRAWN
    assert (validated.sha256, validated.pdf.name) == ("", "")


@QUEUED
def test_outside_a_get_a_layout_is_never_deferred(client, gbm_officer, long_documents, layouts):
    """Only a GET is answered with the waiting page: a form's answer, a frozen version, a task are laid out in place."""
    with pdf.capturing_layouts() as captured:
        assert pdf.render_pdf("layout/base_pdf.html", {}, archival=True) == b""
    assert len(captured) == 1 and "<html" in captured[0]
    assert pdf.deferring_for.get() is None
    assert pdf.render_pdf("layout/base_pdf.html", {}) == b"%PDF-laid-out"  # outside a GET: laid out at once


def test_a_document_page_reads_its_versions_once_for_its_pdf_button_and_its_panel(
    client, gbm_officer, consultant, submitted
):
    validated = validate_deliverable(deliverable=submitted, by=gbm_officer)
    insee = validated.commune.insee_code
    client.force_login(gbm_officer)
    url = reverse("missions:diagnostic", kwargs={"insee_code": insee})
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        content = client.get(url).content.decode()
    reads = [query["sql"] for query in captured.captured_queries if 'FROM "pat_portal_deliverable"' in query["sql"]]
    assert len(reads) == 1
    assert f"Version {validated.version} validée le" in content  # the panel
    assert reverse("deliverable_pdf", args=[validated.pk]) in content  # the frozen file it offers
