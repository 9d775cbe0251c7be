import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from icalendar import Calendar
from openpyxl import load_workbook
from pypdf import PdfReader

from ateliers.models import Registration, Resource, WorkshopReport
from ateliers.services import withdraw_consent
from core.deliverables import submit_deliverable, validate_deliverable
from core.models import Deliverable, WorkflowStatus
from tests.factories import CommuneFactory, ContactFactory, UserFactory
from tests.factories_ateliers import RegistrationFactory, ResourceFactory, WorkshopFactory, WorkshopTestimonyFactory
from tests.harness.assertions import assert_redirects_to_login

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def held_workshop(commune, other_commune):
    """A held workshop: two consenting participants, one who did not consent, one absent."""
    workshop = WorkshopFactory(held=True, title="La cantine de Devecey")
    WorkshopTestimonyFactory(workshop=workshop, speaker="Karim Benali")
    RegistrationFactory(
        workshop=workshop,
        present=True,
        consenting=True,
        contact=ContactFactory(
            last_name="Cuenot", first_name="Bernard", commune=commune, category="elu", email="cuenot@example.org"
        ),
    )
    RegistrationFactory(
        workshop=workshop,
        present=True,
        consenting=True,
        contact=ContactFactory(
            last_name="Benali",
            first_name="Karim",
            commune=other_commune,
            category="restauration",
            email="k@example.org",
        ),
    )
    RegistrationFactory(
        workshop=workshop,
        present=True,
        contact=ContactFactory(
            last_name="Secret", first_name="Sam", commune=commune, email="secret@example.org", phone="06 99 99 99 99"
        ),
    )
    RegistrationFactory(
        workshop=workshop, absent=True, consenting=True, contact=ContactFactory(last_name="Absente", commune=commune)
    )
    report = workshop.report
    report.text = "Les élus ont échangé sur les coûts."
    report.save()
    return workshop


