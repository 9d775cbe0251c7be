"""Frozen workshop reports follow the live contact list (issue 15, item 3).

The validated report carries the consented contact list: it goes to the same people as the live list (one rule,
`access.can_see_workshop_contact_list`); GBM re-issues a frozen report (the old version withdrawn from download, its
hash kept for the record); a consent withdrawal re-issues the reports that carried the person's details.
"""

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from ateliers.models import Registration, WorkshopReport
from ateliers.services import withdraw_consent
from core.deliverables import reissue_deliverable, submit_deliverable, validate_deliverable
from core.models import Deliverable, WorkflowError
from tests.factories import CommuneFactory, ContactFactory, UserFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

SHARED_EMAIL = "cuenot@example.org"
SHARED_PHONE = "03 81 11 22 33"


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def frozen_report(commune, consultant, gbm_officer):
    """A held workshop of Amagney's people (one consenting with e-mail and phone), its report validated."""
    workshop = WorkshopFactory(held=True, title="La cantine en circuit court")
    RegistrationFactory(
        workshop=workshop,
        present=True,
        consenting=True,
        contact=ContactFactory(
            last_name="Cuenot", first_name="Bernard", commune=commune, email=SHARED_EMAIL, phone=SHARED_PHONE
        ),
    )
    RegistrationFactory(workshop=workshop, present=True, contact=ContactFactory(commune=commune))
    report = workshop.report
    report.text = "Les élus ont partagé leurs marchés."
    report.save()
    return validate_deliverable(deliverable=submit_deliverable(subject=report, by=consultant), by=gbm_officer)


def test_elu_of_a_commune_that_did_not_take_part_is_refused_the_frozen_report_as_the_live_list(
    client, frozen_report, elu_other_commune
):
    workshop = frozen_report.subject.workshop
    client.force_login(elu_other_commune)
    assert client.get(reverse("ateliers:contacts_export", args=[workshop.pk, "csv"])).status_code == 403
    assert client.get(reverse("deliverable_pdf", args=[frozen_report.pk])).status_code == 403
    # The version is still listed on the report's page, without a download link.
    page = client.get(reverse("ateliers:report", args=[workshop.pk])).content.decode()
    assert "Version 1 validée le" in page and reverse("deliverable_pdf", args=[frozen_report.pk]) not in page


def test_elu_whose_commune_took_part_downloads_the_frozen_report_with_the_shared_contacts(client, frozen_report, elu):
    workshop = frozen_report.subject.workshop
    client.force_login(elu)
    assert client.get(reverse("ateliers:contacts_export", args=[workshop.pk, "csv"])).status_code == 200
    response = client.get(reverse("deliverable_pdf", args=[frozen_report.pk]))
    assert response.status_code == 200
    assert SHARED_EMAIL in pdf_text(downloaded(response))
    assert (
        reverse("deliverable_pdf", args=[frozen_report.pk]) in client.get(workshop.get_absolute_url()).content.decode()
    )


def test_an_elu_elsewhere_whose_commune_later_takes_part_gets_the_report_too(client, frozen_report):
    elsewhere = CommuneFactory()
    elu_elsewhere = UserFactory(elu=True, commune=elsewhere)
    url = reverse("deliverable_pdf", args=[frozen_report.pk])
    client.force_login(elu_elsewhere)
    assert client.get(url).status_code == 403
    RegistrationFactory(workshop=frozen_report.subject.workshop, contact=ContactFactory(commune=elsewhere))
    response = client.get(url)
    assert response.status_code == 200
    downloaded(response)


def test_gbm_reissues_a_frozen_report_the_old_version_is_withdrawn_from_download_its_hash_kept(
    client, frozen_report, gbm_officer, elu, django_capture_on_commit_callbacks
):
    old_hash, old_size, old_file = frozen_report.sha256, frozen_report.pdf_size, frozen_report.pdf.name
    client.force_login(gbm_officer)
    url = reverse("deliverable_reissue", args=[frozen_report.pk])
    form = client.get(url)
    assert form.status_code == 200 and "Motif de la réédition" in form.content.decode()
    refused = client.post(url, {"reason": "  "})
    assert "Indiquez le motif de la réédition." in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Coordonnées à retirer"}, follow=True)
    assert "Version 2 émise ; la version 1 est retirée." in response.content.decode()

    frozen_report.refresh_from_db()
    assert frozen_report.status == Deliverable.Status.WITHDRAWN and frozen_report.is_withdrawn
    assert (frozen_report.sha256, frozen_report.pdf_size) == (old_hash, old_size)
    assert frozen_report.withdrawn_by == gbm_officer and frozen_report.withdrawal_reason == "Coordonnées à retirer"
    assert not frozen_report.pdf and not default_storage.exists(old_file)
    assert old_hash in response.content.decode()  # the record stays on the report's page, with its full hash
    assert client.get(reverse("deliverable_pdf", args=[frozen_report.pk])).status_code == 404

    new = Deliverable.objects.get(reissue_of=frozen_report)
    assert (new.version, new.status, new.reviewed_by) == (2, Deliverable.Status.VALIDATED, gbm_officer)
    assert new.content_sha256 == frozen_report.content_sha256 and new.integrity_ok()
    content = downloaded(client.get(reverse("deliverable_pdf", args=[new.pk])))
    assert hashlib.sha256(content).hexdigest() == new.sha256
    assert "à la place de la version 1" in " ".join(pdf_text(content).split())
    client.force_login(elu)
    assert client.get(reverse("deliverable_pdf", args=[frozen_report.pk])).status_code == 404


def test_only_gbm_reissues(client, frozen_report, consultant, elu):
    url = reverse("deliverable_reissue", args=[frozen_report.pk])
    client.force_login(consultant)
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(elu)
    assert client.post(url, {"reason": "x"}).status_code == 403
    with pytest.raises(WorkflowError, match="motif"):
        reissue_deliverable(deliverable=frozen_report, by=UserFactory(gbm=True), reason=" ")
    frozen_report.refresh_from_db()
    assert frozen_report.is_frozen and Deliverable.objects.count() == 1


def test_consent_withdrawal_reissues_the_frozen_report_without_the_persons_details(client, frozen_report, consultant):
    withdraw_consent(registration=Registration.objects.get(contact__last_name="Cuenot"), by=consultant)
    frozen_report.refresh_from_db()
    assert frozen_report.is_withdrawn and "consentement" in frozen_report.withdrawal_reason
    new = Deliverable.objects.get(reissue_of=frozen_report)
    client.force_login(consultant)
    text = pdf_text(downloaded(client.get(reverse("deliverable_pdf", args=[new.pk]))))
    assert "Les élus ont partagé leurs marchés." in text
    assert SHARED_EMAIL not in text and "".join(SHARED_PHONE.split()) not in "".join(text.split())


def test_a_report_edited_since_validation_is_withdrawn_not_reissued(frozen_report, consultant, gbm_officer):
    report = WorkshopReport.objects.get(pk=frozen_report.object_id)
    report.text = "Texte revu après validation."
    report.mark_edited()
    report.save()
    assert reissue_deliverable(deliverable=frozen_report, by=gbm_officer, reason="Coordonnées à retirer") is None
    frozen_report.refresh_from_db()
    assert frozen_report.is_withdrawn and Deliverable.objects.count() == 1
