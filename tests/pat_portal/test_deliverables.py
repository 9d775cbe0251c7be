import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from core.deliverables import WorkflowError, return_deliverable, submit_deliverable, validate_deliverable
from core.models import Deliverable, WorkflowStatus
from tests.factories_mission1 import AccompanimentFactory, DiagnosticFactory

pytestmark = pytest.mark.django_db


def read_stored(deliverable) -> bytes:
    with deliverable.pdf.open("rb") as handle:
        return handle.read()


@pytest.fixture
def diagnostic(commune):
    return DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)


def test_full_cycle_each_submission_is_a_version_and_a_returned_one_stays_on_record(
    diagnostic, consultant, gbm_officer
):
    deliverable = submit_deliverable(subject=diagnostic, by=consultant)
    assert (deliverable.version, deliverable.status) == (1, Deliverable.Status.SUBMITTED)
    diagnostic.refresh_from_db()
    assert diagnostic.workflow_status == WorkflowStatus.SUBMITTED

    return_deliverable(deliverable=deliverable, by=gbm_officer, comment="Compléter les données agricoles.")
    diagnostic.refresh_from_db()
    assert diagnostic.workflow_status == WorkflowStatus.RETURNED

    again = submit_deliverable(subject=diagnostic, by=consultant)
    assert again.pk != deliverable.pk and again.version == 2
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.RETURNED
    assert deliverable.review_comment == "Compléter les données agricoles."

    validated = validate_deliverable(deliverable=again, by=gbm_officer)
    assert validated.status == Deliverable.Status.VALIDATED
    assert validated.reviewed_by == gbm_officer
    diagnostic.refresh_from_db()
    assert diagnostic.workflow_status == WorkflowStatus.VALIDATED
    assert diagnostic.accompaniment.phase == "plan_actions"


def test_frozen_pdf_is_pdfa_and_its_hash_matches_the_stored_bytes(diagnostic, consultant, gbm_officer):
    deliverable = validate_deliverable(
        deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer
    )
    stored = read_stored(deliverable)
    assert hashlib.sha256(stored).hexdigest() == deliverable.sha256
    assert deliverable.pdf_size == len(stored)
    assert deliverable.integrity_ok()
    reader = PdfReader(io.BytesIO(stored))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in xmp and b"3" in xmp  # XMP metadata declares PDF/A-3 conformance
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Version 1 validée le" in text


def test_validated_version_never_changes_and_editing_starts_version_2(diagnostic, consultant, gbm_officer):
    first = validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer)
    first_bytes = read_stored(first)
    with pytest.raises(WorkflowError):
        validate_deliverable(deliverable=first, by=gbm_officer)
    with pytest.raises(WorkflowError, match="déjà validée"):
        submit_deliverable(subject=diagnostic, by=consultant)

    diagnostic.refresh_from_db()
    diagnostic.context = "Contexte révisé après validation"
    diagnostic.mark_edited()
    diagnostic.save()
    assert diagnostic.workflow_status == WorkflowStatus.DRAFT
    second = validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer)
    assert second.version == 2
    first.refresh_from_db()
    assert read_stored(first) == first_bytes
    assert first.integrity_ok() and second.integrity_ok()
    assert first.pdf.name != second.pdf.name


def test_illegal_transitions_are_refused_with_clear_messages(diagnostic, consultant, gbm_officer, elu):
    with pytest.raises(PermissionDenied):
        submit_deliverable(subject=diagnostic, by=elu)
    deliverable = submit_deliverable(subject=diagnostic, by=consultant)
    with pytest.raises(WorkflowError, match="déjà soumis"):
        submit_deliverable(subject=diagnostic, by=consultant)
    with pytest.raises(PermissionDenied):
        validate_deliverable(deliverable=deliverable, by=consultant)
    with pytest.raises(WorkflowError, match="Indiquez ce qui doit être corrigé"):
        return_deliverable(deliverable=deliverable, by=gbm_officer, comment="  ")
    return_deliverable(deliverable=deliverable, by=gbm_officer, comment="À revoir")
    with pytest.raises(WorkflowError, match="Seul un livrable soumis"):
        validate_deliverable(deliverable=deliverable, by=gbm_officer)


def test_empty_diagnostic_cannot_be_submitted(commune, consultant):
    empty = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), context="")
    with pytest.raises(WorkflowError, match="au moins un enjeu"):
        submit_deliverable(subject=empty, by=consultant)
    assert not Deliverable.objects.exists()


def test_workflow_through_the_browser_views(client, diagnostic, consultant, gbm_officer, commune):
    client.force_login(consultant)
    page = reverse("missions:diagnostic", args=[commune.insee_code])
    response = client.post(reverse("deliverable_submit", args=["diagnostic", diagnostic.pk]), follow=True)
    assert "Version 1 soumise" in response.content.decode()
    deliverable = Deliverable.objects.get()
    # A consultant cannot validate or send back.
    assert client.post(reverse("deliverable_validate", args=[deliverable.pk])).status_code == 403
    assert client.post(reverse("deliverable_return", args=[deliverable.pk]), {"comment": "x"}).status_code == 403
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED

    client.force_login(gbm_officer)
    response = client.post(reverse("deliverable_return", args=[deliverable.pk]), {"comment": ""})
    assert "Indiquez ce qui doit être corrigé" in response.content.decode()
    response = client.post(reverse("deliverable_validate", args=[deliverable.pk]), follow=True)
    assert response.redirect_chain[-1][0] == page
    assert "Version 1 validée" in response.content.decode()
    hub = client.get(commune.get_absolute_url()).content.decode()
    assert "version 1 validée le" in hub
    download = client.get(reverse("deliverable_pdf", args=[deliverable.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == Deliverable.objects.get().sha256


def test_elu_submit_is_403_and_changes_nothing(client, diagnostic, elu):
    client.force_login(elu)
    response = client.post(reverse("deliverable_submit", args=["diagnostic", diagnostic.pk]))
    # A draft is invisible to the élu: 404 before any permission question.
    assert response.status_code == 404
    diagnostic.workflow_status = WorkflowStatus.RETURNED
    diagnostic.save()
    assert not Deliverable.objects.exists()


def test_frozen_pdf_visibility(client, diagnostic, consultant, gbm_officer, elu, elu_other_commune):
    deliverable = validate_deliverable(
        deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer
    )
    url = reverse("deliverable_pdf", args=[deliverable.pk])
    client.force_login(elu)
    response = client.get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)  # reading it to the end closes the file
    client.force_login(elu_other_commune)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_awaiting_list_for_team_only(client, diagnostic, consultant, elu):
    submit_deliverable(subject=diagnostic, by=consultant)
    client.force_login(consultant)
    assert "Synthèse du diagnostic" in client.get(reverse("deliverable_list")).content.decode()
    client.force_login(elu)
    assert client.get(reverse("deliverable_list")).status_code == 403
