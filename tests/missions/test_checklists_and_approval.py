"""Before submitting, a checklist; the élu's approval with its délibération; what élus and the public get (issue 17)."""

import datetime
import html
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.deliverables import submit_deliverable, validate_deliverable
from core.models import Deliverable, WorkflowStatus
from missions.mission1.models.action_plans import ActionPlan
from tests.factories import ContactFactory, ProgrammeFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    StakeFactory,
)
from tests.factories_support import SupportRequestFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def text(response) -> str:
    return html.unescape(response.content.decode())


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def plan(commune):
    accompaniment = AccompanimentFactory(commune=commune, programme=ProgrammeFactory())
    return ActionPlanFactory(accompaniment=accompaniment)


def submit_url(subject) -> str:
    return reverse("deliverable_submit", args=[subject.deliverable_kind, subject.pk])


# Submission checklist ----------------------------------------------------------------------------------------------
def test_plan_with_blocking_items_is_refused_naming_each_of_them(client, consultant, plan):
    plan.summary = ""
    plan.save()
    ActionFactory(plan=plan, title="Verger partagé", start_month=None)
    client.force_login(consultant)
    response = client.post(submit_url(plan), follow=True)
    message = " ".join(flashed(response))
    assert "La soumission est refusée" in message
    assert "Rédigez la présentation du plan" in message
    assert "Donnez un calendrier (mois de début) à l'action « Verger partagé »" in message
    plan.refresh_from_db()
    assert plan.workflow_status == WorkflowStatus.DRAFT and not Deliverable.objects.exists()


def test_plan_with_only_advisory_items_is_submitted_with_warnings(client, consultant, plan):
    ActionFactory(plan=plan, title="Cantine bio", cost_estimate=Decimal("0"))
    client.force_login(consultant)
    response = client.post(submit_url(plan), follow=True)
    plan.refresh_from_db()
    assert plan.workflow_status == WorkflowStatus.SUBMITTED
    messages = flashed(response)
    assert "Version 1 soumise à la validation de GBM." in messages
    assert "À compléter si possible : Coût non chiffré pour l'action « Cantine bio »." in messages
    assert any("diagnostic de la commune est encore en brouillon" in message for message in messages)


def test_plan_page_shows_the_checklist_before_submitting(client, consultant, plan):
    plan.summary = ""
    plan.save()
    ActionFactory(plan=plan, cost_estimate=Decimal("0"))
    client.force_login(consultant)
    page = text(client.get(reverse("missions:action_plan", args=[plan.accompaniment.commune.insee_code])))
    assert "Avant de soumettre : ce qui manque" in page
    assert "Bloquant</span>Rédigez la présentation du plan." in page
    assert "Conseillé</span>Coût non chiffré" in page


def test_checklist_is_not_shown_to_elus_nor_once_submitted(client, consultant, elu, plan):
    ActionFactory(plan=plan, cost_estimate=Decimal("0"))
    submit_deliverable(subject=plan, by=consultant)
    for user in (consultant, elu):
        client.force_login(user)
        page = text(client.get(reverse("missions:action_plan", args=[plan.accompaniment.commune.insee_code])))
        assert "Avant de soumettre" not in page


def test_diagnostic_without_context_or_stake_is_refused_and_advisory_items_warn(client, consultant, commune):
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), context="", data_collected="")
    client.force_login(consultant)
    response = client.post(submit_url(diagnostic), follow=True)
    message = " ".join(flashed(response))
    assert "Rédigez le contexte communal" in message and "Ajoutez au moins un enjeu" in message
    diagnostic.context = "Commune rurale."
    diagnostic.save()
    StakeFactory(diagnostic=diagnostic)
    response = client.post(submit_url(diagnostic), follow=True)
    diagnostic.refresh_from_db()
    assert diagnostic.workflow_status == WorkflowStatus.SUBMITTED
    assert "À compléter si possible : Aucun constat partagé avec les acteurs de la commune." in flashed(response)


def test_uncosted_actions_read_non_chiffre_never_zero_euros(client, consultant, plan):
    ActionFactory(plan=plan, title="Jardin", cost_estimate=Decimal("0"))
    client.force_login(consultant)
    for url in (
        reverse("missions:action_plan", args=[plan.accompaniment.commune.insee_code]),
        reverse("missions:action_list"),
    ):
        page = text(client.get(url))
        assert "non chiffré" in page and "0,00\u202f€" not in page and "0,00 €" not in page


# The élu's approval ------------------------------------------------------------------------------------------------
@pytest.fixture
def submitted_plan(plan, consultant):
    ActionFactory(plan=plan)
    submit_deliverable(subject=plan, by=consultant)
    return plan


def approve_url(plan) -> str:
    return reverse("missions:action_plan_approve", args=[plan.accompaniment.commune.insee_code])