@pytest.mark.django_db
def test_report_pdf_lists_consenting_participants_only_and_counts_everyone(client, consultant, held_workshop):
    client.force_login(consultant)
    response = client.get(reverse("ateliers:report_pdf", args=[held_workshop.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Compte rendu d'atelier" in text and "Karim Benali" in text
    assert "cuenot@example.org" in text and "k@example.org" in text
    assert "Secret" not in text and "secret@example.org" not in text and "06 99 99 99 99" not in text
    assert "Absente" not in text
    assert "3 participant·e·s" in text
    assert "1 participant·e ne l'a pas accepté" in text
    assert "Les élus ont échangé sur les coûts." in text
    assert "Amagney" in text and "Devecey" in text


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_contact_exports_list_consenting_participants_only(client, consultant, held_workshop, fmt):
    client.force_login(consultant)
    response = client.get(reverse("ateliers:contacts_export", args=[held_workshop.pk, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    if fmt == "csv":
        content = streamed(response).decode("utf-8")
        assert content.startswith("\ufeffNom;Prénom;Organisme")
        rows = content.strip().splitlines()
    else:
        sheet = load_workbook(io.BytesIO(streamed(response))).active
        rows = [";".join(str(value or "") for value in row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    body = "\n".join(rows)
    assert len(rows) == 3
    assert "cuenot@example.org" in body and "k@example.org" in body
    assert "Secret" not in body and "secret@example.org" not in body and "Absente" not in body


@pytest.mark.django_db
def test_withdrawn_consent_is_honoured_by_lists_generated_afterwards(client, consultant, held_workshop):
    registration = Registration.objects.get(contact__last_name="Cuenot")
    withdraw_consent(registration=registration, by=consultant)
    client.force_login(consultant)
    csv = streamed(client.get(reverse("ateliers:contacts_export", args=[held_workshop.pk, "csv"]))).decode()
    assert "cuenot@example.org" not in csv and "k@example.org" in csv
    text = pdf_text(client.get(reverse("ateliers:report_pdf", args=[held_workshop.pk])).content)
    assert "cuenot@example.org" not in text
    assert "2 participant·e·s ne l'ont pas accepté" in text
    assert "3 participant·e·s" in text


@pytest.mark.django_db
def test_frozen_report_is_never_rewritten_a_withdrawal_reissues_it_as_the_next_version(
    consultant, gbm_officer, held_workshop
):
    deliverable = submit_deliverable(subject=held_workshop.report, by=consultant)
    deliverable = validate_deliverable(deliverable=deliverable, by=gbm_officer)
    frozen_hash, frozen_size = deliverable.sha256, deliverable.pdf_size
    withdraw_consent(registration=Registration.objects.get(contact__last_name="Cuenot"), by=consultant)
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.WITHDRAWN and not deliverable.pdf
    assert (deliverable.sha256, deliverable.pdf_size) == (frozen_hash, frozen_size)
    reissued = Deliverable.objects.get(reissue_of=deliverable)
    assert reissued.version == 2 and reissued.integrity_ok() and reissued.sha256 != frozen_hash
    assert Registration.objects.get(contact__last_name="Cuenot").consent_withdrawn_at is not None


@pytest.mark.django_db
def test_report_goes_from_draft_to_validated_in_the_browser(client, consultant, gbm_officer, elu, held_workshop):
    report = held_workshop.report
    report.text = ""
    report.save()
    client.force_login(consultant)
    submit_url = reverse("deliverable_submit", args=[WorkshopReport.deliverable_kind, report.pk])
    client.post(submit_url)
    report.refresh_from_db()
    assert report.workflow_status == WorkflowStatus.DRAFT  # an empty report cannot be submitted
    response = client.post(
        reverse("ateliers:report_update", args=[held_workshop.pk]),
        {"text": "Échanges riches.", "lock_version": report.lock_version},
    )
    assert response.status_code == 302
    assert client.post(submit_url).status_code == 302
    report.refresh_from_db()
    assert report.workflow_status == WorkflowStatus.SUBMITTED
    response = client.get(reverse("ateliers:report_update", args=[held_workshop.pk]))
    assert response.status_code == 302  # no edit while GBM reviews it

    client.force_login(elu)
    assert client.post(submit_url).status_code == 403
    deliverable = Deliverable.objects.get(kind=Deliverable.Kind.WORKSHOP_REPORT)
    client.force_login(gbm_officer)
    assert client.post(reverse("deliverable_validate", args=[deliverable.pk])).status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.is_frozen and deliverable.commune is None

    client.force_login(elu)
    content = client.get(held_workshop.get_absolute_url()).content.decode()
    assert reverse("deliverable_pdf", args=[deliverable.pk]) in content
    response = client.get(reverse("deliverable_pdf", args=[deliverable.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)  # reading it to the end closes it (a second close() would drop the DB)
    assert "Échanges riches." in client.get(reverse("ateliers:report", args=[held_workshop.pk])).content.decode()


@pytest.mark.django_db
def test_report_cannot_be_submitted_before_attendance_is_marked(consultant):
    from core.deliverables import WorkflowError

    workshop = WorkshopFactory(held=True)
    RegistrationFactory(workshop=workshop)
    workshop.report.text = "Texte"
    workshop.report.save()
    with pytest.raises(WorkflowError, match="Marquez la présence"):
        submit_deliverable(subject=workshop.report, by=consultant)


@pytest.mark.django_db
def test_elu_never_sees_a_draft_report_nor_its_live_pdf(client, elu, held_workshop):
    client.force_login(elu)
    content = client.get(reverse("ateliers:report", args=[held_workshop.pk])).content.decode()
    assert "Les élus ont échangé" not in content
    # Their commune took part: they will get the validated report there (issue 17), never the draft (404 until then).
    assert client.get(reverse("ateliers:report_pdf", args=[held_workshop.pk])).status_code == 404
    assert client.get(reverse("ateliers:attendance_pdf", args=[held_workshop.pk])).status_code == 403


@pytest.mark.django_db
def test_attendance_sheet_pdf_has_names_communes_and_no_contact_details(client, consultant, held_workshop):
    client.force_login(consultant)
    response = client.get(reverse("ateliers:attendance_pdf", args=[held_workshop.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Feuille d'émargement" in text and "Signature" in text and "J'accepte le" in text
    assert "SECRET Sam" in text and "Amagney" in text
    assert "secret@example.org" not in text and "cuenot@example.org" not in text


@pytest.mark.django_db
def test_attendance_sheet_goes_through_the_workflow(consultant, gbm_officer, held_workshop):
    deliverable = submit_deliverable(subject=held_workshop.attendance_sheet, by=consultant)
    deliverable = validate_deliverable(deliverable=deliverable, by=gbm_officer)
    assert deliverable.kind == Deliverable.Kind.ATTENDANCE_SHEET and deliverable.is_frozen


@pytest.mark.django_db
def test_elu_gets_the_contact_list_only_when_their_commune_took_part(client, elu, elu_other_commune, held_workshop):
    url = reverse("ateliers:contacts_export", args=[held_workshop.pk, "csv"])
    client.force_login(elu)
    assert client.get(url).status_code == 200
    elu_elsewhere = UserFactory(username="elu_elsewhere", elu=True, commune=CommuneFactory())
    client.force_login(elu_elsewhere)
    assert client.get(url).status_code == 403
    assert client.get(f"/ateliers/{held_workshop.pk}/contacts.pdf").status_code == 404


def _grow(workshop, count):
    commune = CommuneFactory()
    registered_by = UserFactory(consultant=True)
    for index in range(count):
        RegistrationFactory(
            workshop=workshop,
            present=True,
            registered_by=registered_by,
            contact=ContactFactory(commune=commune),
            consenting=bool(index % 2),
        )


@pytest.mark.django_db
def test_report_pdf_and_exports_query_counts_do_not_grow(client, consultant, count_queries):
    workshop = WorkshopFactory(held=True)
    ResourceFactory(workshop=workshop)
    _grow(workshop, 1)
    client.force_login(consultant)
    urls = [
        reverse("ateliers:report_pdf", args=[workshop.pk]),
        reverse("ateliers:attendance_pdf", args=[workshop.pk]),
        reverse("ateliers:contacts_export", args=[workshop.pk, "csv"]),
        reverse("ateliers:contacts_export", args=[workshop.pk, "xlsx"]),
    ]

    def fetch(url):
        response = client.get(url)
        if response.streaming:
            streamed(response)

    one = [count_queries(lambda url=url: fetch(url)) for url in urls]
    _grow(workshop, 99)
    many = [count_queries(lambda url=url: fetch(url)) for url in urls]
    assert one == many


@pytest.mark.django_db
def test_team_uploads_a_resource_that_participants_download_as_attachment(client, consultant, elu):
    workshop = WorkshopFactory()
    client.force_login(consultant)
    url = reverse("ateliers:resource_create", args=[workshop.pk])
    response = client.post(url, {"title": "Cahier des charges", "file": SimpleUploadedFile("../cahier <v2>.pdf", PDF)})
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.file.name.startswith("ateliers/ressources/") and resource.file_size == len(PDF)
    assert resource.history.count() == 1
    client.force_login(elu)
    response = client.get(resource.download_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert streamed(response) == PDF
    client.logout()
    assert_redirects_to_login(client.get(resource.download_url()))


@pytest.mark.django_db
def test_oversized_and_mismatched_uploads_are_refused_with_a_clear_message(client, consultant, settings):
    workshop = WorkshopFactory()
    client.force_login(consultant)
    url = reverse("ateliers:resource_create", args=[workshop.pk])
    response = client.post(url, {"title": "Photo", "file": SimpleUploadedFile("photo.pdf", PNG)})
    assert response.status_code == 200
    assert "mais son contenu est un image PNG" in response.content.decode()
    big = SimpleUploadedFile("gros.pdf", PDF + b"0" * (10 * 1024 * 1024))
    response = client.post(url, {"title": "Gros", "file": big})
    assert response.status_code == 200
    assert "la taille maximale est de 10 Mo" in response.content.decode()
    response = client.post(url, {"title": "Rien"})
    assert "Joignez un fichier ou indiquez un lien" in response.content.decode()
    response = client.post(url, {"title": "FTP", "url": "ftp://example.org/x"})
    assert response.status_code == 200
    assert not Resource.objects.exists()


@pytest.mark.django_db
def test_link_resources_and_role_rules(client, consultant, elu):
    workshop = WorkshopFactory()
    client.force_login(elu)
    url = reverse("ateliers:resource_create", args=[workshop.pk])
    assert client.post(url, {"title": "Lien", "url": "https://example.org"}).status_code == 403
    resource = ResourceFactory(workshop=workshop)
    delete_url = reverse("ateliers:resource_delete", args=[workshop.pk, resource.pk])
    assert client.post(delete_url).status_code == 403
    assert client.get(resource.download_url()).status_code == 302
    client.force_login(consultant)
    assert client.post(url, {"title": "Lien", "url": "https://example.org/guide"}).status_code == 302
    assert client.post(delete_url).status_code == 302
    assert list(Resource.objects.values_list("title", flat=True)) == ["Lien"]
    assert client.get(reverse("ateliers:resource_download", args=[workshop.pk + 1, 1])).status_code == 404


@pytest.mark.django_db
def test_ical_feed_parses_and_lists_upcoming_workshops(client, elu):
    upcoming = WorkshopFactory(title="Moins de gaspillage")
    cancelled = WorkshopFactory(title="Annulé", cancelled=True)
    WorkshopFactory(title="Déjà tenu", held=True)
    client.force_login(elu)
    response = client.get(reverse("ateliers:agenda"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {
        f"atelier-{upcoming.pk}@pat.grandbesancon.fr",
        f"atelier-{cancelled.pk}@pat.grandbesancon.fr",
    }
    event = events[f"atelier-{upcoming.pk}@pat.grandbesancon.fr"]
    assert "Moins de gaspillage" in str(event["summary"])
    assert event.decoded("dtstart") == upcoming.starts_at
    assert str(events[f"atelier-{cancelled.pk}@pat.grandbesancon.fr"]["status"]) == "CANCELLED"


@pytest.mark.django_db
def test_ical_feed_needs_login(client):
    assert_redirects_to_login(client.get(reverse("ateliers:agenda")))


@pytest.mark.django_db
def test_anonymous_is_redirected_from_documents(client):
    resource = ResourceFactory()
    workshop_pk = resource.workshop_id
    for url in [
        reverse("ateliers:report_pdf", args=[workshop_pk]),
        reverse("ateliers:attendance_pdf", args=[workshop_pk]),
        reverse("ateliers:contacts_export", args=[workshop_pk, "csv"]),
        reverse("ateliers:contacts_export", args=[workshop_pk, "xlsx"]),
        reverse("ateliers:resource_create", args=[workshop_pk]),
        reverse("ateliers:resource_delete", args=[workshop_pk, resource.pk]),
        resource.download_url(),
    ]:
        assert_redirects_to_login(client.get(url))
    assert_redirects_to_login(client.post(reverse("ateliers:resource_delete", args=[workshop_pk, resource.pk])))
    assert Resource.objects.count() == 1


@pytest.mark.django_db
def test_deleting_an_uploaded_resource_removes_its_file(client, consultant, django_capture_on_commit_callbacks):
    workshop = WorkshopFactory()
    client.force_login(consultant)
    client.post(
        reverse("ateliers:resource_create", args=[workshop.pk]),
        {"title": "Plan", "file": SimpleUploadedFile("plan.png", PNG)},
    )
    resource = Resource.objects.get()
    storage, name = resource.file.storage, resource.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ateliers:resource_delete", args=[workshop.pk, resource.pk]))
    assert response.status_code == 302
    assert not storage.exists(name) and not Resource.objects.exists()
    assert Resource.history.filter(history_type="-").count() == 1
