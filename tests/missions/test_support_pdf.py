import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.models import Deliverable, WorkflowStatus
from missions.support.models import FinancingLine, SupportStep
from tests.factories import ProgrammeFactory
from tests.factories_support import FinancingLineFactory, SupportRequestFactory, SupportStepFactory


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def followed_request(commune):
    support_request = SupportRequestFactory(
        commune=commune,
        programme=ProgrammeFactory(),
        completed=True,
        title="Verger conservatoire",
        organisation="Les Croqueurs de pommes",
        decision_reason="Projet cohérent avec le plan d'actions communal",
        support_nature="Montage et recherche de financements",
        allotted_half_days=Decimal("5"),
        outcomes="Trente arbres plantés en novembre",
        evaluation_successes="Forte mobilisation des habitants",
        evaluation_difficulties="Arrosage difficile en été",
        evaluation_next_steps="Former des référents taille",
    )
    SupportStepFactory(request=support_request, kind=SupportStep.Kind.IDEA, status=SupportStep.Status.DONE)
    SupportStepFactory(
        request=support_request,
        kind=SupportStep.Kind.FINANCING,
        status=SupportStep.Status.IN_PROGRESS,
        notes="Dossier Région déposé",
    )
    FinancingLineFactory(request=support_request, label="Arbres fruitiers", amount=Decimal("2500.00"))
    FinancingLineFactory(
        request=support_request, resource=True, label="Région Bourgogne-Franche-Comté", amount=Decimal("1500.00")
    )
    return support_request


@pytest.mark.django_db
def test_sheet_pdf_holds_every_section(client, consultant, followed_request):
    client.force_login(consultant)
    response = client.get(reverse("missions:support_pdf", args=[followed_request.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for expected in [
        "Fiche de suivi et d'évaluation",
        followed_request.reference,
        "Verger conservatoire",
        "Les Croqueurs de pommes",
        "Amagney",
        "Décision et motifs",
        "Projet cohérent avec le plan d'actions communal",
        "Montage et recherche de financements",
        "5 demi-journées",
        "Étapes de l'accompagnement",
        "De l'idée au projet",
        "Plan de financement",
        "Dossier Région déposé",
        "Arbres fruitiers",
        "Région Bourgogne-Franche-Comté",
        "Calendrier",
        "Résultats obtenus",
        "Trente arbres plantés en novembre",
        "Ce qui a fonctionné",
        "Forte mobilisation des habitants",
        "Ce qui n'a pas fonctionné",
        "Arrosage difficile en été",
        "Suites à donner",
        "Former des référents taille",
        "Document de travail, non validé",
    ]:
        assert expected in text, expected
    assert "-1 000,00" in text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.django_db
def test_sheet_goes_through_the_deliverable_workflow_and_elus_get_the_frozen_version(
    client, consultant, gbm_officer, elu, followed_request
):
    client.force_login(consultant)
    client.post(reverse("deliverable_submit", args=[Deliverable.Kind.SUPPORT_SHEET, followed_request.pk]))
    deliverable = Deliverable.objects.get()
    assert deliverable.kind == Deliverable.Kind.SUPPORT_SHEET
    assert deliverable.commune == followed_request.commune
    client.force_login(gbm_officer)
    client.post(reverse("deliverable_validate", args=[deliverable.pk]))
    deliverable.refresh_from_db()
    followed_request.refresh_from_db()
    assert deliverable.is_frozen
    assert followed_request.workflow_status == WorkflowStatus.VALIDATED
    with deliverable.pdf.open("rb") as handle:
        text = _text(handle.read())
    assert "Version 1 validée" in text
    assert "Former des référents taille" in text

    client.force_login(elu)
    detail = client.get(followed_request.get_absolute_url()).content.decode()
    assert reverse("deliverable_pdf", args=[deliverable.pk]) in detail
    hub = client.get(followed_request.commune.get_absolute_url()).content.decode()
    assert reverse("deliverable_pdf", args=[deliverable.pk]) in hub
    download = client.get(reverse("deliverable_pdf", args=[deliverable.pk]))
    assert download.status_code == 200
    b"".join(download.streaming_content)  # reading it to the end closes it


@pytest.mark.django_db
def test_a_sheet_cannot_be_submitted_before_acceptance(client, consultant, commune):
    support_request = SupportRequestFactory(commune=commune, under_review=True)
    client.force_login(consultant)
    response = client.post(
        reverse("deliverable_submit", args=[Deliverable.Kind.SUPPORT_SHEET, support_request.pk]), follow=True
    )
    assert "La fiche de suivi se soumet pour une demande acceptée" in response.content.decode()
    assert not Deliverable.objects.exists()


@pytest.mark.django_db
def test_editing_the_financing_plan_after_validation_starts_a_new_version(client, consultant, commune):
    support_request = SupportRequestFactory(
        commune=commune, in_progress=True, workflow_status=WorkflowStatus.VALIDATED
    )
    client.force_login(consultant)
    client.post(
        reverse("missions:support_financing", args=[support_request.pk]),
        {
            "lock_version": support_request.lock_version,
            "lignes-TOTAL_FORMS": "1",
            "lignes-INITIAL_FORMS": "0",
            "lignes-MIN_NUM_FORMS": "0",
            "lignes-MAX_NUM_FORMS": "1000",
            "lignes-0-nature": FinancingLine.Nature.EXPENSE,
            "lignes-0-label": "Grillage",
            "lignes-0-amount": "80",
        },
    )
    support_request.refresh_from_db()
    assert support_request.workflow_status == WorkflowStatus.DRAFT