def test_elu_approves_with_the_deliberation_shown_beside_the_approval(
    client, elu, elu_other_commune, consultant, submitted_plan
):
    client.force_login(elu)
    upload = SimpleUploadedFile("Délibération 2026-12.pdf", PDF, content_type="application/pdf")
    response = client.post(
        approve_url(submitted_plan), {"council_decision_date": "2026-11-20", "council_decision_file": upload}
    )
    assert response.status_code == 302
    plan = ActionPlan.objects.get()
    assert plan.is_approved and plan.council_decision_date == datetime.date(2026, 11, 20)
    assert plan.council_decision_file.name.endswith(".pdf")
    insee = plan.accompaniment.commune.insee_code
    download = reverse("missions:action_plan_deliberation", args=[insee])
    for user in (elu, consultant):
        client.force_login(user)
        assert download in text(client.get(reverse("missions:action_plan", args=[insee])))
        response = client.get(download)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    client.force_login(elu_other_commune)
    assert client.get(download).status_code == 404


def test_deliberation_that_is_not_a_pdf_is_refused_in_french_and_the_date_is_kept(client, elu, submitted_plan):
    client.force_login(elu)
    for name, content in (("deliberation.png", PNG), ("deliberation.pdf", PNG)):
        upload = SimpleUploadedFile(name, content, content_type="application/pdf")
        response = client.post(
            approve_url(submitted_plan), {"council_decision_date": "2026-11-20", "council_decision_file": upload}
        )
        assert response.status_code == 200
        page = text(response)
        assert "PDF" in page and ("n'en est pas un" in page or "ne correspond pas" in page or "PNG" in page)
        assert 'value="2026-11-20"' in page
    assert not ActionPlan.objects.get().is_approved


def test_approval_without_a_deliberation_still_records_the_date(client, elu, submitted_plan):
    client.force_login(elu)
    assert client.post(approve_url(submitted_plan), {"council_decision_date": "2026-11-20"}).status_code == 302
    plan = ActionPlan.objects.get()
    assert plan.is_approved and not plan.council_decision_file
    assert (
        client.get(
            reverse("missions:action_plan_deliberation", args=[plan.accompaniment.commune.insee_code])
        ).status_code
        == 404
    )


def test_a_new_version_clears_the_previous_deliberation(client, elu, gbm_officer, submitted_plan):
    client.force_login(elu)
    upload = SimpleUploadedFile("d.pdf", PDF, content_type="application/pdf")
    client.post(approve_url(submitted_plan), {"council_decision_date": "2026-11-20", "council_decision_file": upload})
    client.force_login(gbm_officer)
    deliverable = Deliverable.objects.get()
    client.post(reverse("deliverable_return", args=[deliverable.pk]), {"comment": "Précisez le calendrier."})
    plan = ActionPlan.objects.get()
    assert not plan.is_approved and not plan.council_decision_file


# What élus download ------------------------------------------------------------------------------------------------
def test_elu_downloads_the_validated_follow_up_sheet_of_their_own_commune(
    client, elu, elu_other_commune, consultant, gbm_officer, commune
):
    support_request = SupportRequestFactory(commune=commune, completed=True)
    url = reverse("missions:support_pdf", args=[support_request.pk])
    client.force_login(elu)
    assert client.get(url).status_code == 404  # nothing validated yet: no working draft for élus
    validate_deliverable(deliverable=submit_deliverable(subject=support_request, by=consultant), by=gbm_officer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(elu_other_commune)
    assert client.get(url).status_code == 404


def test_elu_downloads_the_validated_report_of_a_workshop_their_commune_took_part_in(
    client, elu, elu_other_commune, consultant, gbm_officer, commune
):
    workshop = WorkshopFactory(held=True)
    RegistrationFactory(workshop=workshop, present=True, contact=ContactFactory(commune=commune), commune=commune)
    report = workshop.report
    report.text = "Échanges sur les circuits courts."
    report.save()
    url = reverse("ateliers:report_pdf", args=[workshop.pk])
    client.force_login(elu)
    assert client.get(url).status_code == 404  # the draft stays with the team
    validate_deliverable(deliverable=submit_deliverable(subject=report, by=consultant), by=gbm_officer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(elu_other_commune)  # their commune did not take part: the contact list is not theirs
    assert client.get(url).status_code == 403


# The public and the login page -------------------------------------------------------------------------------------
def test_login_page_links_to_the_public_support_request_form(client):
    page = text(client.get(reverse("login")))
    assert reverse("missions:support_public_create") in page and "sans créer de compte" in page


def test_public_requester_reads_their_reference_and_what_happens_next(client):
    session = client.session
    session["support_request_reference"] = "DA-2026-007"
    session.save()
    page = text(client.get(reverse("missions:support_public_done")))
    assert "DA-2026-007" in page and "Et maintenant ?" in page
    assert "la décision (acceptée ou refusée) et son motif" in page


# Dates in the past -------------------------------------------------------------------------------------------------
def test_past_workshop_still_planned_asks_the_team_whether_it_was_held(client, consultant, elu):
    past = WorkshopFactory(past=True)
    future = WorkshopFactory()
    client.force_login(consultant)
    page = text(client.get(reverse("ateliers:detail", args=[past.pk])))
    assert "Cet atelier a-t-il eu lieu ?" in page and "en retard de" in page
    assert reverse("ateliers:mark_held", args=[past.pk]) in page
    assert "a-t-il eu lieu" not in text(client.get(reverse("ateliers:detail", args=[future.pk])))
    client.force_login(elu)
    assert "a-t-il eu lieu" not in text(client.get(reverse("ateliers:detail", args=[past.pk])))
    assert past.ends_at < timezone.now()
